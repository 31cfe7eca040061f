"""`/api/v1/analytics/map/cells`: the heat map's cells as GeoJSON, for the parameters of the
page (`api/common.py`) plus `resolution` (7, 8 or 9)."""

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from veche.analytics import heatmap
from veche.analytics.api.common import ERRORS, AnalyticsQuery, Forbidden, asked, refusal
from veche.analytics.heatmap import resolution_from

router = Router()


class MapQuery(AnalyticsQuery):
    resolution: str | None = Field(None, description="размер ячейки H3: 7, 8 (по умолчанию) или 9")


class PolygonOut(Schema):
    type: Literal["Polygon"]
    coordinates: list[list[list[float]]] = Field(description="[долгота, широта], кольцо замкнуто")


class CellOut(Schema):
    cell: str = Field(description="ячейка H3")
    resolution: int
    received: int = Field(description="поступило за период")
    late: int = Field(description="из них ответ с нарушением срока или просрочено сейчас")
    late_share: float | None
    centre: list[float] = Field(description="[долгота, широта] центра ячейки")


class FeatureOut(Schema):
    type: Literal["Feature"]
    id: str
    geometry: PolygonOut
    properties: CellOut


class CellsOut(Schema):
    type: Literal["FeatureCollection"]
    features: list[FeatureOut]


@router.get(
    "/map/cells",
    response={200: CellsOut, **ERRORS},
    summary="Тепловая карта: обращения по ячейкам H3 (GeoJSON)",
)
def map_cells(request: HttpRequest, params: Query[MapQuery]) -> Reply[Any]:
    try:
        a = asked(request)
        resolution = resolution_from(request.GET.get("resolution"))
    except (ValueError, Forbidden) as problem:
        return Reply(*refusal(problem))
    figures = heatmap.cells(
        a.user, a.municipality.pk, a.period, a.filters, resolution=resolution, now=timezone.now()
    )
    return Reply(200, heatmap.as_geojson(figures, resolution=resolution))
