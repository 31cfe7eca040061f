"""Everything Veche holds about one citizen, for the subject's request (152-ФЗ ст. 14, ст. 20:
an answer within 10 working days, +5 with a reasoned notice — DOMAIN.md §7.1, §8 item 21).

A ZIP: `data.json` (machine-readable), `report.html` (to read and print), `files/` (the
attachments). The export itself is logged in the access log (purpose «subject_request»),
so it appears in its own contents.
"""

import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from veche.cases.models import Answer, Attachment, Case, Citizen, Event, PersonalDataAccess
from veche.cases.services.personal_data import log_citizen_access
from veche.feedback.models import Survey
from veche.intake.models import Outbound
from veche.org.models import User
from veche.privacy.models import PurgedCase
from veche.privacy.rights import require_manager

PURPOSE = "subject_request"


@dataclass(frozen=True)
class ExportSummary:
    cases: int
    files: int
    missing_files: int


def write_subject_export(
    citizen: Citizen, out: IO[bytes], *, by: User, now: datetime
) -> ExportSummary:
    """Write the citizen's ZIP to `out`, after checking the right and logging the access."""
    require_manager(citizen.municipality_id, by)
    log_citizen_access(citizen, by=by, purpose=PURPOSE)
    data = subject_data(citizen, by=by, now=now)
    files: list[tuple[str, str]] = []  # (path in the ZIP, name in the storage)
    missing = 0
    for case in data["cases"]:
        for item in case["attachments"]:
            stored = item.pop("stored")
            if stored and default_storage.exists(stored):
                files.append((item["path"], stored))
            else:
                item["path"] = ""
                missing += 1
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr(
            "report.html", render_to_string("privacy/subject_export.html", {"data": data})
        )
        for path, stored in files:
            with default_storage.open(stored, "rb") as source:
                archive.writestr(path, source.read())
    return ExportSummary(cases=len(data["cases"]), files=len(files), missing_files=missing)


def subject_data(citizen: Citizen, *, by: User, now: datetime) -> dict[str, Any]:
    """The citizen's record, cases with their texts, answers, timeline, files, surveys and
    outgoing messages, the cases whose data were already destroyed, and the access log."""
    zone = ZoneInfo(citizen.municipality.time_zone)
    cases = list(
        Case.objects.filter(author=citizen)
        .select_related("channel", "topic", "department")
        .order_by("received_at", "pk")
    )
    return {
        "generated_at": _when(now, zone),
        "generated_by": by.username,
        "operator": citizen.municipality.name,
        "citizen": {
            "id": citizen.pk,
            "full_name": citizen.full_name,
            "phone": citizen.phone,
            "email": citizen.email,
            "postal_address": citizen.postal_address,
            "social_id": citizen.social_id,
            "recorded_at": _when(citizen.created_at, zone),
        },
        "cases": [_case(case, zone) for case in cases],
        "destroyed": [
            {
                "number": p.number,
                "act": p.act.number,
                "purged_at": _when(p.purged_at, zone),
            }
            for p in PurgedCase.objects.filter(citizen_ref=citizen.pk)
            .select_related("act")
            .order_by("pk")
        ],
        "access_log": [
            {
                "at": _when(row.at, zone),
                "user": row.user.username,
                "purpose": row.purpose,
                "case": row.case.number if row.case else "",
            }
            for row in PersonalDataAccess.objects.filter(citizen=citizen)
            .select_related("user", "case")
            .order_by("at", "pk")
        ],
    }


def _case(case: Case, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "number": case.number,
        "regime": case.get_regime_display(),
        "channel": case.channel.name,
        "status": case.get_status_display(),
        "received_at": _when(case.received_at, zone),
        "subject": case.subject,
        "text": case.text,
        "address": case.address_raw,
        "topic": case.topic.name if case.topic else "",
        "department": case.department.name if case.department else "",
        "answers": [
            {
                "kind": a.get_kind_display(),
                "state": a.get_state_display(),
                "text": a.text,
                "sent_at": _when(a.sent_at, zone),
            }
            for a in Answer.objects.filter(case=case).order_by("created_at", "pk")
        ],
        "events": [
            {"at": _when(e.at, zone), "kind": e.get_kind_display(), "comment": e.comment}
            for e in Event.objects.filter(case=case).order_by("at", "pk")
        ],
        "attachments": [_attachment(case, a, zone) for a in Attachment.objects.filter(case=case)],
        "surveys": [
            {
                "answered_at": _when(s.answered_at, zone),
                "rating": s.rating,
                "solved": s.solved,
                "comment": s.comment,
            }
            for s in Survey.objects.filter(case=case).order_by("created_at", "pk")
        ],
        "messages_sent": [
            {
                "kind": o.get_kind_display(),
                "state": o.get_state_display(),
                "text": o.text,
                "sent_at": _when(o.sent_at, zone),
            }
            for o in Outbound.objects.filter(case=case).order_by("created_at", "pk")
        ],
    }


def _attachment(case: Case, item: Attachment, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "name": item.name,
        "size": item.size,
        "content_type": item.content_type,
        "added_at": _when(item.created_at, zone),
        # The sender's name is cleaned at upload (cases.files.safe_name); the id keeps two
        # files of one name apart.
        "path": f"files/{case.number}/{item.pk}_{item.name}",
        "stored": item.file.name,
    }


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""
