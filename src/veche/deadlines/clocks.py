"""The clock arithmetic of a case's deadlines, pure (STYLE.md habit 7): when a clock is due
given its term, its start, its pauses and its extension, and what share of its time is used.
The database side is in `models`, the writes in `services`.

Day terms end at local midnight of their last day («до конца дня», ГК РФ ст. 194 for the
moment a term counted in days runs out): calendar-day terms are counted from the day after
the start (ст. 191) and moved off a non-working last day by the policy's rule (DOMAIN.md §1.1);
working-day terms end on the n-th working day after the start. Hour terms end at the moment.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from veche.deadlines.calendar import DEFAULT_DAY_OFF_RULE, DayOffRule, ProductionCalendar


class ClockKind(StrEnum):
    REGISTRATION = "registration"
    FIRST_REACTION = "first_reaction"
    REDIRECT = "redirect"
    ANSWER = "answer"


class Unit(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    WORKING_HOURS = "working_hours"


class Anchor(StrEnum):
    """What a clock is counted from: it starts when that happens."""

    RECEIVED = "received"
    REGISTERED = "registered"
    FIRST_REACTION = "first_reaction"  # ИМ: the final answer after the first one (§3)


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"  # its event happened in time
    MISSED = "missed"  # its event happened, late
    CLOSED = "closed"  # no longer applies: redirected, merged, rejected, not needed


OPEN_STATES = frozenset({ClockState.RUNNING, ClockState.PAUSED})

# A pause: (paused at, resumed at or None while it lasts), aware UTC datetimes.
Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class Term:
    """A policy's limit: `amount` of `unit`, a non-working last day moved by `rule`."""

    amount: int
    unit: Unit
    rule: DayOffRule = DEFAULT_DAY_OFF_RULE


def due_at(
    calendar: ProductionCalendar,
    term: Term,
    started_at: datetime,
    *,
    extension: int = 0,
    pauses: Sequence[Pause] = (),
) -> datetime:
    """When a clock started at `started_at` runs out: the term plus the extension (in the
    same unit), moved on by the time it spent paused, counted in its unit (calendar days of
    a pause for a calendar-day term, working days for a working-day term, office time for
    working hours). A pause still lasting does not count yet: resuming recomputes."""
    amount = term.amount + extension
    closed = [(a, b) for a, b in pauses if b is not None]
    if term.unit is Unit.HOURS:
        paused = sum((b - a for a, b in closed), timedelta())
        return started_at.astimezone(UTC) + timedelta(hours=amount) + paused
    if term.unit is Unit.WORKING_HOURS:
        paused = sum((calendar.working_time_between(a, b) for a, b in closed), timedelta())
        return calendar.add_working_time(started_at, timedelta(hours=amount) + paused)
    start = calendar.local_date(started_at)
    if term.unit is Unit.WORKING_DAYS:
        shift = sum(
            calendar.working_days_between(calendar.local_date(a), calendar.local_date(b))
            for a, b in closed
        )
        return calendar.end_of_day(calendar.working_day_after(start, amount + shift))
    shift = sum((calendar.local_date(b) - calendar.local_date(a)).days for a, b in closed)
    last = start + timedelta(days=amount + shift)
    return calendar.end_of_day(calendar.due_day(last, rule=term.rule))


def used_share(
    calendar: ProductionCalendar,
    term: Term,
    started_at: datetime,
    due: datetime,
    *,
    pauses: Sequence[Pause] = (),
    now: datetime,
) -> float:
    """The share of a clock's time used by `now` (1.0 at the due moment, more when late),
    in office time for working units and in plain time otherwise; paused time is not used."""
    span = _spanner(calendar, term)
    paused = sum((span(a, min(b or now, now)) for a, b in pauses), timedelta())
    total = _total(span, started_at, due, pauses)
    if total <= timedelta():
        return 1.0
    return max(span(started_at, now) - paused, timedelta()) / total


def share_reached_at(
    calendar: ProductionCalendar,
    term: Term,
    started_at: datetime,
    due: datetime,
    *,
    pauses: Sequence[Pause] = (),
    share: float,
    now: datetime,
) -> datetime:
    """When a clock running at `now` will have used `share` of its time (the inverse of
    `used_share`): `now` itself if it has already. Its pauses are over while it runs, so from
    here the time used grows with plain time, or with office time for working units."""
    span = _spanner(calendar, term)
    left = _total(span, started_at, due, pauses) * share - (
        span(started_at, now) - sum((span(a, min(b or now, now)) for a, b in pauses), timedelta())
    )
    if left <= timedelta():
        return now
    if term.unit in _WORKING:
        return calendar.add_working_time(now, left)
    return now + left


_WORKING = frozenset({Unit.WORKING_DAYS, Unit.WORKING_HOURS})


def _spanner(calendar: ProductionCalendar, term: Term) -> Callable[[datetime, datetime], timedelta]:
    """How a clock's time is measured: office time for working units, plain time otherwise."""
    working = term.unit in _WORKING

    def span(a: datetime, b: datetime) -> timedelta:
        if b <= a:
            return timedelta()
        return calendar.working_time_between(a, b) if working else b - a

    return span


def _total(
    span: Callable[[datetime, datetime], timedelta],
    started_at: datetime,
    due: datetime,
    pauses: Sequence[Pause],
) -> timedelta:
    return span(started_at, due) - sum((span(a, b) for a, b in pauses if b), timedelta())


def say_due(local: datetime) -> str:
    """A deadline as people say it: «по 25.11.2026» for a term that ends with its day (at
    local midnight), the date and time for a term in hours. `local`: in the municipality's
    time zone."""
    if (local.hour, local.minute) == (0, 0):
        return f"по {(local - timedelta(minutes=1)):%d.%m.%Y}"
    return f"{local:%d.%m.%Y %H:%M}"
