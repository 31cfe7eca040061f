"""Daily rollups kept up to date from the case timeline (README, «Аналитика: свёртки»).

`update_rollups` reads the `Event`s after the cursor in id order, adds what each contributes
to its day's row and moves the cursor, in one transaction; `rebuild_rollups` starts from
zero and replays every event. Both go through the same code, so they agree.

Which dimensions an event counts under: the case's as of that event. They are the case's
current topic, department and territory, unless a later event changed one of them, in which
case that change's `before` holds the value in force then. This is what the timeline says,
so a later run and a rebuild see the same values; reading the case as it is now instead would
move old events whenever a case is reassigned. Channel and regime never change.

The day is the local date of the event in the municipality's time zone; «поступило» counts
on the day of `Case.received_at` (the legal receipt), the rest on the day of their event.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import transaction

from veche.analytics.models import COUNTERS, DailyRollup, RollupCursor
from veche.cases.models import Case, Event
from veche.cases.workflow import Status
from veche.catalog.models import Topic
from veche.org.models import Department, Municipality, Territory

Key = tuple[int, date, int | None, int | None, int | None, int, str]
Counts = dict[str, int]

# The dimensions a later event may have changed, by the event kind that changes them.
CHANGES: dict[str, tuple[str, ...]] = {
    Event.Kind.ASSIGNED: ("department",),
    Event.Kind.TOPIC_CHANGED: ("topic",),
    Event.Kind.LOCATED: ("territory",),
}
# A status entered, and the counter it adds to.
ENTERED: dict[str, str] = {
    Status.REGISTERED: "registered",
    Status.ANSWERED: "answered",
    Status.CLOSED: "closed",
    Status.REOPENED: "reopened",
}


class _EventRow(NamedTuple):
    pk: int
    case_id: int
    at: datetime
    kind: str
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True)
class _CaseRow:
    municipality_id: int
    channel_id: int
    regime: str
    received_at: datetime
    dims: dict[str, int | None]


def update_rollups(*, batch: int = 10_000) -> int:
    """Add every event not yet counted, a batch per transaction; returns how many were read."""
    total = 0
    while True:
        with transaction.atomic(durable=True):
            count = _advance(_locked_cursor(), batch)
        if not count:
            return total
        total += count


def rebuild_rollups(*, batch: int = 10_000) -> int:
    """Forget every rollup and count all events again, in one transaction: readers see the
    old figures until the new ones are complete."""
    total = 0
    with transaction.atomic(durable=True):
        cursor = _locked_cursor()
        DailyRollup.objects.all().delete()
        cursor.last_event_id = 0
        while count := _advance(cursor, batch):
            total += count
    return total


def _advance(cursor: RollupCursor, batch: int) -> int:
    """Count the next batch of events after the cursor and move it past them."""
    rows = Event.objects.filter(pk__gt=cursor.last_event_id).order_by("pk")
    events = [_EventRow(*r) for r in rows.values_list(*_EventRow._fields)[:batch]]
    if not events:
        return 0
    _add(_contributions(events))
    cursor.last_event_id = events[-1].pk
    cursor.save(update_fields=["last_event_id"])
    return len(events)


def _locked_cursor() -> RollupCursor:
    # One runner at a time: the lock on the cursor row serialises them.
    RollupCursor.objects.get_or_create(pk=1)
    return RollupCursor.objects.select_for_update().get(pk=1)


def _contributions(events: list[_EventRow]) -> dict[Key, Counts]:
    case_ids = {e.case_id for e in events}
    cases = _cases(case_ids)
    dims_at = _dimensions_at(events, cases)
    answered_before = _answered_before(case_ids, events[0].pk)
    zones = _zones({c.municipality_id for c in cases.values()})
    totals: dict[Key, Counts] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for event in events:
        case = cases[event.case_id]
        zone = zones[case.municipality_id]
        for moment, counter, amount in _counts(event, case, answered_before):
            dims = dims_at[event.pk]
            key: Key = (
                case.municipality_id,
                moment.astimezone(zone).date(),
                dims["topic"],
                dims["department"],
                dims["territory"],
                case.channel_id,
                case.regime,
            )
            totals[key][counter] += amount
    return totals


def _counts(
    event: _EventRow, case: _CaseRow, answered_before: set[int]
) -> Iterator[tuple[datetime, str, int]]:
    if event.kind == Event.Kind.CREATED:
        yield case.received_at, "received", 1
        return
    if event.kind != Event.Kind.STATUS_CHANGED:
        return
    counter = ENTERED.get(str((event.after or {}).get("status")))
    if counter is None:
        return
    yield event.at, counter, 1
    if counter == "answered" and event.case_id not in answered_before:
        answered_before.add(event.case_id)
        seconds = max(0, int((event.at - case.received_at).total_seconds()))
        yield event.at, "first_answered", 1
        yield event.at, "first_answer_seconds", seconds


def _cases(case_ids: set[int]) -> dict[int, _CaseRow]:
    rows = Case.objects.filter(pk__in=case_ids).values_list(
        "pk", "municipality_id", "channel_id", "regime", "received_at", "topic_id",
        "department_id", "territory_id",
    )  # fmt: skip
    return {
        pk: _CaseRow(
            municipality,
            channel,
            regime,
            received,
            {"topic": topic, "department": department, "territory": territory},
        )
        for pk, municipality, channel, regime, received, topic, department, territory in rows
    }


def _dimensions_at(
    events: list[_EventRow], cases: dict[int, _CaseRow]
) -> dict[int, dict[str, int | None]]:
    """Each event's dimensions: walk each case's timeline back from its present state, undoing
    every change by its `before`, and note the state after each event of the batch."""
    later = Event.objects.filter(case_id__in=cases, pk__gt=events[-1].pk, kind__in=list(CHANGES))
    later_changes = [_EventRow(*r) for r in later.values_list(*_EventRow._fields)]
    timeline = sorted([*events, *later_changes], key=lambda e: e.pk, reverse=True)
    state = {pk: dict(case.dims) for pk, case in cases.items()}
    wanted = {e.pk for e in events}
    found: dict[int, dict[str, int | None]] = {}
    for event in timeline:
        current = state[event.case_id]
        if event.pk in wanted:
            found[event.pk] = dict(current)
        before = event.before or {}
        for dimension in CHANGES.get(event.kind, ()):
            if dimension in before:
                current[dimension] = before[dimension]
    return _existing(found)


def _existing(found: dict[int, dict[str, int | None]]) -> dict[int, dict[str, int | None]]:
    """An id in an old event's `before` may name a row deleted since: count it as none."""
    models: dict[str, Any] = {"topic": Topic, "department": Department, "territory": Territory}
    alive = {
        name: set(
            model.objects.filter(
                pk__in={d[name] for d in found.values() if d[name] is not None}
            ).values_list("pk", flat=True)
        )
        for name, model in models.items()
    }
    return {
        pk: {name: (v if v in alive[name] else None) for name, v in dims.items()}
        for pk, dims in found.items()
    }


def _answered_before(case_ids: Iterable[int], first_pk: int) -> set[int]:
    """Cases that already had a final answer sent before this batch (not their first one)."""
    return set(
        Event.objects.filter(
            case_id__in=list(case_ids),
            pk__lt=first_pk,
            kind=Event.Kind.STATUS_CHANGED,
            after__status=Status.ANSWERED.value,
        ).values_list("case_id", flat=True)
    )


def _zones(municipality_ids: set[int]) -> dict[int, ZoneInfo]:
    pairs = Municipality.objects.filter(pk__in=municipality_ids).values_list("pk", "time_zone")
    return {pk: ZoneInfo(name) for pk, name in pairs}


def _add(totals: dict[Key, Counts]) -> None:
    """Add the batch's counts to the stored rows: update those that exist, create the rest."""
    if not totals:
        return
    existing = DailyRollup.objects.filter(
        municipality_id__in={k[0] for k in totals}, day__in={k[1] for k in totals}
    )
    rows = {_key(row): row for row in existing}
    changed, fresh = [], []
    for key, counts in totals.items():
        row = rows.get(key)
        if row is None:
            fresh.append(_new_row(key, counts))
            continue
        for counter, amount in counts.items():
            setattr(row, counter, getattr(row, counter) + amount)
        changed.append(row)
    DailyRollup.objects.bulk_update(changed, list(COUNTERS), batch_size=500)
    DailyRollup.objects.bulk_create(fresh, batch_size=500)


def _key(row: DailyRollup) -> Key:
    return (
        row.municipality_id,
        row.day,
        row.topic_id,
        row.department_id,
        row.territory_id,
        row.channel_id,
        row.regime,
    )


def _new_row(key: Key, counts: Counts) -> DailyRollup:
    municipality_id, day, topic_id, department_id, territory_id, channel_id, regime = key
    return DailyRollup(
        municipality_id=municipality_id,
        day=day,
        topic_id=topic_id,
        department_id=department_id,
        territory_id=territory_id,
        channel_id=channel_id,
        regime=regime,
        **counts,
    )
