"""Any indicator cut by one or two dimensions: a table of values with its labels, read from
the daily counters (or, for medians and percentiles, from the per-case facts)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import Count, F, Sum

from veche.analytics.indicators import (
    SPECS,
    Actor,
    Filters,
    Indicator,
    Kind,
    Period,
    facts,
    overdue_now,
    quantile,
    rollups,
)
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.org.models import Block, Department, Territory

# A dimension's value: an id, a regime code, a date, or None for «не указано».
Value = Any
Cell = tuple[Value, Value]


class Dimension(StrEnum):
    TOPIC = "topic"
    GROUP = "group"
    DEPARTMENT = "department"
    BLOCK = "block"
    TERRITORY = "territory"
    CHANNEL = "channel"
    REGIME = "regime"
    MONTH = "month"
    WEEK = "week"
    DAY = "day"


DIMENSION_LABELS = {
    Dimension.TOPIC: "тема",
    Dimension.GROUP: "группа тем",
    Dimension.DEPARTMENT: "исполнитель",
    Dimension.BLOCK: "блок",
    Dimension.TERRITORY: "территория",
    Dimension.CHANNEL: "канал",
    Dimension.REGIME: "режим",
    Dimension.MONTH: "месяц",
    Dimension.WEEK: "неделя",
    Dimension.DAY: "день",
}
TIME = {Dimension.MONTH, Dimension.WEEK, Dimension.DAY}
# The field of a rollup or fact row each dimension reads.
FIELDS = {
    Dimension.TOPIC: "topic_id",
    Dimension.GROUP: "topic__parent_id",
    Dimension.DEPARTMENT: "department_id",
    Dimension.BLOCK: "department__block_id",
    Dimension.TERRITORY: "territory_id",
    Dimension.CHANNEL: "channel_id",
    Dimension.REGIME: "regime",
}
NAMES: dict[Dimension, Any] = {
    Dimension.TOPIC: Topic,
    Dimension.GROUP: Topic,
    Dimension.DEPARTMENT: Department,
    Dimension.BLOCK: Block,
    Dimension.TERRITORY: Territory,
    Dimension.CHANNEL: Channel,
}
NONE_LABEL = "не указано"


@dataclass
class Table:
    indicator: Indicator
    rows: list[tuple[Value, str]]
    columns: list[tuple[Value, str]]
    cells: dict[tuple[Value, Value], float | None]
    row_totals: dict[Value, float | None]

    def value(self, row: Value, column: Value) -> float | None:
        return self.cells.get((row, column))


def cut(
    indicator: Indicator,
    actor: Actor,
    municipality_id: int,
    period: Period,
    filters: Filters,
    rows: Dimension,
    columns: Dimension | None = None,
    now: datetime | None = None,
) -> Table:
    """The indicator by `rows` (and `columns`); «просрочено сейчас» has no period and is cut
    by the cases' current dimensions, never by time."""
    dims = [d for d in (rows, columns) if d is not None]
    spec = SPECS[indicator]
    cells: dict[Cell, float | None]
    totals: dict[Value, float | None]
    if indicator == Indicator.OVERDUE_NOW:
        if any(d in TIME for d in dims):
            raise ValueError("«Просрочено сейчас» — показатель на текущий момент, без времени.")
        if now is None:
            raise ValueError("now is required for «просрочено сейчас»")
        cases = overdue_now(actor, municipality_id, filters, now)
        exprs = _exprs(dims, "received_day")
        grouped = _dicts(cases.values(**exprs).annotate(n=Count("pk")))
        counts: dict[Cell, float] = defaultdict(float)
        for r in grouped:
            counts[_pair(r, dims)] += float(r["n"])
        cells, totals = dict(counts), dict(_row_sums(counts))
    elif spec.kind == Kind.DURATION:
        name, q = spec.source
        fact_rows = facts(actor, municipality_id, period, filters, spec.basis).filter(
            **{f"{name}__isnull": False}
        )
        seconds: dict[tuple[Value, Value], list[int]] = defaultdict(list)
        by_row: dict[Value, list[int]] = defaultdict(list)
        for r in _dicts(fact_rows.values(value=F(name), **_exprs(dims, spec.basis))):
            key = _pair(r, dims)
            seconds[key].append(r["value"])
            by_row[key[0]].append(r["value"])
        cells = {k: quantile(v, float(q)) for k, v in seconds.items()}
        totals = {k: quantile(v, float(q)) for k, v in by_row.items()}
    else:
        counters = spec.source
        summed = _dicts(
            rollups(actor, municipality_id, period, filters)
            .values(**_exprs(dims, "day"))
            .annotate(**{f"s_{c}": Sum(c) for c in counters})
        )
        sums: dict[Cell, list[int]] = defaultdict(lambda: [0] * len(counters))
        row_sums: dict[Value, list[int]] = defaultdict(lambda: [0] * len(counters))
        for r in summed:
            key = _pair(r, dims)
            amounts = [int(r[f"s_{c}"] or 0) for c in counters]
            sums[key] = [a + b for a, b in zip(sums[key], amounts, strict=True)]
            row_sums[key[0]] = [a + b for a, b in zip(row_sums[key[0]], amounts, strict=True)]
        cells = {k: _ratio(spec.kind, v) for k, v in sums.items()}
        totals = {k: _ratio(spec.kind, v) for k, v in row_sums.items()}
    row_keys = _ordered({k[0] for k in cells}, rows)
    column_keys = _ordered({k[1] for k in cells}, columns) if columns else [(None, "")]
    return Table(indicator, row_keys, column_keys, cells, totals)


def _dicts(rows: Any) -> list[dict[str, Any]]:
    """The rows of a `.values(**expressions)` query (typed as plain dicts)."""
    return list(rows)


def _exprs(dims: list[Dimension], day_field: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for i, dim in enumerate(dims):
        name = f"d{i}"
        if dim in TIME:
            # Grouped by day in SQL and folded into weeks and months in Python (`_pair`):
            # SQLite truncates dates with a Python function called once per row.
            found[name] = F(day_field)
        else:
            found[name] = F(FIELDS[dim])
    return found


def _pair(row: dict[str, Any], dims: list[Dimension]) -> tuple[Value, Value]:
    first = _plain(row["d0"], dims[0])
    second = _plain(row["d1"], dims[1]) if len(dims) > 1 else None
    return first, second


def _plain(value: Any, dim: Dimension) -> Value:
    """A day becomes the first day of its month or the Monday of its week."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if dim == Dimension.MONTH:
            return value.replace(day=1)
        if dim == Dimension.WEEK:
            return value - timedelta(days=value.weekday())
    return value


def _ratio(kind: Kind, amounts: list[int]) -> float | None:
    if kind == Kind.COUNT:
        return float(amounts[0])
    return amounts[0] / amounts[1] if amounts[1] else None


def _row_sums(cells: dict[tuple[Value, Value], float]) -> dict[Value, float]:
    found: dict[Value, float] = defaultdict(float)
    for (row, _), value in cells.items():
        found[row] += value
    return found


def _ordered(keys: set[Value], dim: Dimension) -> list[tuple[Value, str]]:
    """The keys with their labels: time in order, names alphabetically, «не указано» last."""
    if dim in TIME:
        return [(k, _time_label(k, dim)) for k in sorted(k for k in keys if k is not None)]
    labels = _labels(keys, dim)
    named = sorted((k for k in keys if k is not None), key=lambda k: labels.get(k, "").lower())
    found = [(k, labels.get(k, str(k))) for k in named]
    if None in keys:
        found.append((None, NONE_LABEL))
    return found


def _labels(keys: set[Value], dim: Dimension) -> dict[Value, str]:
    if dim == Dimension.REGIME:
        return {k: Regime(k).label for k in keys if k is not None}
    model = NAMES[dim]
    pairs = model.objects.filter(pk__in=[k for k in keys if k is not None]).values_list(
        "pk", "name"
    )
    return dict(pairs)


MONTHS = (
    "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
    "октябрь", "ноябрь", "декабрь",
)  # fmt: skip


def _time_label(key: Value, dim: Dimension) -> str:
    if not isinstance(key, date):
        return str(key)
    if dim == Dimension.MONTH:
        return f"{MONTHS[key.month - 1]} {key.year}"
    if dim == Dimension.WEEK:
        return f"неделя с {key:%d.%m.%Y}"
    return f"{key:%d.%m.%Y}"
