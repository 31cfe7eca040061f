"""The analytics store kept up to date from the case timeline (README, «Аналитика»).

`update_rollups` reads the `Event`s after the cursor, recomputes the fact of every case they
touched (facts.py) and moves the daily counters by the difference between the old fact and
the new one, in one transaction per batch; `rebuild_rollups` forgets everything and does the
same for every case. One code path, so the two agree (tested).

A fact is recomputed from the whole case, so reading an event twice is harmless. That is
what makes the cursor safe on PostgreSQL, where an event id can become visible after a
higher one (ids are taken at insert, rows appear at commit): each run reads again the last
`LOOKBACK` ids before the cursor, so an event that committed late is still counted.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Case as Case_
from django.db.models import Count, Max, Min, Q, Sum, When
from django.db.models.functions import Coalesce, Greatest

from veche.analytics.facts import SATISFIED_FROM, build_facts
from veche.analytics.models import COUNTERS, CaseFact, DailyRollup, RollupCursor
from veche.cases.models import Case, Event
from veche.org.models import Municipality

Key = tuple[int, date, int | None, int | None, int | None, int, str]
Counts = dict[str, int]
LOOKBACK = 1_000
BATCH = 2_000  # cases per transaction
DAYS_PER_QUERY = 200


def update_rollups(*, batch: int = BATCH) -> int:
    """Bring the facts of every case with new events up to date; returns how many events
    were read past the cursor."""
    total, first = 0, True
    while True:
        with transaction.atomic(durable=True):
            cursor = _locked_cursor()
            start = max(0, cursor.last_event_id - LOOKBACK) if first else cursor.last_event_id
            first = False
            rows = Event.objects.filter(pk__gt=start).order_by("pk").values_list("pk", "case_id")
            events = list(rows[: batch * 5])
            if not events:
                return total
            refresh(dict.fromkeys(case_id for _, case_id in events))
            new = [pk for pk, _ in events if pk > cursor.last_event_id]
            if new:
                cursor.last_event_id = max(new)
                cursor.save(update_fields=["last_event_id"])
            total += len(new)
        if len(events) < batch * 5:
            return total


def rebuild_rollups(*, batch: int = BATCH) -> int:
    """Forget every fact and counter and compute them again for every case, in one
    transaction: readers see the old figures until the new ones are complete. The counters
    are summed from the facts by the database (`summed_rows`), month by month; the tests
    check that this gives the very rows the incremental path keeps. Returns the number of
    cases."""
    with transaction.atomic(durable=True):
        cursor = _locked_cursor()
        last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        DailyRollup.objects.all().delete()
        CaseFact.objects.all().delete()
        ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            CaseFact.objects.bulk_create(
                build_facts(ids[start : start + batch]).values(), batch_size=500
            )
        for municipality_id in Municipality.objects.values_list("pk", flat=True):
            for month in _months(municipality_id):
                DailyRollup.objects.bulk_create(
                    summed_rows(municipality_id, month), batch_size=1_000
                )
        cursor.last_event_id = last
        cursor.save(update_fields=["last_event_id"])
    return len(ids)


def summed_rows(municipality_id: int, month: date) -> list[DailyRollup]:
    """The counter rows of one municipality's month, summed from the facts: one GROUP BY per
    day each counter counts on (`COUNTERS`), merged by row key."""
    end = _next_month(month)
    totals: dict[Key, Counts] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for basis, counters in _by_basis().items():
        facts = CaseFact.objects.filter(
            municipality_id=municipality_id, **{f"{basis}__gte": month, f"{basis}__lt": end}
        )
        if basis == "rated_day":
            facts = facts.filter(rating__isnull=False)
        rows = facts.values(basis, *DIMENSION_FIELDS).annotate(**{c: SUMS[c] for c in counters})
        for row in rows:
            key: Key = (
                municipality_id,
                row[basis],
                row["topic_id"],
                row["department_id"],
                row["territory_id"],
                row["channel_id"],
                row["regime"],
            )
            for counter in counters:
                totals[key][counter] += row[counter] or 0
    return [_new_row(key, counts) for key, counts in totals.items() if any(counts.values())]


DIMENSION_FIELDS = ("topic_id", "department_id", "territory_id", "channel_id", "regime")


def _flag(condition: Q) -> Sum:
    return Sum(Case_(When(condition, then=1), default=0))


# Each counter as an aggregate over the facts; `contributions` is the same rule per fact.
SUMS: dict[str, Any] = {
    "received": Count("pk"),
    "redirected": _flag(Q(redirected=True)),
    "reopened": _flag(Q(reopened=True)),
    "returned": _flag(Q(returned=True)),
    "extended": _flag(Q(extended=True)),
    "repeats": _flag(Q(repeat=True)),
    "reacted": Count("pk"),
    "reaction_seconds": Sum("reaction_seconds"),
    "reaction_clocked": _flag(Q(reaction_in_time__isnull=False)),
    "reaction_in_time": _flag(Q(reaction_in_time=True)),
    "answered": Count("pk"),
    "answer_seconds": Sum("answer_seconds"),
    "answer_clocked": _flag(Q(answered_in_time__isnull=False)),
    "answered_in_time": _flag(Q(answered_in_time=True)),
    "checked": _flag(Q(brush_off__isnull=False)),
    "brush_off": _flag(Q(brush_off=True)),
    "finished": Count("pk"),
    "finished_without_answer": _flag(Q(finished_without_answer=True)),
    "rated": Count("pk"),
    "rating_sum": Sum("rating"),
    "satisfied": _flag(Q(rating__gte=SATISFIED_FROM)),
    "solved_known": _flag(Q(solved__isnull=False)),
    "solved": _flag(Q(solved=True)),
}


def _by_basis() -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for counter, basis in COUNTERS.items():
        found[basis].append(counter)
    return found


def _months(municipality_id: int) -> list[date]:
    """The first days of every month any of the municipality's facts counts in."""
    facts = CaseFact.objects.filter(municipality_id=municipality_id)
    bounds = facts.aggregate(
        first=Min("received_day"),
        last=Max(Greatest("received_day", Coalesce("answered_day", "received_day"),
                          Coalesce("finished_day", "received_day"),
                          Coalesce("rated_day", "received_day"),
                          Coalesce("reacted_day", "received_day"))),
    )  # fmt: skip
    if bounds["first"] is None:
        return []
    months, month = [], bounds["first"].replace(day=1)
    while month <= bounds["last"]:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def refresh(case_ids: Iterable[int]) -> None:
    """Recompute the facts of these cases and move the counters by the difference."""
    ids = list(case_ids)
    old = CaseFact.objects.in_bulk(ids)
    new = build_facts(ids)
    totals: dict[Key, Counts] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for pk in ids:
        before, after = old.get(pk), new.get(pk)
        if _same(before, after):
            continue
        for fact, sign in ((before, -1), (after, 1)):
            if fact is None:
                continue
            for key, counter, amount in contributions(fact):
                totals[key][counter] += sign * amount
    _add(totals)
    gone = [pk for pk in old if pk not in new]
    CaseFact.objects.filter(pk__in=gone).delete()
    changed = [f for pk, f in new.items() if not _same(old.get(pk), f)]
    CaseFact.objects.filter(pk__in=[f.pk for f in changed if f.pk in old]).delete()
    CaseFact.objects.bulk_create(changed, batch_size=500)


def forget(case_ids: Iterable[int]) -> None:
    """Take cases about to be deleted out of the counters (their events go with them, so
    the cursor would never see why their counts should fall)."""
    totals: dict[Key, Counts] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    gone = CaseFact.objects.in_bulk(list(case_ids))
    for fact in gone.values():
        for key, counter, amount in contributions(fact):
            totals[key][counter] -= amount
    _add(totals)
    CaseFact.objects.filter(pk__in=list(gone)).delete()


def contributions(fact: CaseFact) -> list[tuple[Key, str, int]]:
    """What one fact adds to the counters: (row key, counter, amount), each counter on the
    day `COUNTERS` names."""
    amounts: dict[str, int] = {
        "received": 1,
        "redirected": int(fact.redirected),
        "reopened": int(fact.reopened),
        "returned": int(fact.returned),
        "extended": int(fact.extended),
        "repeats": int(fact.repeat),
    }
    if fact.reacted_day is not None:
        amounts |= {
            "reacted": 1,
            "reaction_seconds": fact.reaction_seconds or 0,
            "reaction_clocked": int(fact.reaction_in_time is not None),
            "reaction_in_time": int(fact.reaction_in_time is True),
        }
    if fact.answered_day is not None:
        amounts |= {
            "answered": 1,
            "answer_seconds": fact.answer_seconds or 0,
            "answer_clocked": int(fact.answered_in_time is not None),
            "answered_in_time": int(fact.answered_in_time is True),
            "checked": int(fact.brush_off is not None),
            "brush_off": int(fact.brush_off is True),
        }
    if fact.finished_day is not None:
        amounts |= {"finished": 1, "finished_without_answer": int(fact.finished_without_answer)}
    if fact.rated_day is not None and fact.rating is not None:
        amounts |= {
            "rated": 1,
            "rating_sum": fact.rating,
            "satisfied": int(fact.rating >= SATISFIED_FROM),
            "solved_known": int(fact.solved is not None),
            "solved": int(fact.solved is True),
        }
    found = []
    for counter, amount in amounts.items():
        day = getattr(fact, COUNTERS[counter])
        if amount:
            found.append((_key(fact, day), counter, amount))
    return found


def _key(fact: CaseFact, day: date) -> Key:
    return (
        fact.municipality_id,
        day,
        fact.topic_id,
        fact.department_id,
        fact.territory_id,
        fact.channel_id,
        fact.regime,
    )


FACT_FIELDS = [f.attname for f in CaseFact._meta.concrete_fields]


def _same(a: CaseFact | None, b: CaseFact | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(getattr(a, name) == getattr(b, name) for name in FACT_FIELDS)


def _locked_cursor() -> RollupCursor:
    # One runner at a time: the lock on the cursor row serialises them.
    RollupCursor.objects.get_or_create(pk=1)
    return RollupCursor.objects.select_for_update().get(pk=1)


def _add(totals: dict[Key, Counts]) -> None:
    """Add the counts to the stored rows: update those that exist, create the rest, delete
    those left at zero."""
    totals = {k: c for k, c in totals.items() if any(c.values())}
    if not totals:
        return
    stored = _existing(list(totals))
    changed: list[DailyRollup] = []
    fresh: list[DailyRollup] = []
    empty: list[int] = []
    for key, counts in totals.items():
        row = stored.get(key)
        if row is None:
            fresh.append(_new_row(key, counts))
            continue
        pk, *before = row
        after = {c: old + counts[c] for c, old in zip(COUNTERS, before, strict=True)}
        if any(after.values()):
            changed.append(DailyRollup(pk=pk, **after))
        else:
            empty.append(pk)
    DailyRollup.objects.filter(pk__in=empty).delete()
    _update_counters(changed)
    DailyRollup.objects.bulk_create(fresh, batch_size=500)


def _update_counters(rows: list[DailyRollup]) -> None:
    """One plain UPDATE per row, executed as a batch: Django's bulk_update builds a CASE
    expression per counter and row, which took a minute for a few thousand rows."""
    if not rows:
        return
    table = connection.ops.quote_name(DailyRollup._meta.db_table)
    # The counters are plain fields: their columns have their names.
    columns = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in COUNTERS)
    with connection.cursor() as cursor:
        sql = f"UPDATE {table} SET {columns} WHERE id = %s"  # noqa: S608  # nosec B608
        cursor.executemany(
            sql,  # the names come from the model, the values are parameters
            [[getattr(row, c) for c in COUNTERS] + [row.pk] for row in rows],
        )


def _existing(keys: list[Key]) -> dict[Key, tuple[Any, ...]]:
    """The stored rows of these keys as (pk, *counters): the rows of the days touched, read
    by the (municipality, day) index as plain tuples and kept when their key is wanted."""
    wanted = set(keys)
    days: dict[int, set[date]] = defaultdict(set)
    for key in keys:
        days[key[0]].add(key[1])
    found: dict[Key, tuple[Any, ...]] = {}
    for municipality, touched in days.items():
        ordered = sorted(touched)
        for start in range(0, len(ordered), DAYS_PER_QUERY):
            rows = DailyRollup.objects.filter(
                municipality_id=municipality, day__in=ordered[start : start + DAYS_PER_QUERY]
            ).values_list("pk", *KEY_FIELDS, *COUNTERS)
            for row in rows:
                stored: Key = (municipality, *row[1 : 1 + len(KEY_FIELDS)])
                if stored in wanted:
                    found[stored] = (row[0], *row[1 + len(KEY_FIELDS) :])
    return found


KEY_FIELDS = ("day", "topic_id", "department_id", "territory_id", "channel_id", "regime")


def _new_row(key: Key, counts: Counts) -> DailyRollup:
    municipality_id, day, topic_id, department_id, territory_id, channel_id, regime = key
    fields: dict[str, Any] = dict(counts)
    return DailyRollup(
        municipality_id=municipality_id,
        day=day,
        topic_id=topic_id,
        department_id=department_id,
        territory_id=territory_id,
        channel_id=channel_id,
        regime=regime,
        **fields,
    )
