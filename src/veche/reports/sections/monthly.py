"""The sections of the monthly quality assessment of answers on the Платформа обратной связи
(ПОС) and Инцидент Менеджмент (DOMAIN.md §3, §4, §8 items 3 and 13): each channel on its
own, since the two are scored apart; times in hours, as their standards are (IM first
answer 8 h). An executor is rated only with at least two messages in the month (the
Ulyanovsk rule, `RatingPolicy.min_cases`), so the tables say which rows are below it."""

from django.utils import timezone

from veche.analytics.indicators import Actor, Filters, Indicator, Period, cases_behind
from veche.analytics.models import RatingPolicy
from veche.analytics.slices import Dimension
from veche.cases.models import Case
from veche.catalog.models import Channel
from veche.org.models import Municipality
from veche.reports.content import Chart, Column, Content, Fmt, Value
from veche.reports.sections.common import Builder, Metric, by_dimension, compared, number

QUALITY = (
    Metric(Indicator.RECEIVED, "Поступило"),
    Metric(Indicator.REACTION_IN_TIME, "Первая реакция в срок"),
    Metric(Indicator.IN_TIME, "Окончательный ответ в срок"),
    Metric(Indicator.REACTION_MEDIAN, "Первая реакция, медиана", Fmt.HOURS),
    Metric(Indicator.REACTION_P90, "Первая реакция, 90-й процентиль", Fmt.HOURS),
    Metric(Indicator.ANSWER_MEDIAN, "Окончательный ответ, медиана", Fmt.HOURS),
    Metric(Indicator.ANSWER_P90, "Окончательный ответ, 90-й процентиль", Fmt.HOURS),
    Metric(Indicator.BRUSH_OFF, "Ответы, похожие на отписку"),
    Metric(Indicator.RETURNED, "Возвращено на доработку"),
    Metric(Indicator.SATISFACTION, "Удовлетворённость"),
    Metric(Indicator.RATING, "Средняя оценка"),
)
PER_DEPARTMENT = (
    Metric(Indicator.RECEIVED, "Поступило"),
    Metric(Indicator.REACTION_IN_TIME, "Реакция в срок"),
    Metric(Indicator.IN_TIME, "Ответ в срок"),
    Metric(Indicator.ANSWER_MEDIAN, "Ответ, медиана", Fmt.HOURS),
    Metric(Indicator.BRUSH_OFF, "Отписки"),
    Metric(Indicator.RETURNED, "На доработку"),
    Metric(Indicator.SATISFACTION, "Удовлетворённость"),
)
CHANNELS = (Channel.Code.POS, Channel.Code.IM)


def channel_filter(code: str) -> Filters | None:
    pk = Channel.objects.filter(code=code).values_list("pk", flat=True).first()
    return Filters(channels=(pk,)) if pk is not None else None


def quality(code: str) -> Builder:
    def build(actor: Actor, municipality: Municipality, period: Period) -> Content:
        filters = channel_filter(code)
        if filters is None:
            return Content([Column("Показатель")], empty="Канал не заведён в справочнике.")
        content = compared(actor, municipality, period, filters, QUALITY, "Предыдущий месяц")
        content.note = "Изменение — относительное, к предыдущему месяцу."
        return content

    return build


def per_department(code: str) -> Builder:
    def build(actor: Actor, municipality: Municipality, period: Period) -> Content:
        filters = channel_filter(code)
        if filters is None:
            return Content([Column("Исполнитель")], empty="Канал не заведён в справочнике.")
        content = by_dimension(
            actor, municipality, period, filters, Dimension.DEPARTMENT, PER_DEPARTMENT,
            label="Исполнитель", none_label="не назначен",
        )  # fmt: skip
        least = _min_cases(municipality)
        few = [str(row[0]) for row in content.rows if number(row[1]) < least]
        content.note = f"Исполнитель оценивается при {least} и более сообщениях за месяц." + (
            f" Меньше: {', '.join(few)}." if few else ""
        )
        content.chart = Chart("barh", (3,), "Доля ответов в срок по исполнителям")
        return content

    return build


def brush_offs(actor: Actor, municipality: Municipality, period: Period) -> Content:
    """The answers of the month the quality check flagged as a brush-off: case numbers and
    departments only, never the citizens' names or the texts."""
    ids = tuple(Channel.objects.filter(code__in=CHANNELS).values_list("pk", flat=True))
    behind = cases_behind(
        Indicator.BRUSH_OFF, actor, municipality.pk, period, Filters(channels=ids), timezone.now()
    )
    found = behind.select_related("channel", "department", "topic", "fact").order_by(
        "fact__answered_day", "number"
    )
    rows: list[list[Value]] = [[*_brush_off_row(case)] for case in found]
    columns = [
        Column("Канал", width=1.4),
        Column("Рег. номер", width=1.2),
        Column("Поступило"),
        Column("Ответ дан"),
        Column("Исполнитель", width=2.2),
        Column("Тема", width=2.2),
    ]
    return Content(columns, rows, empty="Ответов, похожих на отписку, за месяц нет.")


def _brush_off_row(case: Case) -> tuple[str, ...]:
    # The fact's days are the municipality's local days already.
    answered = case.fact.answered_day
    return (
        case.channel.name,
        case.number,
        f"{case.fact.received_day:%d.%m.%Y}",
        f"{answered:%d.%m.%Y}" if answered else "—",
        case.department.name if case.department else "не назначен",
        case.topic.name if case.topic else "—",
    )


def _min_cases(municipality: Municipality) -> int:
    policy = RatingPolicy.objects.filter(municipality=municipality).first()
    return policy.min_cases if policy is not None else RatingPolicy().min_cases
