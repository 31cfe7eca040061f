"""`GET /api/v1/analytics/growth`: the series that grew beyond their usual level in a week,
with what drives each (analytics/growth.py, growth_drivers.py)."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from veche.analytics.api.common import ERRORS, Forbidden, MunicipalityQuery, refusal, viewer
from veche.analytics.growth import cases_query, growth_report, report_summary, summary, week_from
from veche.analytics.growth_drivers import Driver, explained

router = Router()


class GrowthQuery(MunicipalityQuery):
    week: str | None = Field(
        None, description="понедельник полной недели, 2026-11-16; по умолчанию последняя полная"
    )


class DriverOut(Schema):
    label: str
    week: int
    usual: float
    id: int | None = None


class GrowthOut(Schema):
    topic_id: int | None
    topic: str
    territory_id: int | None
    territory: str
    count: int
    usual: float
    ratio: float
    p: float
    q: float
    seasonal: bool
    last_year_known: bool
    summary: str
    cases_url: str
    phrases: list[DriverOut]
    places: list[DriverOut]
    channels: list[DriverOut]
    problems: list[DriverOut]


class GrowthReportOut(Schema):
    municipality_id: int
    week_start: date
    week_end: date
    tested: int
    untested: int
    summary: str
    growths: list[GrowthOut]


@router.get(
    "/growth",
    response={200: GrowthReportOut, **ERRORS},
    summary="Рост сверх обычного уровня и его причины",
    description=(
        "Темы, территории и темы на территориях, где за неделю поступило больше обычного "
        "(не меньше 5 обращений, в 1,5 раза больше обычного уровня, q ≤ 0,05), с фразами, "
        "местами, каналами и проблемами, которые дают рост."
    ),
)
def growth(request: HttpRequest, params: Query[GrowthQuery]) -> Reply[Any]:
    try:
        who = viewer(request)
        monday = week_from(request.GET.get("week"), who.today)
    except (ValueError, Forbidden) as problem:
        return Reply(*refusal(problem))
    user, municipality = who.user, who.municipality
    report = growth_report(user, municipality.pk, monday)
    inbox = reverse("cases:inbox")
    return Reply(
        200,
        GrowthReportOut(
            municipality_id=municipality.pk,
            week_start=report.week,
            week_end=report.end,
            tested=len(report.tested),
            untested=report.untested,
            summary=report_summary(report),
            growths=[
                GrowthOut(
                    topic_id=item.series.topic_id,
                    topic=item.topic,
                    territory_id=item.series.territory_id,
                    territory=item.territory,
                    count=item.count,
                    usual=item.usual.level,
                    ratio=round(item.ratio, 2),
                    p=item.p,
                    q=item.q,
                    seasonal=item.usual.seasonal,
                    last_year_known=item.usual.year_known,
                    summary=summary(item, len(report.tested)),
                    cases_url=f"{inbox}?{cases_query(item, report.week)}",
                    phrases=_out(drivers.phrases),
                    places=_out(drivers.places),
                    channels=_out(drivers.channels),
                    problems=_out(drivers.problems),
                )
                for item, drivers in explained(user, municipality.pk, report)
            ],
        ),
    )


def _out(drivers: list[Driver]) -> list[DriverOut]:
    return [DriverOut(label=d.label, week=d.week, usual=d.usual, id=d.key) for d in drivers]
