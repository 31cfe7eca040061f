"""Charts for the printed report: PNG pictures drawn by matplotlib on the server.

`matplotlib.figure.Figure` is used without pyplot: no global state, no GUI backend, safe in
a worker thread; saving a bare Figure renders through Agg. DejaVu Sans, matplotlib's own
font, has Cyrillic, so nothing has to be installed on the server.
"""

from dataclasses import dataclass
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from veche.reports.content import Content, Fmt, Value, fmt_of, plain

COLOURS = ("#2f6b9a", "#e08a2c", "#5a9e4b", "#b64a4a")
LABEL_LENGTH = 38


@dataclass(frozen=True)
class Picture:
    png: bytes
    aspect: float  # height / width


def render_chart(content: Content) -> Picture | None:
    """The section's chart as PNG, or None when it has none or nothing to draw."""
    chart = content.chart
    if chart is None or not content.rows:
        return None
    categories = [_short(str(plain(row[0]))) for row in content.rows]
    series = [
        (content.columns[i].label, [_number(row[i]) for row in content.rows]) for i in chart.columns
    ]
    if not any(v for _, values in series for v in values):
        return None
    share = all(fmt_of(content.rows[0][i], content.columns[i]) == Fmt.SHARE for i in chart.columns)
    if share:
        series = [(label, [v * 100 for v in values]) for label, values in series]
    size = (7.0, _height(chart.kind, len(categories)))
    figure = Figure(figsize=size, dpi=150)
    axes: Axes = figure.subplots()
    if chart.kind == "line":
        for n, (label, values) in enumerate(series):
            axes.plot(categories, values, marker="o", label=label, color=COLOURS[n % 4])
    elif chart.kind == "barh":
        _bars(axes, categories[::-1], [(lb, v[::-1]) for lb, v in series], horizontal=True)
    else:
        _bars(axes, categories, series, horizontal=False)
    if chart.title:
        axes.set_title(chart.title, fontsize=11)
    values_axis = axes.xaxis if chart.kind == "barh" else axes.yaxis
    values_axis.set_label_text("%" if share else "")
    if not share:  # counts: no ticks at 0.25 of a case
        values_axis.set_major_locator(MaxNLocator(integer=True))
    if len(series) > 1:
        axes.legend(fontsize=9)
    axes.grid(axis="x" if chart.kind == "barh" else "y", alpha=0.3)
    axes.tick_params(labelsize=9)
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return Picture(buffer.getvalue(), size[1] / size[0])


def _bars(
    axes: Axes, categories: list[str], series: list[tuple[str, list[float]]], *, horizontal: bool
) -> None:
    width = 0.8 / len(series)
    for n, (label, values) in enumerate(series):
        offsets = [i - 0.4 + width * (n + 0.5) for i in range(len(categories))]
        if horizontal:
            axes.barh(offsets, values, width, label=label, color=COLOURS[n % 4])
        else:
            axes.bar(offsets, values, width, label=label, color=COLOURS[n % 4])
    ticks = list(range(len(categories)))
    if horizontal:
        axes.set_yticks(ticks, categories)
    else:
        turn = 30 if len(categories) > 4 else 0
        axes.set_xticks(ticks, categories, rotation=turn, ha="right" if turn else "center")


def _height(kind: str, count: int) -> float:
    return max(2.6, min(8.0, 0.9 + 0.32 * count)) if kind == "barh" else 3.4


def _number(value: Value) -> float:
    raw = plain(value)
    return float(raw) if isinstance(raw, int | float) else 0.0


def _short(text: str) -> str:
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"
