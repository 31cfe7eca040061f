"""The sections of the quarterly report to the ЦУР (DOMAIN.md §4: volumes by channel and
topic, on-time share, answer times, quality, satisfaction, repeats, top problems).

«Социально значимые блоки»: the report gives both readings of the phrase. `blocks` cuts the
figures by the administration's own отраслевые блоки (the deputy heads' areas,
Dimension.BLOCK, through the department a case is with); `social` by the groups of topics
marked socially significant in the rubricator (здравоохранение, ЖКХ, дороги… GLOSSARY.md),
whichever department answered. A municipality switches off the one it does not need.
"""

from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from veche.analytics.indicators import (
    Actor,
    Filters,
    Indicator,
    Period,
    counter_sums,
    figures,
    rollups,
)
from veche.analytics.slices import MONTHS, Dimension, cut
from veche.catalog.models import Topic
from veche.org.models import Municipality
from veche.problems.selectors import visible_problems
from veche.reports.content import Chart, Column, Content, Fmt, Num, Value
from veche.reports.sections.common import Metric, by_dimension, compared, number

TOP = 10
SUMMARY = (
    Metric(Indicator.RECEIVED, "Поступило"),
    Metric(Indicator.ANSWERED, "Дан окончательный ответ"),
    Metric(Indicator.REACTION_IN_TIME, "Первая реакция в срок"),
    Metric(Indicator.IN_TIME, "Ответ в срок"),
    Metric(Indicator.REACTION_MEDIAN, "Первая реакция, медиана", Fmt.HOURS),
    Metric(Indicator.ANSWER_MEDIAN, "Ответ, медиана", Fmt.DAYS),
    Metric(Indicator.ANSWER_P90, "Ответ, 90-й процентиль", Fmt.DAYS),
    Metric(Indicator.BRUSH_OFF, "Ответы, похожие на отписку"),
    Metric(Indicator.RETURNED, "Возвращено на доработку"),
    Metric(Indicator.REPEATS, "Повторные"),
    Metric(Indicator.SATISFACTION, "Удовлетворённость"),
    Metric(Indicator.RATING, "Средняя оценка"),
    Metric(Indicator.SOLVED, "Решено по словам заявителей"),
    Metric(Indicator.WITHOUT_ANSWER, "Закрыто без ответа"),
    Metric(Indicator.EXTENDED, "Срок продлён"),
    Metric(Indicator.REDIRECTED, "Переадресовано"),
)
# What the rows of the block, topic and department tables carry.
PERFORMANCE = (
    Metric(Indicator.RECEIVED, "Поступило"),
    Metric(Indicator.IN_TIME, "Ответ в срок"),
    Metric(Indicator.ANSWER_MEDIAN, "Ответ, медиана", Fmt.DAYS),
    Metric(Indicator.BRUSH_OFF, "Отписки"),
    Metric(Indicator.SATISFACTION, "Удовлетворённость"),
)
REWORK = (
    (Indicator.REPEATS, "repeats", "Повторные обращения (написали снова после ответа)"),
    (Indicator.RETURNED, "returned", "Ответ возвращён на доработку"),
    (Indicator.REOPENED, "reopened", "Возобновлено после ответа"),
    (Indicator.EXTENDED, "extended", "Срок продлён"),
)


def summary(actor: Actor, municipality: Municipality, period: Period) -> Content:
    content = compared(actor, municipality, period, Filters(), SUMMARY, "Предыдущий квартал")
    content.note = "Изменение — относительное, к предыдущему кварталу."
    return content


def channels(actor: Actor, municipality: Municipality, period: Period) -> Content:
    metrics = (
        Metric(Indicator.RECEIVED, "Поступило"),
        Metric(Indicator.IN_TIME, "Ответ в срок"),
        Metric(Indicator.ANSWER_MEDIAN, "Ответ, медиана", Fmt.DAYS),
        Metric(Indicator.SATISFACTION, "Удовлетворённость"),
    )
    content = by_dimension(
        actor, municipality, period, Filters(), Dimension.CHANNEL, metrics, label="Канал"
    )
    _add_share(content, sum(number(row[1]) for row in content.rows))
    content.chart = Chart("barh", (1,), "Поступило по каналам")
    return content


def months(actor: Actor, municipality: Municipality, period: Period) -> Content:
    cuts = [
        cut(i, actor, municipality.pk, period, Filters(), rows=Dimension.MONTH)
        for i in (Indicator.RECEIVED, Indicator.ANSWERED, Indicator.IN_TIME)
    ]
    rows: list[list[Value]] = []
    for first in _months_of(period):
        received, answered, in_time = (t.value(first, None) for t in cuts)
        label = f"{MONTHS[first.month - 1]} {first.year}"
        rows.append([label, int(received or 0), int(answered or 0), in_time])
    columns = [
        Column("Месяц", width=1.6),
        Column("Поступило", Fmt.INT),
        Column("Дан ответ", Fmt.INT),
        Column("Ответ в срок", Fmt.SHARE),
    ]
    return Content(columns, rows, Chart("bar", (1, 2), "Поступило и отвечено по месяцам"))


def blocks(actor: Actor, municipality: Municipality, period: Period) -> Content:
    content = by_dimension(
        actor, municipality, period, Filters(), Dimension.BLOCK, PERFORMANCE,
        label="Отраслевой блок", none_label="вне блоков",
    )  # fmt: skip
    content.chart = Chart("barh", (1,), "Поступило по отраслевым блокам")
    content.note = "По отраслевому блоку подразделения, которому поручено обращение."
    return content


def social(actor: Actor, municipality: Municipality, period: Period) -> Content:
    ids = tuple(
        Topic.objects.filter(
            Q(socially_significant=True) | Q(parent__socially_significant=True)
        ).values_list("pk", flat=True)
    )
    if not ids:
        return Content(
            [Column("Группа тем")],
            empty="В рубрикаторе не отмечено ни одной социально значимой темы.",
        )
    content = by_dimension(
        actor, municipality, period, Filters(topics=ids), Dimension.GROUP, PERFORMANCE,
        label="Социально значимая тематика",
    )  # fmt: skip
    content.chart = Chart("barh", (1,), "Поступило по социально значимым тематикам")
    content.note = "Темы, отмеченные в рубрикаторе как социально значимые, по группам тем."
    return content


def departments(actor: Actor, municipality: Municipality, period: Period) -> Content:
    content = by_dimension(
        actor, municipality, period, Filters(), Dimension.DEPARTMENT, PERFORMANCE,
        label="Исполнитель", none_label="не назначен",
    )  # fmt: skip
    content.chart = Chart("barh", (2,), "Доля ответов в срок по исполнителям")
    return content


def topics(actor: Actor, municipality: Municipality, period: Period) -> Content:
    metrics = (
        Metric(Indicator.RECEIVED, "Поступило"),
        Metric(Indicator.IN_TIME, "Ответ в срок"),
        Metric(Indicator.SATISFACTION, "Удовлетворённость"),
    )
    everything = by_dimension(
        actor, municipality, period, Filters(), Dimension.TOPIC, metrics,
        label="Тема", none_label="тема не определена",
    )  # fmt: skip
    total = sum(number(row[1]) for row in everything.rows)
    everything.rows = everything.rows[:TOP]
    _add_share(everything, total)
    everything.chart = Chart("barh", (1,), f"{TOP} самых частых тем")
    everything.note = f"{TOP} тем, по которым поступило больше всего сообщений и обращений."
    return everything


def problems(actor: Actor, municipality: Municipality, period: Period) -> Content:
    """The problems (clusters of cases about one thing) with the most cases received in the
    period."""
    found = (
        visible_problems(actor)
        .filter(
            municipality=municipality,
            links__case__fact__received_day__gte=period.start,
            links__case__fact__received_day__lte=period.end,
        )
        .annotate(in_period=Count("links"))
        .select_related("topic", "territory")
        .order_by("-in_period", "-case_count", "pk")[:TOP]
    )
    rows = [
        [
            p.title,
            p.topic.name if p.topic else "—",
            p.place or (p.territory.name if p.territory else "—"),
            p.in_period,
            p.case_count,
            p.get_status_display(),
        ]
        for p in found
    ]
    columns = [
        Column("Проблема", width=3),
        Column("Тема", width=1.6),
        Column("Место", width=1.6),
        Column("Обращений за период", Fmt.INT),
        Column("Всего обращений", Fmt.INT),
        Column("Состояние"),
    ]
    return Content(columns, rows, empty="За период обращений по выявленным проблемам не было.")


def repeats(actor: Actor, municipality: Municipality, period: Period) -> Content:
    sums = counter_sums(rollups(actor, municipality.pk, period, Filters()))
    # «now» only matters for «просрочено сейчас», which is not asked for here.
    asked = [indicator for indicator, *_ in REWORK]
    found = figures(actor, municipality.pk, period, Filters(), timezone.now(), asked)
    rows = [
        [label, Num(sums[counter], Fmt.INT), f.value, f.previous, f.change]
        for (_, counter, label), f in zip(REWORK, found, strict=True)
    ]
    columns = [
        Column("Показатель", width=3),
        Column("Количество", Fmt.INT),
        Column("Доля от поступивших", Fmt.SHARE),
        Column("Доля в предыдущем квартале", Fmt.SHARE),
        Column("Изменение", Fmt.CHANGE),
    ]
    note = f"Поступило за квартал: {sums['received']}."
    return Content(columns, rows, note=note)


def _add_share(content: Content, total: float) -> None:
    """A column after the count: each row's part of `total`."""
    for row in content.rows:
        row.insert(2, number(row[1]) / total if total else None)
    content.columns.insert(2, Column("Доля от всех", Fmt.SHARE))


def _months_of(period: Period) -> list[date]:
    found, first = [], period.start.replace(day=1)
    while first <= period.end:
        found.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return found
