"""Destruction of personal data whose retention term has run out (DOMAIN.md §7.1: 152-ФЗ
ст. 21 ч. 4, the act in the form of Приказ РКН от 28.10.2022 № 179; §8 item 20).

What goes: the author's name, phone, e-mail, postal address and social id (the citizen
record is wiped once no other case refers to it), the case's subject, its text (replaced by
the triage's masked text, or a fixed mark), the house number in the address, the exact point
(snapped to the centre of its heat-map cell), every answer's text, the texts of staff and
citizen messages on the timeline, attachments (files and rows), survey comments, the channel
messages sent back and the chat ids.

What stays, so that the analytics and the reports do not move: the case, its number, regime,
channel, topic, department, territory, dates, statuses, the timeline's kinds and moments,
answers' kinds and sending times, brush-off verdicts and ratings (tested: the rollups are the
same before and after).

Batch-wise: `CHUNK` cases per transaction, so an interrupted run keeps what it did and the
next run continues (a purged case is recorded in `PurgedCase` and never taken again).
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import h3
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from veche.analytics.facts import H3_RESOLUTION
from veche.cases.masking import mask_address
from veche.cases.models import Answer, Attachment, Case, CaseAnalysis, Citizen, Event
from veche.cases.search import index_text
from veche.feedback.models import AnswerCheck, Survey
from veche.intake.models import Delivery, Outbound
from veche.org.models import Municipality, User
from veche.privacy.models import DestructionAct, LegalHold, PurgedCase, RetentionRule
from veche.privacy.retention import FINAL_STATUSES, final_moments, is_expired, term_days
from veche.privacy.rights import require_manager
from veche.publishing.models import PageComment

log = logging.getLogger(__name__)

CHUNK = 500
REMOVED = "[удалено по сроку хранения]"
INFORMATION_SYSTEM = "Вече — платформа обращений граждан МЦУ"
CATEGORIES = [
    "фамилия, имя, отчество",
    "номер телефона",
    "адрес электронной почты",
    "почтовый адрес",
    "идентификатор в социальной сети / на ЕПГУ",
    "сведения в текстах обращений, ответов и сообщений",
    "вложенные файлы (фото, сканы, документы)",
]
METHOD = (
    "автоматизированная обработка: стирание значений полей базы данных и удаление файлов "
    "вложений с диска"
)
REASON = (
    "истечение срока хранения (ч. 4 ст. 21 Федерального закона от 27.07.2006 № 152-ФЗ; "
    "срок — по перечню Приказа Росархива от 20.12.2019 № 236)"
)
# Keys of a timeline event's before/after that never hold personal data; every other string
# value is replaced.
SAFE_KEYS = frozenset(
    {
        "status", "from", "via", "attachment", "size", "department", "topic", "priority",
        "kind", "regime", "channel", "answer", "case", "problem", "parent", "duplicate_of",
        "merged", "reopened", "due_at", "at", "actor_id", "rating", "solved", "outcome",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Due:
    """A case whose personal data are due for destruction."""

    case_id: int
    number: str
    final_status: str
    final_at: datetime
    days: int


@dataclass
class PurgeResult:
    act: DestructionAct | None
    due: list[Due] = field(default_factory=list)
    cases: int = 0
    subjects: int = 0
    files: int = 0
    subject_ids: set[int] = field(default_factory=set)


def due_cases(municipality: Municipality, *, today: date, chunk: int = CHUNK) -> Iterator[Due]:
    """The municipality's finished cases, not on hold and not yet purged, whose term ran out
    by `today` (the municipality's local date), in case order, read `chunk` at a time."""
    terms = {
        (r, s): d
        for r, s, d in RetentionRule.objects.filter(municipality=municipality).values_list(
            "regime", "status", "days"
        )
    }
    zone = ZoneInfo(municipality.time_zone)
    last = 0
    while True:
        rows = list(
            _candidates(municipality)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "number", "regime", "status")[:chunk]
        )
        if not rows:
            return
        last = rows[-1][0]
        moments = final_moments([pk for pk, *_ in rows])
        for pk, number, regime, status in rows:
            moment = moments.get(pk)
            if moment is None:
                continue  # no recorded final status: nothing to count from
            days = term_days(terms, regime, status)
            if is_expired(moment.astimezone(zone).date(), days, today):
                yield Due(pk, number, status, moment, days)


def purge_personal_data(
    municipality: Municipality,
    *,
    today: date,
    by: User | None,
    now: datetime,
    dry_run: bool = False,
    chunk: int = CHUNK,
) -> PurgeResult:
    """Destroy the personal data of every due case of the municipality and write the act.
    With `dry_run`, only list what is due. Without due cases no act is written."""
    require_manager(municipality.pk, by)
    result = PurgeResult(act=None)
    batch: list[Due] = []
    for due in due_cases(municipality, today=today, chunk=chunk):
        if dry_run:
            result.due.append(due)
            continue
        batch.append(due)
        if len(batch) >= chunk:
            _purge_batch(result, municipality, batch, by=by, now=now)
            batch = []
    if batch:
        _purge_batch(result, municipality, batch, by=by, now=now)
    if result.act is not None:
        with transaction.atomic(durable=True):
            DestructionAct.objects.filter(pk=result.act.pk).update(
                state=DestructionAct.State.DONE, finished_at=now
            )
        result.act.refresh_from_db()
    return result


def _candidates(municipality: Municipality) -> QuerySet[Case]:
    return Case.objects.filter(municipality=municipality, status__in=FINAL_STATUSES).filter(
        ~Exists(PurgedCase.objects.filter(case=OuterRef("pk"))),
        ~Exists(LegalHold.objects.filter(case=OuterRef("pk"), released_at=None)),
    )


def _purge_batch(
    result: PurgeResult,
    municipality: Municipality,
    batch: list[Due],
    *,
    by: User | None,
    now: datetime,
) -> None:
    with transaction.atomic(durable=True):
        wanted = {d.case_id: d for d in batch}
        # Re-read under lock: a hold placed or a case reopened meanwhile wins.
        cases = list(
            _candidates(municipality).filter(pk__in=list(wanted)).select_for_update().order_by("pk")
        )
        cases = [c for c in cases if c.status == wanted[c.pk].final_status]
        if not cases:
            return
        if result.act is None:
            result.act = _open_act(municipality, by=by, now=now)
        act = result.act
        ids = [c.pk for c in cases]
        authors = {c.pk: c.author_id for c in cases}
        citizens = {a for a in authors.values() if a is not None}
        files = _drop_attachments(ids)
        _clean_events(ids)
        _clean_answers(ids)
        _clean_cases(cases)
        Case.objects.filter(pk__in=ids).update(personal_data_destroyed_at=now)
        Survey.objects.filter(case_id__in=ids).update(comment="")
        Outbound.objects.filter(case_id__in=ids).update(text=REMOVED, last_error="")
        Delivery.objects.filter(case_id__in=ids).update(conversation="")
        PageComment.objects.filter(case_id__in=ids).update(author="", text=REMOVED)
        _wipe_unused_citizens(citizens)
        PurgedCase.objects.bulk_create(
            PurgedCase(
                case_id=c.pk,
                act=act,
                number=c.number,
                citizen_ref=authors[c.pk],
                final_status=c.status,
                final_at=wanted[c.pk].final_at,
                purged_at=now,
            )
            for c in cases
        )
        Event.objects.bulk_create(
            Event(
                case_id=pk,
                kind=Event.Kind.COMMENT,
                at=now,
                actor=by,
                comment=f"Персональные данные уничтожены по сроку хранения, акт № {act.number}.",
            )
            for pk in ids
        )
        result.cases += len(ids)
        result.subject_ids |= citizens
        result.subjects = len(result.subject_ids)
        result.files += len(files)
        DestructionAct.objects.filter(pk=act.pk).update(
            cases_count=result.cases, subjects_count=result.subjects, files_count=result.files
        )
        transaction.on_commit(lambda: _delete_files(files))


def _open_act(municipality: Municipality, *, by: User | None, now: datetime) -> DestructionAct:
    Municipality.objects.select_for_update().get(pk=municipality.pk)
    year = now.year
    taken = DestructionAct.objects.filter(
        municipality=municipality, number__startswith=f"{year}-"
    ).count()
    return DestructionAct.objects.create(
        municipality=municipality,
        number=f"{year}-{taken + 1:04d}",
        operator=municipality.name,
        information_system=INFORMATION_SYSTEM,
        categories=CATEGORIES,
        method=METHOD,
        reason=REASON,
        responsible=by,
        responsible_name=_responsible(by),
        started_at=now,
    )


def _responsible(by: User | None) -> str:
    if by is None:
        return "автоматически, по расписанию (ответственный за обработку ПДн — см. приказ МО)"
    name = " ".join(p for p in (by.last_name, by.first_name, by.middle_name) if p)
    return ", ".join(p for p in (name or by.username, by.position) if p)


def _drop_attachments(case_ids: list[int]) -> list[str]:
    rows = Attachment.objects.filter(case_id__in=case_ids)
    names = [name for name in rows.values_list("file", flat=True) if name]
    rows.delete()
    return names


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - a file already gone or unreadable disk
            log.warning("attachment file %s could not be deleted", name)


def _clean_events(case_ids: list[int]) -> None:
    changed = []
    for event in Event.objects.filter(case_id__in=case_ids).only(
        "pk", "before", "after", "comment"
    ):
        before, after = _clean_payload(event.before), _clean_payload(event.after)
        comment = REMOVED if event.comment else ""
        if (before, after, comment) != (event.before, event.after, event.comment):
            event.before, event.after, event.comment = before, after, comment
            changed.append(event)
    Event.objects.bulk_update(changed, ["before", "after", "comment"], batch_size=500)


def _clean_payload(payload: Any) -> Any:
    if not isinstance(payload, dict):
        return payload
    return {
        k: (v if k in SAFE_KEYS or not isinstance(v, str | list | dict) else REMOVED)
        for k, v in payload.items()
    }


def _clean_answers(case_ids: list[int]) -> None:
    Answer.objects.filter(case_id__in=case_ids).update(text=REMOVED)
    checks = list(AnswerCheck.objects.filter(answer__case_id__in=case_ids))
    for check in checks:
        check.findings = [{**f, "detail": ""} if isinstance(f, dict) else f for f in check.findings]
    AnswerCheck.objects.bulk_update(checks, ["findings"], batch_size=500)


def _clean_cases(cases: list[Case]) -> None:
    ids = [c.pk for c in cases]
    masked = dict(
        CaseAnalysis.objects.filter(case_id__in=ids)
        .exclude(masked_text="")
        .values_list("case_id", "masked_text")
    )
    for case in cases:
        case.subject = REMOVED if case.subject else ""
        case.text = masked.get(case.pk) or REMOVED
        case.address_raw = mask_address(case.address_raw)
        case.lat, case.lon = _snapped(case.lat, case.lon)
        case.author = None
        case.search_lemmas = index_text(case.subject, case.text)
    Case.objects.bulk_update(
        cases,
        ["subject", "text", "address_raw", "lat", "lon", "author", "search_lemmas"],
        batch_size=500,
    )
    analyses = list(CaseAnalysis.objects.filter(case_id__in=ids))
    for analysis in analyses:
        analysis.personal_data = []
        analysis.house = ""
        analysis.place_name = mask_address(analysis.place_name)
        analysis.place_lat, analysis.place_lon = _snapped(analysis.place_lat, analysis.place_lon)
    CaseAnalysis.objects.bulk_update(
        analyses, ["personal_data", "house", "place_name", "place_lat", "place_lon"]
    )


def _snapped(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    """The centre of the point's heat-map cell: the map and its counts stay, the house goes."""
    if lat is None or lon is None:
        return lat, lon
    centre: tuple[float, float] = h3.cell_to_latlng(h3.latlng_to_cell(lat, lon, H3_RESOLUTION))
    return centre


def _wipe_unused_citizens(citizen_ids: set[int]) -> int:
    """Wipe the records of authors no case refers to any more; an author with a case still
    kept stays as is (that case still needs them)."""
    still_used = set(
        Case.objects.filter(author_id__in=citizen_ids).values_list("author_id", flat=True)
    )
    return Citizen.objects.filter(pk__in=citizen_ids - still_used).update(
        full_name="", phone="", email="", postal_address="", social_id=""
    )
