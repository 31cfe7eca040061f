"""`/api/v1/analytics/dashboard` and `/slice`: the dashboard's figures and any slice."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from veche.analytics.api.common import (
    ERRORS,
    AnalyticsQuery,
    Forbidden,
    asked,
    refusal,
)
from veche.analytics.indicators import figures
from veche.analytics.params import slice_params
from veche.analytics.slices import cut

router = Router()


class FigureOut(Schema):
    indicator: str
    label: str
    kind: str = Field(description="count, share (0–1), duration (секунды) или mean")
    value: float | None
    previous: float | None = Field(description="за предыдущий период")
    change: float | None = Field(description="относительное изменение")
    higher_is_better: bool


class DashboardOut(Schema):
    start: date
    end: date
    previous_start: date
    previous_end: date
    figures: list[FigureOut]


class SliceQuery(AnalyticsQuery):
    indicator: str | None = Field(None, description="показатель, по умолчанию received")
    rows: str | None = Field(None, description="разрез строк, по умолчанию department")
    columns: str | None = Field(None, description="разрез столбцов (необязательно)")


class SliceCellOut(Schema):
    row: str | int | None
    column: str | int | None
    value: float | None


class SliceOut(Schema):
    indicator: str
    rows: list[tuple[str | int | None, str]]
    columns: list[tuple[str | int | None, str]]
    cells: list[SliceCellOut]


@router.get(
    "/dashboard",
    response={200: DashboardOut, **ERRORS},
    summary="Показатели МЦУ за период и их изменение к предыдущему",
)
def dashboard(request: HttpRequest, params: Query[AnalyticsQuery]) -> Reply[Any]:
    try:
        a = asked(request)
    except (ValueError, Forbidden) as problem:
        return Reply(*refusal(problem))
    found = figures(a.user, a.municipality.pk, a.period, a.filters, timezone.now())
    previous = a.period.previous()
    return Reply(
        200,
        DashboardOut(
            start=a.period.start,
            end=a.period.end,
            previous_start=previous.start,
            previous_end=previous.end,
            figures=[
                FigureOut(
                    indicator=f.indicator.value,
                    label=f.spec.label,
                    kind=f.spec.kind.value,
                    value=f.value,
                    previous=f.previous,
                    change=f.change,
                    higher_is_better=f.spec.higher_is_better,
                )
                for f in found
            ],
        ),
    )


@router.get(
    "/slice",
    response={200: SliceOut, **ERRORS},
    summary="Показатель в разрезе одного или двух измерений",
)
def slice_(request: HttpRequest, params: Query[SliceQuery]) -> Reply[Any]:
    try:
        a = asked(request)
        indicator, rows, columns = slice_params(request.GET)
        table = cut(
            indicator, a.user, a.municipality.pk, a.period, a.filters, rows, columns,
            now=timezone.now(),
        )  # fmt: skip
    except (ValueError, Forbidden) as problem:  # InvalidParams is a ValueError
        return Reply(*refusal(problem))
    return Reply(
        200,
        SliceOut(
            indicator=indicator.value,
            rows=[(_plain(k), label) for k, label in table.rows],
            columns=[(_plain(k), label) for k, label in table.columns],
            cells=[
                SliceCellOut(row=_plain(r), column=_plain(c), value=v)
                for (r, c), v in table.cells.items()
            ],
        ),
    )


def _plain(key: Any) -> str | int | None:
    return key.isoformat() if isinstance(key, date) else key
