"""The dashboard: the indicators an МЦУ is judged on for a period, each with its change
against the previous period and a link to the cases behind it; and that list of cases."""

from datetime import timedelta
from typing import Any

import h3
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from veche.analytics.heatmap import stored_cells
from veche.analytics.indicators import SPECS, Indicator, Kind, Period, cases_behind, figures
from veche.analytics.slices import Dimension, cut
from veche.analytics.views.common import bars, page_context, page_query
from veche.web.http import AuthedRequest

PAGE_SIZE = 50


@login_required
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    query = page_query(request)
    muni = query.municipality.pk
    found = figures(request.user, muni, query.period, query.filters, timezone.now())
    weekly = cut(
        Indicator.RECEIVED, request.user, muni, query.period, query.filters, Dimension.WEEK
    )
    channels = cut(
        Indicator.RECEIVED, request.user, muni, query.period, query.filters, Dimension.CHANNEL
    )
    return render(
        request,
        "analytics/dashboard.html",
        {
            **page_context(request, query, "dashboard"),
            "figures": found,
            "weeks": bars(_week_labels(weekly.rows, query.period), weekly.row_totals, Kind.COUNT),
            "channels": bars(channels.rows, channels.row_totals, Kind.COUNT),
        },
    )


@login_required
@require_GET
def cases_behind_page(request: AuthedRequest) -> HttpResponse:
    query = page_query(request)
    try:
        indicator = Indicator(request.GET.get("indicator") or Indicator.RECEIVED)
    except ValueError:
        indicator = Indicator.RECEIVED
    cases = cases_behind(
        indicator, request.user, query.municipality.pk, query.period, query.filters,
        timezone.now(),
    )  # fmt: skip
    error = query.error
    if cell := request.GET.get("cell", ""):
        if h3.is_valid_cell(cell):
            cases = cases.filter(fact__cell__in=stored_cells(cell))
        else:
            error = error or f"Ячейка карты «{cell}» не распознана."
    cases = cases.select_related("department", "topic", "channel").order_by("-received_at", "-pk")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    spec = SPECS[indicator]
    return render(
        request,
        "analytics/cases.html",
        {
            **page_context(request, query, "dashboard"),
            "error": error,
            "spec": spec,
            "indicator": indicator,
            "shows_worst": spec.kind in (Kind.SHARE, Kind.MEAN) and bool(spec.behind),
            "page": page,
            "query_without_page": _without(request, "page"),
        },
    )


def _week_labels(rows: list[tuple[Any, str]], period: Period) -> list[tuple[Any, str]]:
    """Weeks as the days of the period they hold: «05.10–11.10», a cut one «28.09… с 01.10»."""
    labelled = []
    for monday, _ in rows:
        first = max(monday, period.start)
        last = min(monday + timedelta(days=6), period.end)
        label = f"{first:%d.%m}–{last:%d.%m}"
        if (last - first).days < 6:
            label += " (неполная)"
        labelled.append((monday, label))
    return labelled


def _without(request: AuthedRequest, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    return params.urlencode()
