"""Reads of the clocks: what the reminders, the inbox and the case card ask for.

`due_clocks` is the system's view (reminders, escalation jobs) of one municipality;
`visible_due_clocks` is a person's, through `visible_cases`; `clock_figures` is what the
card of a case already shown to its viewer displays."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from veche.cases.models import Case
from veche.cases.selectors import visible_cases
from veche.deadlines.book import KIND_NAMES
from veche.deadlines.calendar_store import calendar_for
from veche.deadlines.clocks import OPEN_STATES, ClockKind, ClockState, used_share
from veche.deadlines.models import Clock
from veche.org.models import Municipality, User


def due_clocks(municipality: Municipality, *, before: datetime) -> QuerySet[Clock]:
    """A municipality's running clocks due before `before`, earliest first (paused ones wait
    for the citizen and are not due). Served by the partial index `clock_running_due`."""
    return Clock.objects.filter(
        municipality=municipality, state=ClockState.RUNNING, due_at__lt=before
    ).order_by("due_at", "pk")


def visible_due_clocks(actor: User | AnonymousUser, *, before: datetime) -> QuerySet[Clock]:
    """The running clocks due before `before` of the cases `actor` may see: the inbox's
    «срок истекает» and «просрочено» lists (`before=now` gives the overdue ones)."""
    return Clock.objects.filter(
        case__in=visible_cases(actor), state=ClockState.RUNNING, due_at__lt=before
    ).order_by("due_at", "pk")


@dataclass(frozen=True)
class ClockFigure:
    kind: str
    number: int
    label: str  # «Срок ответа», «Срок ответа (после возобновления)»
    state: ClockState
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    promised_at: datetime | None
    extended_by: int
    used_share: float  # 1.0 at the due moment; frozen at the stop for a stopped clock
    overdue: bool  # running past its due date, or stopped late
    source: str


def clock_figures(case: Case, *, now: datetime) -> list[ClockFigure]:
    """The clocks of a case for its card, in the order they started. The caller has read
    the case through `visible_cases`."""
    clocks = list(Clock.objects.filter(case_id=case.pk).select_related("policy"))
    if not clocks:
        return []
    calendar = calendar_for(case.municipality)
    figures = []
    for clock in sorted(clocks, key=lambda c: (c.number, c.started_at, c.pk)):
        moment = clock.stopped_at or now
        share = used_share(
            calendar,
            clock.policy.term,
            clock.started_at,
            clock.due_at,
            pauses=clock.pause_list(),
            now=moment,
        )
        state = ClockState(clock.state)
        name = f"Срок {KIND_NAMES[ClockKind(clock.kind)]}"
        figures.append(
            ClockFigure(
                kind=clock.kind,
                number=clock.number,
                label=f"{name} (после возобновления)" if clock.number > 1 else name,
                state=state,
                started_at=clock.started_at,
                due_at=clock.due_at,
                stopped_at=clock.stopped_at,
                promised_at=clock.promised_at,
                extended_by=clock.extended_by,
                used_share=round(share, 3),
                overdue=state == ClockState.MISSED
                or (state in OPEN_STATES and state == ClockState.RUNNING and now > clock.due_at),
                source=clock.policy.source,
            )
        )
    return figures
