"""Every deployment starts with the same rubricator (catalog/data/rubricator.json).

Reversing keeps the topics: cases may already point at them, and a later run of this
migration updates them in place (update_or_create by group and name).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from veche.catalog.seed import seed_rubricator


def seed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    seed_rubricator(apps.get_model("catalog", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_seed_channels")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
