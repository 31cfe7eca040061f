"""Helpers the sections share: one row per indicator with the previous period beside it,
and one row per department, block or topic with several indicators side by side."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from veche.analytics.indicators import SPECS, Actor, Filters, Indicator, Kind, Period, figures
from veche.analytics.slices import Dimension, cut
from veche.analytics.slices import Value as Key
from veche.org.models import Municipality
from veche.reports.content import Column, Content, Fmt, Num, Value, duration, plain

Builder = Callable[[Actor, Municipality, Period], Content]


@dataclass(frozen=True)
class Metric:
    indicator: Indicator
    label: str
    unit: Fmt | None = None  # HOURS or DAYS for a duration

    @property
    def fmt(self) -> Fmt:
        kind = SPECS[self.indicator].kind
        if kind == Kind.DURATION:
            return self.unit or Fmt.HOURS
        return {Kind.COUNT: Fmt.INT, Kind.SHARE: Fmt.SHARE, Kind.MEAN: Fmt.NUMBER}[kind]

    def column(self) -> Column:
        return Column(self.label, self.fmt)

    def value(self, raw: float | None) -> float | None:
        """The indicator's value as shown: seconds become hours or days."""
        if self.fmt in {Fmt.HOURS, Fmt.DAYS}:
            return duration(raw, self.fmt)
        return raw


def unit_label(metric: Metric) -> str:
    if metric.fmt == Fmt.HOURS:
        return f"{metric.label}, ч"
    if metric.fmt == Fmt.DAYS:
        return f"{metric.label}, дн."
    return metric.label


def compared(
    actor: Actor,
    municipality: Municipality,
    period: Period,
    filters: Filters,
    metrics: Sequence[Metric],
    previous_label: str,
) -> Content:
    """Each indicator in the period and the one before, with the relative change
    (`indicators.figures`, so the report says what the dashboard says)."""
    found = figures(
        actor, municipality.pk, period, filters, timezone.now(), [m.indicator for m in metrics]
    )
    rows: list[list[Value]] = []
    for metric, figure in zip(metrics, found, strict=True):
        rows.append(
            [
                unit_label(metric),
                Num(metric.value(figure.value), metric.fmt),
                Num(metric.value(figure.previous), metric.fmt),
                figure.change,
                figure.spec.hint,
            ]
        )
    columns = [
        Column("Показатель", width=2.4),
        Column("За период", Fmt.NUMBER, width=1.2),
        Column(previous_label, Fmt.NUMBER, width=1.2),
        Column("Изменение", Fmt.CHANGE, width=1.2),
        Column("Пояснение", width=2.6),
    ]
    return Content(columns, rows)


def by_dimension(
    actor: Actor,
    municipality: Municipality,
    period: Period,
    filters: Filters,
    rows: Dimension,
    metrics: Sequence[Metric],
    *,
    label: str,
    limit: int | None = None,
    none_label: str = "не указано",
) -> Content:
    """One row per value of `rows` (department, block, topic…), a column per indicator, in
    order of the first indicator (largest first), then by name."""
    values: dict[Key, list[float | None]] = {}
    labels: dict[Key, str] = {}
    for i, metric in enumerate(metrics):
        table = cut(metric.indicator, actor, municipality.pk, period, filters, rows=rows)
        for key, text in table.rows:
            labels[key] = none_label if key is None else text
            values.setdefault(key, [None] * len(metrics))[i] = metric.value(table.value(key, None))
    for found in values.values():
        for i, metric in enumerate(metrics):
            if metric.fmt == Fmt.INT and found[i] is None:
                found[i] = 0
    ordered = sorted(values, key=lambda k: (-(values[k][0] or 0), labels[k].lower()))
    if limit is not None:
        ordered = ordered[:limit]
    columns = [Column(label, width=2.6)] + [Column(unit_label(m), m.fmt) for m in metrics]
    return Content(columns, [[labels[k], *values[k]] for k in ordered])


def number(value: Value) -> float:
    """A cell's number (0 for text or nothing), for totals."""
    raw = plain(value)
    return float(raw) if isinstance(raw, int | float) else 0.0
