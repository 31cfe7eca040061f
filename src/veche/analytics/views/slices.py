"""Slices: any indicator by one or two dimensions, as a table and a chart, and the slices a
user saved under a name."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from veche.analytics import formatting
from veche.analytics.indicators import SPECS, Indicator, Kind
from veche.analytics.models import SavedView
from veche.analytics.params import InvalidParams, slice_params
from veche.analytics.slices import DIMENSION_LABELS, TIME, Dimension, Table, cut
from veche.analytics.views.common import bars, page_context, page_query
from veche.web.http import AuthedRequest

CHART_LINES = 8
COLOURS = ("#1f4e8c", "#b3261e", "#1e7a3c", "#a15c00", "#6a3d9a", "#00838f", "#8d6e63", "#546e7a")


@login_required
@require_GET
def slice_page(request: AuthedRequest) -> HttpResponse:
    query = page_query(request)
    error = query.error
    try:
        indicator, rows, columns = slice_params(request.GET)
    except InvalidParams as problem:
        error = error or problem.message
        indicator, rows, columns = Indicator.RECEIVED, Dimension.DEPARTMENT, None
    table: Table | None = None
    try:
        table = cut(
            indicator, request.user, query.municipality.pk, query.period, query.filters,
            rows, columns, now=timezone.now(),
        )  # fmt: skip
    except ValueError as problem:
        error = error or str(problem)
    keep = request.GET.copy()
    for name in ("from", "to", "period", "page"):
        keep.pop(name, None)
    return render(
        request,
        "analytics/slices.html",
        {
            **page_context(request, query, "slices"),
            "error": error,
            "indicators": [(i.value, SPECS[i].label) for i in Indicator],
            "dimensions": list(DIMENSION_LABELS.items()),
            "indicator": indicator,
            "spec": SPECS[indicator],
            "rows_dim": rows,
            "columns_dim": columns,
            "matrix": _matrix(table) if table else None,
            "chart": _chart(table, columns) if table else None,
            "saved": SavedView.objects.filter(user=request.user),
            "current_query": request.GET.urlencode(),
            "keep_query": _slice_only(request).urlencode(),
        },
    )


@login_required
@require_POST
def save_view(request: AuthedRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:200]
    query = request.POST.get("query", "")[:1000]
    if not name:
        messages.error(request, "Назовите срез, чтобы сохранить его.")
    else:
        SavedView.objects.update_or_create(user=request.user, name=name, defaults={"query": query})
        messages.success(request, f"Срез «{name}» сохранён.")
    return redirect(f"{request.path.removesuffix('save/')}?{query}")


@login_required
@require_POST
def delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    deleted, _ = SavedView.objects.filter(user=request.user, pk=pk).delete()
    if not deleted:
        raise Http404("Сохранённый срез не найден.")
    messages.success(request, "Сохранённый срез удалён.")
    return redirect("analytics:slices")


def _slice_only(request: AuthedRequest) -> Any:
    params = request.GET.copy()
    for name in list(params):
        if name not in {"indicator", "rows", "columns"}:
            params.pop(name)
    return params


def _matrix(table: Table) -> dict[str, Any]:
    kind = SPECS[table.indicator].kind
    return {
        "columns": [label for _, label in table.columns],
        "two_dimensional": len(table.columns) > 1 or table.columns[0][0] is not None,
        "rows": [
            {
                "label": label,
                "cells": [formatting.value(kind, _cell(table, key, c)) for c, _ in table.columns],
                "total": formatting.value(kind, table.row_totals.get(key)),
            }
            for key, label in table.rows
        ],
    }


def _cell(table: Table, row: Any, column: Any) -> float | None:
    """A missing count is a zero; a missing share or time has no value («—»)."""
    value = table.value(row, column)
    if value is None and SPECS[table.indicator].kind == Kind.COUNT:
        return 0.0
    return value


def _chart(table: Table, columns: Dimension | None) -> dict[str, Any] | None:
    """An SVG line per row over time columns (the largest rows), or bars of the row totals."""
    if not table.rows:
        return None
    if columns not in TIME or len(table.columns) < 2:
        kind = SPECS[table.indicator].kind
        return {"kind": "bars", "bars": bars(table.rows, table.row_totals, kind)}
    keys = sorted(table.rows, key=lambda r: -(table.row_totals.get(r[0]) or 0))[:CHART_LINES]
    values = [v for k, _ in keys for c, _ in table.columns if (v := table.value(k, c)) is not None]
    top = max(values, default=0) or 1
    width, height, pad = 640, 220, 30
    step = (width - 2 * pad) / max(1, len(table.columns) - 1)
    lines = []
    for (key, label), colour in zip(keys, COLOURS, strict=False):
        points = []
        for i, (column, _) in enumerate(table.columns):
            value = table.value(key, column)
            if value is not None:
                y = height - pad - (height - 2 * pad) * value / top
                points.append(f"{pad + i * step:.1f},{y:.1f}")
        lines.append({"label": label, "colour": colour, "points": " ".join(points)})
    return {
        "kind": "lines",
        "width": width,
        "height": height,
        "lines": lines,
        "top": formatting.value(SPECS[table.indicator].kind, top),
        "first": table.columns[0][1],
        "last": table.columns[-1][1],
        "pad": pad,
    }
