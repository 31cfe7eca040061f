"""The heat map: cases counted in H3 cells, with the share of them answered late or overdue.

The facts carry the resolution-9 cell of each case's point (facts.py); the database groups
them by that cell, and coarser cells (7, 8) are their parents summed here over the distinct
cells, so no query depends on the grid. Only cells leave this module, never points or
addresses (DOMAIN.md §8 item 17): a cell of resolution 9 is about 0.1 km², wider than a house.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import h3
from django.db.models import Avg, Count, Q

from veche.analytics.facts import H3_RESOLUTION
from veche.analytics.indicators import Actor, Filters, Indicator, Period, facts, overdue_now
from veche.analytics.params import InvalidParams
from veche.analytics.slices import Dimension, cut
from veche.org.models import Territory

# The grids a map may show: about 5 km², 0.7 km² and 0.1 km² a cell.
RESOLUTIONS = (7, 8, 9)
DEFAULT_RESOLUTION = 8
# Where an empty map opens when the municipality's territories have no coordinates.
DEFAULT_CENTRE = (55.7558, 37.6173)


@dataclass(frozen=True)
class CellFigure:
    """One cell: cases received in the period, and how many of them were answered late or
    are open past their due time now."""

    cell: str
    received: int
    late: int

    @property
    def late_share(self) -> float | None:
        return self.late / self.received if self.received else None

    @property
    def centre(self) -> tuple[float, float]:
        lat, lon = h3.cell_to_latlng(self.cell)
        return float(lat), float(lon)

    @property
    def boundary(self) -> list[tuple[float, float]]:
        """The polygon's corners as (lat, lon), not closed."""
        return [(float(lat), float(lon)) for lat, lon in h3.cell_to_boundary(self.cell)]


def cells(
    actor: Actor,
    municipality_id: int,
    period: Period,
    filters: Filters,
    *,
    resolution: int,
    now: datetime,
) -> list[CellFigure]:
    """The cells with cases received in the period (those the actor may see), ordered by
    cell id. «Late» is the case's first answer given after its due date, or a clock of the
    still open case running past due at `now`; a case is late once even when both hold."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}")
    overdue = overdue_now(actor, municipality_id, filters, now).values("pk")
    late = Q(answered_in_time=False) | Q(case_id__in=overdue)
    rows = (
        facts(actor, municipality_id, period, filters, "received_day")
        .exclude(cell="")
        .values("cell")
        .annotate(received=Count("pk"), late=Count("pk", filter=late))
        .order_by("cell")
    )
    return _coarsened(((r["cell"], r["received"], r["late"]) for r in rows), resolution)


def resolution_from(text: str | None) -> int:
    """The grid of a `resolution` parameter; none is the default."""
    text = (text or "").strip()
    if not text:
        return DEFAULT_RESOLUTION
    if not text.isdigit() or int(text) not in RESOLUTIONS:
        raise InvalidParams(f"Размер ячейки «{text}» не понят: нужно 7, 8 или 9.")
    return int(text)


def unplaced(actor: Actor, municipality_id: int, period: Period, filters: Filters) -> int:
    """How many of the period's cases have no point, so are on no cell."""
    return facts(actor, municipality_id, period, filters, "received_day").filter(cell="").count()


def _coarsened(rows: Iterable[tuple[str, int, int]], resolution: int) -> list[CellFigure]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for cell, received, late in rows:
        if not h3.is_valid_cell(cell):
            continue
        key = cell if resolution == H3_RESOLUTION else str(h3.cell_to_parent(cell, resolution))
        totals[key][0] += received
        totals[key][1] += late
    return [CellFigure(cell, r, n) for cell, (r, n) in sorted(totals.items())]


def map_centre(municipality_id: int) -> tuple[float, float]:
    """Where the map opens when there is no cell to fit: the middle of the municipality's
    territories that have coordinates."""
    found = Territory.objects.filter(
        municipality_id=municipality_id, lat__isnull=False, lon__isnull=False
    ).aggregate(lat=Avg("lat"), lon=Avg("lon"))
    if found["lat"] is None or found["lon"] is None:
        return DEFAULT_CENTRE
    return float(found["lat"]), float(found["lon"])


def as_geojson(
    figures: Iterable[CellFigure],
    *,
    resolution: int,
    link: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946: [lon, lat], closed rings), one polygon per
    cell; `link(cell)` gives the address of the cases behind it."""
    features = []
    for figure in figures:
        ring = [[lon, lat] for lat, lon in figure.boundary]
        ring.append(ring[0])
        lat, lon = figure.centre
        properties: dict[str, Any] = {
            "cell": figure.cell,
            "resolution": resolution,
            "received": figure.received,
            "late": figure.late,
            "late_share": figure.late_share,
            "centre": [lon, lat],
        }
        if link is not None:
            properties["cases_url"] = link(figure.cell)
        features.append(
            {
                "type": "Feature",
                "id": figure.cell,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


TOP_TOPICS = 12
TOP_TERRITORIES = 6


@dataclass(frozen=True)
class TopicRow:
    label: str
    counts: list[int]
    total: int


@dataclass(frozen=True)
class TopicTable:
    """Cases received by topic × territory, cut to what fits beside the map: the biggest
    topics and territories, the rest summed into «прочие»."""

    columns: list[str]
    rows: list[TopicRow]
    column_totals: list[int]
    total: int
    hidden_topics: int
    hidden_cases: int


def topic_table(
    actor: Actor,
    municipality_id: int,
    period: Period,
    filters: Filters,
    *,
    top_topics: int = TOP_TOPICS,
    top_territories: int = TOP_TERRITORIES,
) -> TopicTable:
    table = cut(
        Indicator.RECEIVED, actor, municipality_id, period, filters,
        rows=Dimension.TOPIC, columns=Dimension.TERRITORY,
    )  # fmt: skip
    counts = {key: int(value or 0) for key, value in table.cells.items()}
    by_column: dict[Any, int] = defaultdict(int)
    by_row: dict[Any, int] = defaultdict(int)
    for (row, column), n in counts.items():
        by_column[column] += n
        by_row[row] += n
    # Biggest first; the slice's own order (names, «не указано» last) breaks ties.
    columns = sorted(table.columns, key=lambda c: -by_column[c[0]])
    shown = columns if len(columns) <= top_territories else columns[: top_territories - 1]
    folded = [key for key, _ in columns[len(shown) :]]
    rows = sorted(table.rows, key=lambda r: -by_row[r[0]])
    found = []
    for key, label in rows[:top_topics]:
        cells = [counts.get((key, column), 0) for column, _ in shown]
        if folded:
            cells.append(sum(counts.get((key, column), 0) for column in folded))
        found.append(TopicRow(label, cells, by_row[key]))
    labels = [label for _, label in shown] + (["прочие"] if folded else [])
    column_totals = [by_column[c] for c, _ in shown]
    if folded:
        column_totals.append(sum(by_column[c] for c in folded))
    hidden = rows[top_topics:]
    return TopicTable(
        columns=labels,
        rows=found,
        column_totals=column_totals,
        total=sum(by_row.values()),
        hidden_topics=len(hidden),
        hidden_cases=sum(by_row[key] for key, _ in hidden),
    )


def stored_cells(cell: str) -> list[str]:
    """The stored (resolution 9) cells inside a map cell of any resolution."""
    resolution = h3.get_resolution(cell)
    if resolution >= 9:
        return [h3.cell_to_parent(cell, 9)]
    return list(h3.cell_to_children(cell, 9))
