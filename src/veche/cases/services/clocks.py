"""The timeline side of a case's deadlines. The `deadlines` app owns the clocks and computes
them; `cases` owns the timeline, so the clocks' changes are written here as `Event`s of kind
«срок» (DEADLINE), with what the clocks were before and are after."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from veche.cases.models import Case, Event
from veche.cases.services._common import _event, _transition
from veche.cases.workflow import Regime, Status, is_allowed
from veche.org.models import User


@dataclass(frozen=True)
class ClockNote:
    """One change of a case's clocks, for the timeline."""

    case_id: int
    at: datetime
    before: Mapping[str, object] = field(default_factory=dict)
    after: Mapping[str, object] = field(default_factory=dict)
    comment: str = ""
    by: User | None = None


def note_clock(
    case: Case,
    note: ClockNote,
    *,
    status: Status | None = None,
) -> Event:
    """Write a change of the case's clocks on its timeline and, with `status`, move the case
    there when the workflow allows it from where it is (an extension → «Срок продлён»).
    Runs inside the caller's transaction, the case row locked by the caller."""
    current = Status(case.status)
    if (
        status is not None
        and status != current
        and is_allowed(current, status, Regime(case.regime))
    ):
        _transition(case, status, at=note.at, by=note.by, comment=note.comment)
    return _event(
        case,
        Event.Kind.DEADLINE,
        at=note.at,
        by=note.by,
        before=note.before,
        after=note.after,
        comment=note.comment,
    )


def note_clocks(notes: Iterable[ClockNote]) -> list[Event]:
    """Many cases' clock changes at once (clocks started for a batch of imported cases)."""
    return Event.objects.bulk_create(
        Event(
            case_id=n.case_id,
            kind=Event.Kind.DEADLINE,
            at=n.at,
            actor=n.by,
            before=dict(n.before),
            after=dict(n.after),
            comment=n.comment,
        )
        for n in notes
    )
