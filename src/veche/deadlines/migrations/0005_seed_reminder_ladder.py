"""The installation's reminder ladder (the issue «Deadlines…»): the executor at half the time,
the department head joins at 80 %, the block head at the due moment, the МЦУ's head and
deputies once a tenth of the term has passed on top (three days of a 59-ФЗ answer, 48 minutes
of an 8-hour ИМ reaction). A municipality replaces it by adding steps of its own in the admin."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# percent, executor, department head, block head, МЦУ head
LADDER = [
    (50, True, False, False, False),
    (80, True, True, False, False),
    (100, True, True, True, False),
    (110, True, True, True, True),
]


def seed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    rule = apps.get_model("deadlines", "ReminderRule")
    for percent, executor, department_head, block_head, centre_head in LADDER:
        rule.objects.get_or_create(
            municipality=None,
            percent=percent,
            defaults={
                "notify_executor": executor,
                "notify_department_head": department_head,
                "notify_block_head": block_head,
                "notify_centre_head": centre_head,
            },
        )


def unseed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("deadlines", "ReminderRule").objects.filter(municipality=None).delete()


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0004_reminders_and_notifications")]

    operations = [migrations.RunPython(seed, unseed)]
