"""`GET /api/v1/analytics/growth`: the series that grew beyond their usual level in a week,
with what drives each (analytics/growth.py, growth_drivers.py)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from veche.analytics.growth import cases_query, growth_report, report_summary, summary, week_from
from veche.analytics.growth_drivers import Driver, explained
from veche.analytics.params import InvalidParams
from veche.cases.api import Message
from veche.cases.errors import CaseError, ErrorCode
from veche.org.models import Municipality, User
from veche.org.selectors import actor_scope, primary_municipality

router = Router()


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
    response={200: GrowthReportOut, 400: Message, 403: Message},
    summary="Рост сверх обычного уровня и его причины",
    description=(
        "Темы, территории и темы на территориях, где за неделю поступило больше обычного "
        "(не меньше 5 обращений, в 1,5 раза больше обычного уровня, q ≤ 0,05), с фразами, "
        "местами, каналами и проблемами, которые дают рост. `week` — понедельник полной "
        "недели (ГГГГ-ММ-ДД), по умолчанию последняя полная неделя; `municipality_id` — МО, "
        "по умолчанию основное МО пользователя."
    ),
)
def growth(
    request: HttpRequest, week: str | None = None, municipality_id: int | None = None
) -> GrowthReportOut:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)  # noqa: S101 - guaranteed by the API's authenticators
    municipality = _municipality(user, municipality_id)
    today = datetime.now(ZoneInfo(municipality.time_zone)).date()
    try:
        monday = week_from(week, today)
    except InvalidParams as error:
        raise CaseError(ErrorCode.INVALID, error.message) from None
    report = growth_report(user, municipality.pk, monday)
    inbox = reverse("cases:inbox")
    return GrowthReportOut(
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
    )


def _out(drivers: list[Driver]) -> list[DriverOut]:
    return [DriverOut(label=d.label, week=d.week, usual=d.usual, id=d.key) for d in drivers]


def _municipality(user: User, requested: int | None) -> Municipality:
    allowed = actor_scope(user).any_municipality_ids()
    if requested is None:
        found = primary_municipality(user)
        if found is None:
            raise CaseError(ErrorCode.FORBIDDEN, "Нет доступа к аналитике: нет роли ни в одном МО.")
        return found
    if requested not in allowed:
        raise CaseError(ErrorCode.FORBIDDEN, "Нет доступа к аналитике этого МО.")
    return Municipality.objects.get(pk=requested)
