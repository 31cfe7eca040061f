"""«Карта»: cases in H3 cells on a Leaflet map, beside a topic × territory table.

The page renders the form, the table and an empty map; map.js fetches the cells as GeoJSON
from `map/cells/` with the same query string and draws them, over tiles when the tile
server answers and on a plain background when it does not.

The period, filters and tabs are read and given as on every analytics page (`page_query`,
`page_context`); the form is the map's own, one row above the map: a menu of the last months
and quarters rather than the quick links, the topics, and the map's measure and cell size.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from veche.analytics import heatmap
from veche.analytics.heatmap import resolution_from
from veche.analytics.indicators import Indicator, Period
from veche.analytics.params import InvalidParams, filter_pairs
from veche.analytics.slices import MONTHS
from veche.analytics.views.common import page_context, page_query
from veche.web.http import AuthedRequest

MEASURES = {"count": "число обращений", "share": "доля просроченных"}
RESOLUTION_LABELS = {7: "крупная (≈5 км²)", 8: "средняя (≈0,7 км²)", 9: "мелкая (≈0,1 км²)"}
QUARTERS = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class PeriodChoice:
    value: str
    label: str
    period: Period


def measure_from(text: str | None) -> str:
    text = (text or "").strip() or "count"
    if text not in MEASURES:
        raise InvalidParams(f"Показатель «{text}» не понят: нужно count или share.")
    return text


def cases_link(query: str) -> str:
    """The address of the cases behind a cell, less the cell itself."""
    return f"{reverse('analytics:cases')}?indicator={Indicator.RECEIVED.value}&{query}&cell="


def period_choices(today: date) -> list[PeriodChoice]:
    """The last twelve months and the last six quarters, the current one first."""
    found = []
    year, month = today.year, today.month
    for _ in range(12):
        found.append(
            PeriodChoice(
                f"{year}-{month:02d}", f"{MONTHS[month - 1]} {year}", Period.month(year, month)
            )
        )
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(6):
        found.append(
            PeriodChoice(
                f"{year}-Q{quarter}",
                f"{QUARTERS[quarter - 1]} квартал {year}",
                Period.quarter(year, quarter),
            )
        )
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return found


@login_required
@require_GET
def map_page(request: AuthedRequest) -> HttpResponse:
    pq = page_query(request)
    error = pq.error
    try:
        measure, resolution = (
            measure_from(request.GET.get("measure")),
            resolution_from(request.GET.get("resolution")),
        )
    except InvalidParams as problem:
        measure, resolution = "count", heatmap.DEFAULT_RESOLUTION
        error = error or problem.message
    user, muni = request.user, pq.municipality.pk
    choices = period_choices(pq.today)
    context = {
        **page_context(request, pq, "map"),
        "error": error,
        "measure": measure,
        "measures": MEASURES.items(),
        "resolution": resolution,
        "resolutions": RESOLUTION_LABELS.items(),
        "period_choices": choices,
        "chosen_period": next((c.value for c in choices if c.period == pq.period), ""),
        # The filters the form has no control for (a link from a slice may carry them).
        "kept": [pair for pair in filter_pairs(pq.filters) if pair[0] != "topic"],
        "table": heatmap.topic_table(user, muni, pq.period, pq.filters),
        "unplaced": heatmap.unplaced(user, muni, pq.period, pq.filters),
        "cells_url": f"{reverse('analytics:map_cells')}?{pq.data_query}&resolution={resolution}",
        "centre": heatmap.map_centre(muni),
        "tile_url": settings.MAP_TILE_URL,
        "attribution": settings.MAP_ATTRIBUTION,
    }
    return render(request, "analytics/map.html", context, status=400 if error else 200)


@login_required
@require_GET
def map_cells(request: AuthedRequest) -> JsonResponse:
    """The cells as GeoJSON for the page's map; a malformed parameter is a 400 with a
    Russian message, as in the API."""
    pq = page_query(request)
    error, resolution = pq.error, heatmap.DEFAULT_RESOLUTION
    try:
        resolution = resolution_from(request.GET.get("resolution"))
    except InvalidParams as problem:
        error = error or problem.message
    if error:
        return JsonResponse({"code": "invalid", "message": error}, status=400)
    figures = heatmap.cells(
        request.user, pq.municipality.pk, pq.period, pq.filters,
        resolution=resolution, now=timezone.now(),
    )  # fmt: skip
    link = cases_link(pq.data_query)
    collection = heatmap.as_geojson(figures, resolution=resolution, link=lambda c: link + c)
    return JsonResponse(
        collection,
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )
