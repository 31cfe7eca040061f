"""The reading scenarios of `bench/analytics.py`: each call the pages and the report make,
paired with the same figures from plain SQL (`analytics_baseline.py`), both brought to one
plain shape (`normal`) so they can be compared value for value.

Everything is read as the МЦУ operator (the whole municipality), for the last complete
quarter, month and twelve months before `now`.
"""

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from veche.analytics.indicators import DASHBOARD, SPECS, Filters, Indicator, Kind, Period, figures
from veche.analytics.slices import Dimension, cut
from veche.cases.models import Case
from veche.catalog.models import Channel, Topic
from veche.org.models import Block, Department, Municipality, User

from . import analytics_baseline as sql
from .world import find_actors

ABSENT = "not measured: module absent"
EVERYTHING = Filters()


@dataclass
class Scenario:
    name: str
    what: str
    ours: Callable[[], Any]  # the call measured; its result goes through `normal`
    normal: Callable[[Any], dict[str, Any]]
    baseline: Callable[[], dict[str, Any]] | None  # plain SQL giving the same dict, or none
    absent: str = ""  # why the scenario is not measured


@dataclass(frozen=True)
class Setting:
    muni: Municipality
    operator: User
    local: sql.Local
    now: datetime
    quarter: Period
    month: Period
    year: Period


def scenarios(now: datetime) -> list[Scenario]:
    s = _setting(now)
    return [
        Scenario(
            f"dashboard, quarter {s.quarter.start:%Y-%m}",
            "figures(): the 12 dashboard indicators for the quarter and the one before",
            lambda: figures(s.operator, s.muni.pk, s.quarter, EVERYTHING, s.now),
            lambda found: {f.indicator.value: [f.value, f.previous] for f in found},
            lambda: sql.figures(s.local, s.quarter, DASHBOARD, s.now),
        ),
        _slice(s, Indicator.RECEIVED),
        _slice(s, Indicator.IN_TIME),
        _heat_map(s),
        _rating(s),
        *_report(s),
    ]


def _setting(now: datetime) -> Setting:
    muni, operator, _ = find_actors()
    first = Case.objects.order_by("received_at").values_list("received_at", flat=True).first()
    today = now.astimezone(ZoneInfo(muni.time_zone)).date()
    this_month = today.replace(day=1)
    last = this_month - timedelta(days=1)
    return Setting(
        muni,
        operator,
        sql.Local.of(muni.pk, muni.time_zone, first or now, now),
        now,
        Period.quarter(today.year, (today.month - 1) // 3 + 1).previous(),
        Period.month(last.year, last.month),
        Period(this_month.replace(year=this_month.year - 1), last),
    )


# --- a two-dimension slice -----------------------------------------------------------------------


def _slice(s: Setting, indicator: Indicator) -> Scenario:
    def baseline() -> dict[str, Any]:
        wanted = sql.needs([indicator])
        cells = sql.Query(s.local, s.year, ("topic", "month"), wanted=wanted).values(indicator)
        totals = sql.Query(s.local, s.year, ("topic",), wanted=wanted).values(indicator)
        return _cells(indicator, cells, {k[0]: v for k, v in totals.items()})

    return Scenario(
        f"slice: {indicator.value}, topic × month",
        f"cut({indicator.name}, rows=TOPIC, columns=MONTH) over {s.year}",
        lambda: cut(
            indicator,
            s.operator,
            s.muni.pk,
            s.year,
            EVERYTHING,
            rows=Dimension.TOPIC,
            columns=Dimension.MONTH,
        ),
        lambda table: _cells(indicator, table.cells, table.row_totals),
        baseline,
    )


def _cells(indicator: Indicator, cells: dict[Any, Any], totals: dict[Any, Any]) -> dict[str, Any]:
    """A table's values by «row|column». A cell with nothing in it — no value, or a count of
    zero — is left out on both sides: the store keeps a row for a day on which some other
    counter moved, the baseline groups only the cases behind the figure."""
    empty = (None, 0) if SPECS[indicator].kind == Kind.COUNT else (None,)
    return {
        "cells": {f"{r}|{c}": v for (r, c), v in cells.items() if v not in empty},
        "totals": {str(r): v for r, v in totals.items() if v not in empty},
    }


# --- the heat map and the rating -----------------------------------------------------------------


def _heat_map(s: Setting) -> Scenario:
    name, what = f"heat map, month {s.month.start:%Y-%m}", "heatmap.cells(): H3 cells of a month"
    if not _exists("veche.analytics.heatmap"):
        return Scenario(name, what, _nothing, dict, None, ABSENT)
    from veche.analytics import heatmap

    resolution = heatmap.DEFAULT_RESOLUTION
    return Scenario(
        name,
        f"{what}, resolution {resolution}: received and late per cell",
        lambda: heatmap.cells(
            s.operator, s.muni.pk, s.month, EVERYTHING, resolution=resolution, now=s.now
        ),
        lambda found: {f.cell: [f.received, f.late] for f in found},
        lambda: sql.heat_map(s.local, s.month, resolution, s.now),
    )


def _rating(s: Setting) -> Scenario:
    name, what = f"department rating, quarter {s.quarter.start:%Y-%m}", "ratings.rate()"
    if not _exists("veche.analytics.ratings"):
        return Scenario(name, what, _nothing, dict, None, ABSENT)
    from veche.analytics import ratings

    def ours() -> Any:
        policy = ratings.rating_policy(s.muni.pk)
        return ratings.rate(s.operator, s.muni.pk, s.quarter, EVERYTHING, policy)

    def normal(rating: Any) -> dict[str, Any]:
        return {
            str(r.department_id): _rated(
                r.received, r.eligible, r.rank, r.index, r.median_answer_seconds, r.scores
            )
            for r in [*rating.rows, *rating.apart]
        }

    def baseline() -> dict[str, Any]:
        return {
            str(r.pk): _rated(r.received, r.eligible, r.rank, r.index, r.median, r.scores)
            for r in rating_baseline(s, s.quarter)
        }

    return Scenario(name, f"{what}: index, place and parts per department", ours, normal, baseline)


@dataclass(frozen=True)
class Rated:
    pk: int
    name: str
    received: int
    eligible: bool
    rank: int | None
    index: float | None
    median: float | None
    scores: Any


def rating_baseline(s: Setting, period: Period) -> list[Rated]:
    """The departments' counters and median answer times by plain SQL, put through the
    rating's pure formula (`pool_of`, `evaluate`, `ranks`); ranked first, best first, then
    the rest, in the order `ratings.rate` gives them."""
    from veche.analytics import ratings

    query = sql.department_counts(s.local, period, ratings.COUNTERS)
    counts = {k[0]: c for k, c in sql.counts_by(query, ratings.COUNTERS).items()}
    policy = ratings.Policy.of(ratings.rating_policy(s.muni.pk))
    pool = ratings.pool_of(counts, policy)
    medians = {k[0]: v[0] for k, v in query.quantiles("answered_day").items()}
    names = sql.names_of(sql.DEPARTMENTS, "COALESCE(NULLIF(short_name, ''), name)")  # str(d)
    found = []
    for pk, c in counts.items():
        e = ratings.evaluate(c, pool, policy)
        eligible = c["received"] >= policy.min_cases
        found.append(
            Rated(pk, names[pk], c["received"], eligible, None, e.index, medians.get(pk), e.scores)
        )
    ranked = sorted(
        (r for r in found if r.eligible and r.index is not None),
        key=lambda r: (-round(r.index or 0.0, 1), r.name.lower()),
    )
    places = ratings.ranks([r.index or 0.0 for r in ranked])
    apart = sorted(
        (r for r in found if not r.eligible or r.index is None),
        key=lambda r: (-r.received, r.name.lower()),
    )
    return [replace(r, rank=p) for r, p in zip(ranked, places, strict=True)] + apart


def _rated(
    received: int, eligible: bool, rank: int | None, index: float | None, median: Any, scores: Any
) -> dict[str, Any]:
    parts = [[s.component.value, p.x, p.n, p.shrunk] for s in scores for p in s.parts]
    return {
        "received": received, "eligible": eligible, "rank": rank, "index": index,
        "median_answer_seconds": median, "parts": parts,
    }  # fmt: skip


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _nothing() -> None:
    return None


# --- the quarterly report ------------------------------------------------------------------------


def _report(s: Setting) -> list[Scenario]:
    name = f"report, quarter {s.quarter.start:%Y-%m}"
    if not _exists("veche.reports.services"):
        return [Scenario(name, "reports.services", _nothing, dict, None, ABSENT)]
    from veche.reports import services
    from veche.reports.models import ReportKind

    report = services.request_report(s.muni, ReportKind.QUARTERLY, s.quarter, by=None, now=s.now)
    chosen = services.chosen_sections(report)

    def sections() -> Any:
        return services.build_document(report, chosen, lambda percent, step: None)

    def generated() -> Any:
        ordered = services.request_report(
            s.muni, ReportKind.QUARTERLY, s.quarter, by=None, now=s.now
        )
        return services.generate(ordered.pk)

    return [
        Scenario(
            f"{name}: sections",
            f"build_document(): {len(chosen)} sections' tables",
            sections,
            _document,
            lambda: _report_baseline(s, [c.key for c in chosen]),
        ),
        Scenario(
            f"{name}: + XLSX, PDF",
            "request_report() + generate(): the sections, then the two files",
            generated,
            lambda done: {"state": done.state, "error": done.error},
            None,
        ),
    ]


def _document(document: Any) -> dict[str, Any]:
    from veche.reports.content import plain

    found: dict[str, Any] = {}
    for section in document.sections:
        rows = {}
        for i, row in enumerate(section.content.rows):
            values = [plain(v) for v in row[1:]]
            rows[f"{i:02d} {row[0]}"] = [v for v in values if not isinstance(v, str)]
        found[section.key] = rows
    return found


def _report_baseline(s: Setting, keys: Sequence[str]) -> dict[str, Any]:
    mirror = _ReportMirror(s)
    missing = {"(раздел без SQL-двойника)": [None]}
    return {key: getattr(mirror, key)() if hasattr(mirror, key) else missing for key in keys}


class _ReportMirror:
    """The report's sections (`reports/sections/quarterly.py`) from plain SQL: the same
    metrics, order, limits and shares, each number from `analytics_baseline`."""

    def __init__(self, s: Setting) -> None:
        self.s = s
        self.period = s.quarter

    def summary(self) -> dict[str, Any]:
        from veche.reports.sections.common import unit_label
        from veche.reports.sections.quarterly import SUMMARY

        found = sql.figures(self.s.local, self.period, [m.indicator for m in SUMMARY], self.s.now)
        rows = {}
        for i, metric in enumerate(SUMMARY):
            value, previous = found[metric.indicator.value]
            rows[f"{i:02d} {unit_label(metric)}"] = [
                metric.value(value), metric.value(previous), _change(value, previous),
            ]  # fmt: skip
        return rows

    def channels(self) -> dict[str, Any]:
        from veche.reports.content import Fmt
        from veche.reports.sections.common import Metric

        metrics = (
            Metric(Indicator.RECEIVED, "Поступило"),
            Metric(Indicator.IN_TIME, "Ответ в срок"),
            Metric(Indicator.ANSWER_MEDIAN, "Ответ, медиана", Fmt.DAYS),
            Metric(Indicator.SATISFACTION, "Удовлетворённость"),
        )
        return self._rows("channel", metrics, "не указано", share=True)

    def months(self) -> dict[str, Any]:
        from veche.analytics.slices import MONTHS

        asked = (Indicator.RECEIVED, Indicator.ANSWERED, Indicator.IN_TIME)
        query = sql.Query(self.s.local, self.period, ("month",), wanted=sql.needs(asked))
        received, answered, in_time = (query.values(i) for i in asked)
        rows: dict[str, list[Any]] = {}
        first = self.period.start.replace(day=1)
        while first <= self.period.end:
            key = (first,)
            rows[f"{len(rows):02d} {MONTHS[first.month - 1]} {first.year}"] = [
                int(received.get(key) or 0), int(answered.get(key) or 0), in_time.get(key),
            ]  # fmt: skip
            first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return rows

    def blocks(self) -> dict[str, Any]:
        from veche.reports.sections.quarterly import PERFORMANCE

        return self._rows("block", PERFORMANCE, "вне блоков")

    def social(self) -> dict[str, Any]:
        from django.db.models import Q

        from veche.reports.sections.quarterly import PERFORMANCE

        significant = Q(socially_significant=True) | Q(parent__socially_significant=True)
        ids = tuple(Topic.objects.filter(significant).values_list("pk", flat=True))
        return self._rows("group", PERFORMANCE, "не указано", topics=ids) if ids else {}

    def departments(self) -> dict[str, Any]:
        from veche.reports.sections.quarterly import PERFORMANCE

        return self._rows("department", PERFORMANCE, "не назначен")

    def rating(self) -> dict[str, Any]:
        """`sections/rating.py`: place, index, received and each component's points."""
        from veche.analytics.ratings import Component

        rows = {}
        for i, r in enumerate(rating_baseline(self.s, self.period)):
            points = {score.component: score.points for score in r.scores}
            place = str(r.rank) if r.rank is not None else "вне рейтинга"
            rows[f"{i:02d} {place}"] = [r.index, r.received, *(points[c] for c in Component)]
        return rows

    def topics(self) -> dict[str, Any]:
        from veche.reports.sections.common import Metric
        from veche.reports.sections.quarterly import TOP

        metrics = (
            Metric(Indicator.RECEIVED, "Поступило"),
            Metric(Indicator.IN_TIME, "Ответ в срок"),
            Metric(Indicator.SATISFACTION, "Удовлетворённость"),
        )
        return self._rows("topic", metrics, "тема не определена", share=True, limit=TOP)

    def problems(self) -> dict[str, Any]:
        from veche.problems.models import Problem, ProblemCase

        lo, hi = self.s.local.bounds(self.period)
        found = sql.rows(
            f"""SELECT p.title, COUNT(*), p.case_count FROM {Problem._meta.db_table} p
                JOIN {ProblemCase._meta.db_table} l ON l.problem_id = p.id
                JOIN {sql.CASES} c ON c.id = l.case_id
                WHERE p.municipality_id = %s AND c.received_at >= %s AND c.received_at < %s
                GROUP BY p.id ORDER BY 2 DESC, p.case_count DESC, p.id LIMIT 10""",
            [self.s.local.municipality_id, lo, hi],
        )
        return {f"{i:02d} {title}": [n, total] for i, (title, n, total) in enumerate(found)}

    def repeats(self) -> dict[str, Any]:
        from veche.reports.sections.quarterly import REWORK

        asked = [indicator for indicator, *_ in REWORK]
        found = sql.figures(self.s.local, self.period, asked, self.s.now)
        counted = frozenset(counter for _, counter, _ in REWORK)
        query = sql.Query(self.s.local, self.period, wanted=counted)
        sums = query.sums("received_day").get((), {})
        rows = {}
        for i, (indicator, counter, label) in enumerate(REWORK):
            value, previous = found[indicator.value]
            rows[f"{i:02d} {label}"] = [
                sums.get(counter, 0),
                value,
                previous,
                _change(value, previous),
            ]
        return rows

    def _rows(
        self,
        dimension: str,
        metrics: Sequence[Any],
        none_label: str,
        *,
        topics: tuple[int, ...] = (),
        share: bool = False,
        limit: int | None = None,
    ) -> dict[str, Any]:
        """`common.by_dimension`: a row per group the store has a row for, a column per
        metric, largest first by the first one, then by name; with `share`, each row's part
        of the first column's total after it."""
        from veche.reports.content import Fmt

        wanted = sql.needs([m.indicator for m in metrics])
        query = sql.Query(self.s.local, self.period, (dimension,), topics, wanted=wanted)
        groups = [k[0] for k in query.groups()]
        names = sql.names_of(NAMES[dimension]._meta.db_table)
        labels = {k: none_label if k is None else names.get(k, str(k)) for k in groups}
        columns = [query.values(m.indicator) for m in metrics]
        values = {}
        for key in groups:
            found = [m.value(c.get((key,))) for m, c in zip(metrics, columns, strict=True)]
            values[key] = [
                0 if v is None and m.fmt == Fmt.INT else v
                for m, v in zip(metrics, found, strict=True)
            ]
        ordered = sorted(groups, key=lambda k: (-(values[k][0] or 0), labels[k].lower()))
        total = sum(float(v[0] or 0) for v in values.values())
        rows: dict[str, list[Any]] = {}
        for i, key in enumerate(ordered[:limit] if limit is not None else ordered):
            row = list(values[key])
            if share:
                row.insert(1, float(row[0] or 0) / total if total else None)
            rows[f"{i:02d} {labels[key]}"] = row
        return rows


# Whose `name` labels a group (as `slices._labels` reads it).
NAMES: dict[str, Any] = {
    "channel": Channel, "block": Block, "department": Department, "group": Topic, "topic": Topic,
}  # fmt: skip


def _change(value: float | None, previous: float | None) -> float | None:
    """`Figure.change`: relative to the previous value, None without a base."""
    if value is None or not previous:
        return None
    return (value - previous) / previous
