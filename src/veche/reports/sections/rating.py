"""«Рейтинг подразделений»: the analytics app's department rating (`analytics.ratings.rate`,
with the municipality's `RatingPolicy`), so the report ranks exactly as the ratings page
does. The monthly assessment rates on ПОС and ИМ cases only."""

from veche.analytics.indicators import Actor, Filters, Period
from veche.analytics.ratings import LABELS, Component, DepartmentRating, rate, rating_policy
from veche.catalog.models import Channel
from veche.org.models import Municipality
from veche.reports.content import Chart, Column, Content, Fmt, Value
from veche.reports.sections.common import Builder


def department_rating(channel_codes: tuple[str, ...] = ()) -> Builder:
    def build(actor: Actor, municipality: Municipality, period: Period) -> Content:
        filters = Filters()
        if channel_codes:
            ids = Channel.objects.filter(code__in=channel_codes).values_list("pk", flat=True)
            filters = Filters(channels=tuple(ids) or (0,))
        found = rate(actor, municipality.pk, period, filters, rating_policy(municipality.pk))
        rows = [_row(str(r.rank), r) for r in found.rows]
        rows += [_row("вне рейтинга", r) for r in found.apart]
        columns = [
            Column("Место", width=0.9),
            Column("Исполнитель", width=2.6),
            Column("Индекс", Fmt.NUMBER),
            Column("Поступило", Fmt.INT),
            *(Column(LABELS[c], Fmt.NUMBER) for c in Component),
        ]
        note = (
            f"Индекс 0–100. В рейтинге исполнители, у которых за период не меньше "
            f"{found.policy.min_cases} обращений. {found.method}"
        )
        chart = Chart("barh", (2,), "Индекс исполнителей") if found.rows else None
        return Content(columns, rows, chart, note)

    return build


def _row(place: str, rating: DepartmentRating) -> list[Value]:
    points: list[Value] = [rating.score(c).points for c in Component]
    return [place, rating.name, rating.index, rating.received, *points]
