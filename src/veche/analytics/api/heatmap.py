"""`/api/v1/analytics/map/cells`: the heat map's cells as GeoJSON, for the parameters of the
page (analytics/params.py) plus `resolution` (7, 8 or 9) and `municipality`."""

from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from veche.analytics import heatmap
from veche.analytics.heatmap import resolution_from
from veche.analytics.params import InvalidParams, filters_from, period_from
from veche.org.models import Municipality, User
from veche.org.selectors import actor_scope, primary_municipality

router = Router()


class MapQuery(Schema):
    """Documented here; read by params.py, so a malformed value gets its Russian message."""

    period: str | None = Field(None, description="2026-Q3 или 2026-10")
    from_: str | None = Field(None, alias="from", description="начало периода, 2026-10-01")
    to: str | None = Field(None, description="конец периода, 2026-10-31")
    topic: list[str] = Field(default_factory=list, description="темы (повторяемый)")
    department: list[str] = Field(default_factory=list)
    block: list[str] = Field(default_factory=list)
    territory: list[str] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list)
    regime: list[str] = Field(default_factory=list)
    resolution: str | None = Field(None, description="размер ячейки H3: 7, 8 (по умолчанию) или 9")
    municipality: str | None = Field(None, description="МО, если их у вас несколько")


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


class ErrorOut(Schema):
    code: str
    message: str


@router.get(
    "/map/cells",
    response={200: CellsOut, 400: ErrorOut, 403: ErrorOut},
    summary="Тепловая карта: обращения по ячейкам H3 (GeoJSON)",
)
def map_cells(request: HttpRequest, params: Query[MapQuery]) -> Reply[Any]:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)  # noqa: S101 - guaranteed by the API's authenticators
    try:
        municipality = _municipality(user, request.GET.get("municipality"))
        if municipality is None:
            return Reply(
                403, ErrorOut(code="forbidden", message="Нет доступа к аналитике этого МО.")
            )
        today = timezone.localdate(timezone=ZoneInfo(municipality.time_zone))
        period = period_from(request.GET, today)
        filters = filters_from(request.GET)
        resolution = resolution_from(request.GET.get("resolution"))
    except InvalidParams as problem:
        return Reply(400, ErrorOut(code="invalid", message=problem.message))
    figures = heatmap.cells(
        user, municipality.pk, period, filters, resolution=resolution, now=timezone.now()
    )
    return Reply(200, heatmap.as_geojson(figures, resolution=resolution))


def _municipality(user: User, requested: str | None) -> Municipality | None:
    """The requested municipality if the user sees it, else their first one."""
    if not requested:
        return primary_municipality(user)
    if not requested.isdigit():
        raise InvalidParams(f"Параметр municipality: «{requested}» — не номер.")
    if int(requested) not in actor_scope(user).any_municipality_ids():
        return None
    return Municipality.objects.filter(pk=int(requested)).first()
