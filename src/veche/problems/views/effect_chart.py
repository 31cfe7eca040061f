"""The measured effect as people read it: the figures in words and a bar chart of the months,
drawn as SVG on the server (no chart library; the template escapes every text)."""

import math
from dataclasses import dataclass
from typing import Any

from veche.problems.effect import FEW_CASES, Adjustment, Effect, Phase

MONTHS_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
MONTHS_LONG = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
WIDTH, HEIGHT, TOP, BOTTOM = 720, 200, 12, 30
PHASE_LABELS = {Phase.BEFORE: "до начала", Phase.AFTER: "после начала", Phase.OTHER: ""}


def percent(change: float | None) -> str:
    """A relative change as a signed per cent: «−80 %», «+12,5 %»."""
    if change is None:
        return "—"
    value = round(change * 100, 1)
    if value == 0:
        return "0\u00a0%"
    text = f"{abs(value):.1f}".removesuffix(".0").replace(".", ",")
    return f"{'+' if value > 0 else '−'}{text}\u00a0%"


def month_name(month: Any) -> str:
    return f"{MONTHS_LONG[month.month - 1]} {month.year}"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    phase: str
    title: str


def effect_view(effect: Effect) -> dict[str, Any]:
    """What the effect partial shows."""
    now = effect.now
    return {
        "effect": effect,
        "raw": percent(now.raw_change),
        "adjusted": percent(now.adjusted_change),
        "baseline": percent(now.baseline_change),
        "adjusted_shown": now.adjustment != Adjustment.NONE and now.adjusted_change is not None,
        "at_target": percent(effect.at_target.change) if effect.at_target else "",
        "before_span": _span(now.windows.before),
        "after_span": _span(now.windows.after),
        "chart": chart(effect),
        "few_cases": FEW_CASES,
        "months": [
            {
                "name": month_name(p.month),
                "count": p.count,
                "year_before": p.year_before,
                "phase": PHASE_LABELS[p.phase],
            }
            for p in effect.series
        ],
    }


def chart(effect: Effect) -> dict[str, Any] | None:
    points = effect.series
    if not points:
        return None
    seasonal = effect.now.adjustment == Adjustment.YEAR_BEFORE
    target = effect.target_level
    top = max(
        [p.count for p in points]
        + ([p.year_before for p in points] if seasonal else [])
        + ([math.ceil(target)] if target is not None else [])
        + [1]
    )
    plot = HEIGHT - TOP - BOTTOM
    step = WIDTH / len(points)

    def y(value: float) -> float:
        return round(TOP + plot * (1 - value / top), 1)

    bars = [
        Bar(
            x=round(i * step + step * 0.12, 1),
            y=y(p.count),
            width=round(step * 0.76, 1),
            height=round(plot * p.count / top, 1),
            phase=p.phase.value,
            title=f"{month_name(p.month)}: {p.count}",
        )
        for i, p in enumerate(points)
    ]
    every = math.ceil(len(points) / 12)
    labels = [
        {
            "x": round(i * step + step / 2, 1),
            "text": MONTHS_SHORT[p.month.month - 1]
            + (f" {p.month.year % 100:02d}" if p.month.month == 1 or i == 0 else ""),
        }
        for i, p in enumerate(points)
        if i % every == 0
    ]
    after = [i for i, p in enumerate(points) if p.phase == Phase.AFTER]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "base": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 14,
        "top": top,
        "top_y": TOP,
        "bars": bars,
        "labels": labels,
        "year_before": (
            " ".join(f"{i * step + step / 2:.1f},{y(p.year_before)}" for i, p in enumerate(points))
            if seasonal
            else ""
        ),
        "target": (
            {
                "y": y(target),
                "x1": round(after[0] * step, 1),
                "x2": round((after[-1] + 1) * step, 1),
            }
            if target is not None and after
            else None
        ),
    }


def _span(months: tuple[Any, ...]) -> str:
    if not months:
        return ""
    if len(months) == 1:
        return month_name(months[0])
    return f"{month_name(months[0])} — {month_name(months[-1])}"
