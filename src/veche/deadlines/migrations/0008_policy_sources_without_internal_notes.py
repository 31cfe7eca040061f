"""The seeded policies' «основание» is shown on the case card: it named the project's own notes
(DOMAIN.md) to officers. Only the wording changes; the terms stay."""

import re

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

REWRITES = [
    (r" — НЕ ПОДТВЕРЖДЕНО \(DOMAIN\.md §2\.2\), сверьте", " — срок не подтверждён актом, сверьте"),
    (r" \(по тексту закона, в DOMAIN\.md не сверено\)", ""),
    (r" \(DOMAIN\.md §3\)", ""),
    (r"; DOMAIN\.md §3\)", ")"),
]


def reword(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    policy = apps.get_model("deadlines", "DeadlinePolicy")
    for row in policy.objects.filter(municipality=None, source__contains="DOMAIN.md"):
        source = row.source
        for pattern, replacement in REWRITES:
            source = re.sub(pattern, replacement, source)
        row.source = source
        row.save(update_fields=["source"])


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0007_notification_municipality_required")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
