"""Every write to the clocks of cases. Each public function is one operation in one
transaction and leaves its «срок» Event on the case's timeline (`cases.services.note_clock`).

The clocks follow the case workflow: `cases` announces every status change inside its
transaction (`cases.signals.status_changed`) and every batch of new cases after commit
(`cases_registered`); `receivers` hands them to `follow_status` and `start_clocks`. What a
status does to the clocks is the table in `book`.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from veche.cases.errors import CaseError
from veche.cases.errors import ErrorCode as CaseErrorCode
from veche.cases.models import Case, Event
from veche.cases.services import ClockNote, note_clock, note_clocks
from veche.cases.workflow import Status
from veche.deadlines.book import CaseFacts, ClockBook, affects_clocks
from veche.deadlines.calendar import ProductionCalendar
from veche.deadlines.calendar_store import calendar_for
from veche.deadlines.clocks import OPEN_STATES, Term, Unit, due_at
from veche.deadlines.errors import DeadlineError, ErrorCode
from veche.deadlines.models import Clock, DeadlinePolicy
from veche.deadlines.policies import CaseKey, PolicyBook
from veche.org.access import Action
from veche.org.models import Municipality, User
from veche.org.selectors import actor_scope

CASE_FIELDS = (
    "pk",
    "municipality_id",
    "regime",
    "channel_id",
    "topic_id",
    "topic__parent_id",
    "received_at",
)


def start_clocks(case_ids: Sequence[int]) -> int:
    """Start the clocks of new cases, replaying what already happened to them (an imported
    history): called after their registration commits, and again for any case left without
    clocks (the call after commit failed). Cases that have clocks are left alone, so a second
    call changes nothing. Returns how many clocks were written."""
    with transaction.atomic(durable=True):
        return _start_clocks(case_ids)


def follow_status(
    case: Case, *, before: Status, after: Status, at: datetime, by: User | None, reason: str = ""
) -> None:
    """What a status change does to the case's clocks, inside the change's transaction (the
    case row is locked by it). A change that cannot touch a clock costs no query."""
    if not affects_clocks(before, after):
        return
    clocks = list(Clock.objects.filter(case_id=case.pk).select_related("policy"))
    if not clocks:
        # No policy for its regime, or its start after registration has not run: `start_clocks`
        # replays the whole timeline when it does, so nothing is lost by waiting.
        return
    book = _book(_facts(case), clocks, municipality=None)
    book.apply_status(before, after, at, reason)
    _save(book, at=at, by=by, case=case)


def extend_deadline(
    case: Case, amount: int, *, reason: str, by: User | None, now: datetime
) -> Clock:
    """Extend the answer clock once, by at most the policy's maximum, with a reason (59-ФЗ
    ст. 12 ч. 2: by the head of the body or an authorised official, the citizen notified);
    the case moves to «Срок продлён» where the workflow allows it from where it is."""
    with transaction.atomic(durable=True):
        locked = _lock(case, Action.APPROVE, by)
        book = _load(locked)
        clock = book.extend(amount, reason, now)
        _save(book, at=now, by=by, case=locked, status=Status.EXTENDED)
    return clock


def record_promised_date(
    case: Case, promised_at: datetime, *, by: User | None, now: datetime
) -> Clock:
    """An interim answer promised the final one by `promised_at` (GLOSSARY.md,
    «Промежуточный ответ»); never later than the answer is due."""
    with transaction.atomic(durable=True):
        locked = _lock(case, Action.WORK, by)
        book = _load(locked)
        clock = book.promise(promised_at)
        _save(book, at=now, by=by, case=locked)
    return clock


@dataclass
class RecomputeResult:
    checked: int = 0
    changed: int = 0


def recompute_open_clocks(
    municipality: Municipality, *, by: User | None, now: datetime, chunk: int = 20_000
) -> RecomputeResult:
    """Recompute the due dates of a municipality's open clocks from their policies, starts,
    pauses and extensions: after a calendar override or a policy row was fixed. Stopped
    clocks are history and are not read. Each moved clock leaves an Event. One transaction
    per chunk, so a million clocks never hold one lock for minutes."""
    calendar = calendar_for(municipality)
    terms: dict[int, Term] = {}
    memo: dict[tuple[int, object], datetime] = {}
    result = RecomputeResult()
    last = 0
    while True:
        with transaction.atomic(durable=True):
            rows = list(
                _open_clocks(municipality)
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list(
                    "pk", "case_id", "kind", "number", "policy_id", "started_at", "due_at",
                    "pauses", "extended_by",
                )[:chunk]
            )  # fmt: skip
            if not rows:
                return result
            last = rows[-1][0]
            missing = {r[4] for r in rows} - terms.keys()
            if missing:
                terms.update(_terms(missing))
            moved = _recompute(rows, calendar, terms, memo)
            result.checked += len(rows)
            result.changed += len(moved)
            _write_moved(moved, at=now, by=by)


# --- helpers (no transactions) ----------------------------------------------------------------


def _start_clocks(case_ids: Sequence[int]) -> int:
    started = set(Clock.objects.filter(case_id__in=case_ids).values_list("case_id", flat=True))
    rows = list(
        Case.objects.select_for_update(of=("self",))
        .filter(pk__in=[i for i in case_ids if i not in started])
        .values(*CASE_FIELDS)
    )
    if not rows:
        return 0
    history: dict[int, list[tuple[datetime, dict[str, Any], dict[str, Any], str]]] = {}
    events = (
        Event.objects.filter(case_id__in=[r["pk"] for r in rows], kind=Event.Kind.STATUS_CHANGED)
        .order_by("case_id", "at", "pk")
        .values_list("case_id", "at", "before", "after", "comment")
    )
    for case_id, at, before, after, comment in events:
        history.setdefault(case_id, []).append((at, before, after, comment))
    policies = PolicyBook.load({r["regime"] for r in rows})
    calendars = {
        m.pk: calendar_for(m)
        for m in Municipality.objects.filter(pk__in={r["municipality_id"] for r in rows})
    }
    created: list[Clock] = []
    notes: list[ClockNote] = []
    for row in rows:
        book = ClockBook(
            _facts_of(row),
            [],
            policies=lambda: policies,
            calendar=partial(calendars.__getitem__, row["municipality_id"]),
        )
        book.receive()
        steps = history.get(row["pk"], [])
        for at, before, after, comment in steps:
            book.apply_status(Status(before["status"]), Status(after["status"]), at, comment)
        created.extend(book.created)
        # Clocks started on receipt need no Event of their own: «поступило» is it, and the
        # clock keeps its policy. A replayed history is noted, at its last step.
        if steps and (note := book.note(steps[-1][0], None)) is not None:
            notes.append(note)
    Clock.objects.bulk_create(created)
    note_clocks(notes)
    return len(created)


def _book(
    facts: CaseFacts,
    clocks: list[Clock],
    *,
    municipality: Municipality | None,
    policies: PolicyBook | None = None,
) -> ClockBook:
    def load_calendar() -> ProductionCalendar:
        found = municipality or Municipality.objects.get(pk=facts.key.municipality_id)
        return calendar_for(found)

    return ClockBook(
        facts,
        clocks,
        policies=(lambda: policies) if policies else lambda: PolicyBook.load([facts.key.regime]),
        calendar=load_calendar,
    )


def _facts(case: Case) -> CaseFacts:
    row = Case.objects.filter(pk=case.pk).values(*CASE_FIELDS).get()
    return _facts_of(row)


def _facts_of(row: dict[str, Any]) -> CaseFacts:
    key = CaseKey(
        municipality_id=row["municipality_id"],
        regime=row["regime"],
        channel_id=row["channel_id"],
        topic_id=row["topic_id"],
        topic_group_id=row["topic__parent_id"],
    )
    return CaseFacts(case_id=row["pk"], key=key, received_at=row["received_at"])


def _load(case: Case) -> ClockBook:
    clocks = list(Clock.objects.filter(case_id=case.pk).select_related("policy"))
    if not clocks:
        raise DeadlineError(ErrorCode.NO_CLOCK, "У обращения нет сроков.")
    return _book(_facts(case), clocks, municipality=case.municipality)


def _save(
    book: ClockBook, *, at: datetime, by: User | None, case: Case, status: Status | None = None
) -> None:
    for clock in book.changed.values():
        clock.next_reminder_at = None  # its due date may have moved: the reminders look again
        clock.save()
    Clock.objects.bulk_create(book.created)
    note = book.note(at, by)
    if note is not None:
        note_clock(case, note, status=status)


def _lock(case: Case, action: Action, by: User | None) -> Case:
    locked = Case.objects.select_for_update().select_related("municipality").get(pk=case.pk)
    if by is not None:
        scope = actor_scope(by)
        if not scope.can(Action.VIEW, locked):
            raise CaseError(CaseErrorCode.NOT_FOUND, "Обращение не найдено.")
        if not scope.can(action, locked):
            raise CaseError(CaseErrorCode.FORBIDDEN, "Недостаточно прав для этого действия.")
    return locked


def _open_clocks(municipality: Municipality) -> QuerySet[Clock]:
    return Clock.objects.filter(municipality=municipality, state__in=list(OPEN_STATES))


def _terms(policy_ids: Iterable[int]) -> dict[int, Term]:
    return {p.pk: p.term for p in DeadlinePolicy.objects.filter(pk__in=set(policy_ids))}


Row = tuple[int, int, str, int, int, datetime, datetime, list[list[str | None]], int]


def _recompute(
    rows: Sequence[Row],
    calendar: ProductionCalendar,
    terms: dict[int, Term],
    memo: dict[tuple[int, object], datetime],
) -> list[tuple[Row, datetime]]:
    """The rows whose due date is not what their policy gives now, with the new one. A day
    term without pauses depends only on the local start day: computed once per day."""
    moved = []
    for row in rows:
        _, _, _, _, policy_id, started_at, due, pauses, extended_by = row
        term = terms[policy_id]
        if pauses:
            new = due_at(
                calendar,
                term,
                started_at,
                extension=extended_by,
                pauses=[(datetime.fromisoformat(a or ""), _parse(b)) for a, b in pauses],
            )
        else:
            day_term = term.unit in {Unit.CALENDAR_DAYS, Unit.WORKING_DAYS}
            key = (
                policy_id,
                (calendar.local_date(started_at) if day_term else started_at, extended_by),
            )
            new = memo.get(key) or memo.setdefault(
                key, due_at(calendar, term, started_at, extension=extended_by)
            )
        if new != due:
            moved.append((row, new))
    return moved


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _write_moved(moved: Sequence[tuple[Row, datetime]], *, at: datetime, by: User | None) -> None:
    if not moved:
        return
    clocks = [Clock(pk=row[0], due_at=new, next_reminder_at=None) for row, new in moved]
    Clock.objects.bulk_update(clocks, ["due_at", "next_reminder_at"], batch_size=500)
    note_clocks(
        ClockNote(
            case_id=row[1],
            at=at,
            before={f"{row[2]}#{row[3]}": {"due_at": row[6].isoformat()}},
            after={f"{row[2]}#{row[3]}": {"due_at": new.isoformat()}},
            comment="Срок пересчитан после исправления календаря или правила срока",
            by=by,
        )
        for row, new in moved
    )
