"""The access log becomes hash chains, one per municipality (DOMAIN.md §8 item 18): two
fields, and the links of the rows already written computed in id order."""

import hashlib
from datetime import UTC
from typing import Any

import django.utils.timezone
from django.db import migrations, models


def _link(previous: str, row: Any) -> str:
    # A frozen copy of cases.models.access_row_hash as of this migration.
    fields = [
        previous,
        row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        str(row.user_id),
        str(row.citizen_id),
        "" if row.case_ref is None else str(row.case_ref),
        row.purpose,
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def chain_existing_rows(apps: Any, schema_editor: Any) -> None:
    """One chain per municipality of the citizen, in id order."""
    access = apps.get_model("cases", "PersonalDataAccess")
    previous: dict[int, str] = {}
    changed = []
    rows = access.objects.select_related("citizen").order_by("pk")
    for row in rows.iterator(chunk_size=2_000):
        chain = row.citizen.municipality_id
        row.case_ref = row.case_id
        row.chain_hash = previous[chain] = _link(previous.get(chain, ""), row)
        changed.append(row)
        if len(changed) >= 2_000:
            access.objects.bulk_update(changed, ["case_ref", "chain_hash"])
            changed = []
    access.objects.bulk_update(changed, ["case_ref", "chain_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_event_kinds_rating_repeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="personaldataaccess",
            name="case_ref",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="personaldataaccess",
            name="chain_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="personaldataaccess",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
    ]
