"""The effect of a road map, measured from the cases themselves (issue 7): how many messages
came in its scope per month before the work started and since, and how much of the change
is the road map's and not the season's.

The windows: «after» is the whole months since `started_on` (a month cut by the start belongs
to neither side), at most the twelve latest; «before» is as many whole months just before the
start. The raw change compares the two sums. The seasonal adjustment divides it by the change
between the same calendar months one year earlier («ratio of ratios»), when Veche holds every
one of those months; otherwise by the change of the rest of the municipality's flow over the
same months (a control: what happened anyway); otherwise there is no adjustment, and the page
says so. A month is counted in the municipality's time zone.

`compare` and `measure` are pure (counts per month in, figures out) and tested on fixed
datasets; `roadmap_effect` reads the counts for one road map.
"""

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from veche.cases.models import Case
from veche.catalog.models import Topic
from veche.org.models import Territory
from veche.problems.models import Roadmap

MAX_MONTHS = 12
# Fewer cases than this before the start, and the page warns that the figure is fragile.
FEW_CASES = 10
# The chart never grows past four years of months.
MAX_SERIES = 48

Counts = Mapping[date, int]  # the first day of a month → cases received in it


def month_of(day: date) -> date:
    return day.replace(day=1)


def shift(month: date, by: int) -> date:
    """The first day of the month `by` months after (or before) `month`."""
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


def span(first: date, last: date) -> tuple[date, ...]:
    """The months from `first` to `last`, both included (empty when `last` is earlier)."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return tuple(shift(first, n) for n in range(max(count, 0)))


class Adjustment(StrEnum):
    YEAR_BEFORE = "year_before"
    CONTROL = "control"
    NONE = "none"

    @property
    def label(self) -> str:
        return ADJUSTMENT_LABELS[self]


ADJUSTMENT_LABELS = {
    Adjustment.YEAR_BEFORE: "с поправкой на сезон: к тем же месяцам годом раньше",
    Adjustment.CONTROL: "с поправкой на общий поток: к остальным сообщениям МО за те же месяцы",
    Adjustment.NONE: "без поправки на сезон",
}


class Phase(StrEnum):
    BEFORE = "before"
    AFTER = "after"
    OTHER = "other"  # the month cut by the start, or one outside both windows


class Verdict(StrEnum):
    NO_TARGET = "no_target"
    UNKNOWN = "unknown"  # nothing measured yet
    ON_TRACK = "on_track"  # the target date is ahead and the decrease already meets it
    NOT_YET = "not_yet"  # the target date is ahead, the decrease does not meet it yet
    REACHED = "reached"  # measured by the target date: met
    MISSED = "missed"  # measured by the target date: not met

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    Verdict.NO_TARGET: "цель не задана",
    Verdict.UNKNOWN: "пока не измерить",
    Verdict.ON_TRACK: "цель уже достигается",
    Verdict.NOT_YET: "цель пока не достигнута",
    Verdict.REACHED: "цель достигнута",
    Verdict.MISSED: "цель не достигнута",
}


@dataclass(frozen=True)
class Windows:
    before: tuple[date, ...]
    after: tuple[date, ...]


def windows(started_on: date, until: date, limit: int = MAX_MONTHS) -> Windows:
    """The whole months since `started_on` that ended before the day `until` (the latest
    `limit` of them), and as many whole months just before the start."""
    first_after = started_on if started_on.day == 1 else shift(month_of(started_on), 1)
    last_done = shift(month_of(until), -1)
    count = min(len(span(first_after, last_done)), limit)
    if count == 0:
        return Windows((), ())
    last_before = shift(month_of(started_on), -1)
    return Windows(
        before=span(shift(last_before, 1 - count), last_before),
        after=span(shift(last_done, 1 - count), last_done),
    )


@dataclass(frozen=True)
class Comparison:
    """One measurement: the sums of both windows, the raw change and the adjusted one
    (fractions: −0.8 is «на 80 % меньше»)."""

    windows: Windows
    before: int
    after: int
    raw_change: float | None
    adjustment: Adjustment
    baseline_before: int | None = None
    baseline_after: int | None = None
    adjusted_change: float | None = None

    @property
    def months(self) -> int:
        return len(self.windows.after)

    @property
    def baseline_change(self) -> float | None:
        return _change(self.baseline_before or 0, self.baseline_after or 0)

    @property
    def change(self) -> float | None:
        """The figure to judge by: adjusted when there was something to adjust by."""
        return self.adjusted_change if self.adjustment != Adjustment.NONE else self.raw_change

    @property
    def few(self) -> bool:
        return self.before < FEW_CASES


def compare(scope: Counts, rest: Counts, *, started_on: date, until: date) -> Comparison:
    """The effect up to the day `until` (not included), from the cases in the road map's
    scope (`scope`) and the rest of the municipality's cases (`rest`), counted per month."""
    found = windows(started_on, until)
    before, after = _sum(scope, found.before), _sum(scope, found.after)
    raw = _change(before, after)
    if raw is None:
        return Comparison(found, before, after, raw, Adjustment.NONE)
    year_before = Windows(
        tuple(shift(m, -12) for m in found.before), tuple(shift(m, -12) for m in found.after)
    )
    held = all(scope.get(m, 0) + rest.get(m, 0) for m in year_before.before + year_before.after)
    base_before, base_after = _sum(scope, year_before.before), _sum(scope, year_before.after)
    if held and base_before and base_after:
        adjusted = (after / before) / (base_after / base_before) - 1
        return Comparison(
            found, before, after, raw, Adjustment.YEAR_BEFORE, base_before, base_after, adjusted
        )
    base_before, base_after = _sum(rest, found.before), _sum(rest, found.after)
    if base_before and base_after:
        adjusted = (after / before) / (base_after / base_before) - 1
        return Comparison(
            found, before, after, raw, Adjustment.CONTROL, base_before, base_after, adjusted
        )
    return Comparison(found, before, after, raw, Adjustment.NONE)


@dataclass(frozen=True)
class Point:
    """A month of the chart: its cases, the same month a year earlier, and its side."""

    month: date
    count: int
    year_before: int
    phase: Phase


@dataclass(frozen=True)
class Effect:
    now: Comparison  # up to the day of measurement
    at_target: Comparison | None  # up to the target date, once it has passed
    target_percent: int | None
    target_date: date | None
    verdict: Verdict
    series: tuple[Point, ...]

    @property
    def decrease(self) -> float | None:
        """The decrease in per cent (80.0 for «на 80 % меньше»; negative for growth)."""
        change = self.now.change
        return None if change is None else -change * 100

    @property
    def target_level(self) -> float | None:
        """The monthly count the target promises: the «before» average less the target."""
        if self.target_percent is None or not self.now.windows.before:
            return None
        return self.now.before / len(self.now.windows.before) * (1 - self.target_percent / 100)


def measure(
    scope: Counts,
    rest: Counts,
    *,
    started_on: date,
    until: date,
    target_percent: int | None = None,
    target_date: date | None = None,
) -> Effect:
    """The effect now (`until`: the day of measurement, not counted) and, once the target
    date has passed, at the target date (its whole months up to and including that day)."""
    now = compare(scope, rest, started_on=started_on, until=until)
    at_target = None
    if target_date is not None and target_date < until:
        at_target = compare(
            scope, rest, started_on=started_on, until=target_date + timedelta(days=1)
        )
    verdict = _verdict(now, at_target, target_percent)
    return Effect(
        now, at_target, target_percent, target_date, verdict, _series(scope, now.windows, until)
    )


def _verdict(now: Comparison, at_target: Comparison | None, target: int | None) -> Verdict:
    if target is None:
        return Verdict.NO_TARGET
    if at_target is not None:
        if at_target.change is None:
            return Verdict.UNKNOWN
        return Verdict.REACHED if _meets(at_target.change, target) else Verdict.MISSED
    if now.change is None:
        return Verdict.UNKNOWN
    return Verdict.ON_TRACK if _meets(now.change, target) else Verdict.NOT_YET


def _meets(change: float, target: int) -> bool:
    # Rounded to a tenth of a per cent, as shown: 4 of 20 is «−80 %», whatever the float says.
    return round(-change * 100, 1) >= target


def series_months(found: Windows, until: date) -> tuple[date, ...]:
    """The months of the chart: from the first «before» month (or a year back) to the last
    whole month, at most `MAX_SERIES` of them."""
    last = shift(month_of(until), -1)
    first = found.before[0] if found.before else shift(last, -(MAX_MONTHS - 1))
    return span(first, last)[-MAX_SERIES:]


def needed_months(
    started_on: date, until: date, target_date: date | None = None
) -> tuple[set[date], set[date]]:
    """The months `measure` reads: of the scope (the windows, the chart and a year before
    each), and of the whole municipality (the windows and a year before them)."""
    comparisons = [windows(started_on, until)]
    if target_date is not None and target_date < until:
        comparisons.append(windows(started_on, target_date + timedelta(days=1)))
    flow = {
        month
        for found in comparisons
        for m in found.before + found.after
        for month in (m, shift(m, -12))
    }
    chart = series_months(comparisons[0], until)
    return flow | set(chart) | {shift(m, -12) for m in chart}, flow


def _series(scope: Counts, found: Windows, until: date) -> tuple[Point, ...]:
    months = series_months(found, until)
    before, after = set(found.before), set(found.after)
    return tuple(
        Point(
            m,
            scope.get(m, 0),
            scope.get(shift(m, -12), 0),
            Phase.BEFORE if m in before else Phase.AFTER if m in after else Phase.OTHER,
        )
        for m in months
    )


def _sum(counts: Counts, months: tuple[date, ...]) -> int:
    return sum(counts.get(m, 0) for m in months)


def _change(before: int, after: int) -> float | None:
    return after / before - 1 if before else None


# --- reading the counts of a road map -----------------------------------------------------------


def scope_cases(roadmap: Roadmap) -> QuerySet[Case]:
    """The cases a road map is about: its problem's cases, or the cases whose topic is its
    topic (or in its group) and whose territory is its territory (or lies within it). A road
    map that has lost its problem and has no topic or territory has none."""
    cases = Case.objects.filter(municipality_id=roadmap.municipality_id)
    if roadmap.problem_id is not None:
        return cases.filter(problem_link__problem_id=roadmap.problem_id)
    if roadmap.topic_id is None and roadmap.territory_id is None:
        return cases.none()
    if roadmap.topic_id is not None:
        cases = cases.filter(topic_id__in=_subtree(Topic.objects.all(), roadmap.topic_id))
    if roadmap.territory_id is not None:
        territories = Territory.objects.filter(municipality_id=roadmap.municipality_id)
        cases = cases.filter(territory_id__in=_subtree(territories, roadmap.territory_id))
    return cases


def roadmap_effect(roadmap: Roadmap, *, until: date) -> Effect:
    """The road map's effect up to the local day `until` (not counted)."""
    zone = zoneinfo.ZoneInfo(roadmap.municipality.time_zone)
    of_scope, of_flow = needed_months(roadmap.started_on, until, roadmap.target_date)
    scope = _per_month(scope_cases(roadmap).filter(_within(of_scope, zone)), zone)
    everything = _per_month(
        Case.objects.filter(_within(of_flow, zone), municipality_id=roadmap.municipality_id),
        zone,
    )
    rest = {m: n - scope.get(m, 0) for m, n in everything.items()}
    return measure(
        scope,
        rest,
        started_on=roadmap.started_on,
        until=until,
        target_percent=roadmap.target_percent,
        target_date=roadmap.target_date,
    )


def local_day(roadmap: Roadmap, now: datetime) -> date:
    """The day `now` falls on in the road map's municipality."""
    return timezone.localtime(now, zoneinfo.ZoneInfo(roadmap.municipality.time_zone)).date()


def _per_month(cases: QuerySet[Case], zone: zoneinfo.ZoneInfo) -> dict[date, int]:
    rows = (
        cases.annotate(month=TruncMonth("received_at", tzinfo=zone))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found: dict[date, int] = {}
    for row in rows:
        month = month_of(timezone.localtime(row["month"], zone).date())
        found[month] = found.get(month, 0) + row["n"]
    return found


def _within(months: set[date], zone: zoneinfo.ZoneInfo) -> Q:
    """Received in one of `months`: one range per run of consecutive months."""
    found = Q(pk__in=[])
    ordered = sorted(months)
    for i, month in enumerate(ordered):
        if i and shift(ordered[i - 1], 1) == month:
            continue
        last = month
        while shift(last, 1) in months:
            last = shift(last, 1)
        found |= Q(
            received_at__gte=_midnight(month, zone),
            received_at__lt=_midnight(shift(last, 1), zone),
        )
    return found


def _midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _subtree(nodes: QuerySet[Topic] | QuerySet[Territory], root: int) -> set[int]:
    """`root` and every node under it (the topic tree and the territory tree both nest by
    `parent`)."""
    children: dict[int, list[int]] = {}
    for pk, parent in nodes.values_list("pk", "parent_id"):
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    found, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found
