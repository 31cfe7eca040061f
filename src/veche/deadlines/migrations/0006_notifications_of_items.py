"""Notifications of items other apps own (instructions, road-map actions), beside those of
case clocks: case and clock become optional, an item has a key, a subject, a page and a due
date; each notification knows its municipality (the digest's time zone)."""

import django.db.models.deletion
from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import OuterRef, Subquery


def copy_municipality_of_clock(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Every notification so far is of a clock: its municipality is the clock's. Made NOT NULL
    in the next migration (PostgreSQL refuses to alter a table with pending deferred foreign
    key checks in the transaction that wrote it)."""
    notification = apps.get_model("deadlines", "Notification")
    clock = apps.get_model("deadlines", "Clock")
    of_clock = clock.objects.filter(pk=OuterRef("clock_id")).values("municipality_id")[:1]
    notification.objects.filter(municipality__isnull=True).update(
        municipality_id=Subquery(of_clock)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_event_kinds_rating_repeat"),
        ("deadlines", "0005_seed_reminder_ladder"),
        ("org", "0002_municipality_auto_route"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="due_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="срок"),
        ),
        migrations.AddField(
            model_name="notification",
            name="item_key",
            field=models.CharField(blank=True, max_length=64, verbose_name="ключ"),
        ),
        migrations.AddField(
            model_name="notification",
            name="municipality",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.municipality",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="settled_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Исполнено, снято или срок перенесён.",
                null=True,
                verbose_name="снято",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="subject",
            field=models.CharField(blank=True, max_length=200, verbose_name="о чём"),
        ),
        migrations.AddField(
            model_name="notification",
            name="url",
            field=models.CharField(blank=True, max_length=300, verbose_name="страница"),
        ),
        migrations.AlterField(
            model_name="digest",
            name="items",
            field=models.PositiveIntegerField(default=0, verbose_name="пунктов"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="audience",
            field=models.CharField(
                choices=[
                    ("executor", "исполнитель"),
                    ("controller", "на контроле"),
                    ("department_head", "руководитель подразделения"),
                    ("block_head", "руководитель отраслевого блока"),
                    ("centre_head", "руководитель МЦУ"),
                ],
                max_length=16,
                verbose_name="как",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="case",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="cases.case",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="clock",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="deadlines.clock",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("clock__isnull", True)),
                fields=("item_key", "due_at", "step", "user"),
                name="notification_item_once_per_step",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("case__isnull", False), ("clock__isnull", False)),
                    models.Q(
                        ("case__isnull", True),
                        ("clock__isnull", True),
                        ("due_at__isnull", False),
                        models.Q(("item_key", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="notification_of_a_clock_or_an_item",
            ),
        ),
        migrations.RunPython(copy_municipality_of_clock, migrations.RunPython.noop),
    ]
