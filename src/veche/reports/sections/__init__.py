"""The sections each report kind can have, in their default order, with default titles.

A section is a function from (actor, municipality, period) to `Content`: a table and maybe
a chart, read from the analytics store (`indicators.figures`, `slices.cut`), so the report
and the «Аналитика» pages agree. `BUILDERS` is looked up when a report is generated, which
is also what lets a test swap one out.
"""

from dataclasses import dataclass

from veche.catalog.models import Channel
from veche.reports.models import ReportKind
from veche.reports.sections import monthly, quarterly, rating, roadmaps
from veche.reports.sections.common import Builder


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str


CATALOGUE: dict[ReportKind, tuple[SectionSpec, ...]] = {
    ReportKind.QUARTERLY: (
        SectionSpec("summary", "Сводные показатели"),
        SectionSpec("channels", "Поступление по каналам"),
        SectionSpec("months", "Поступление по месяцам"),
        SectionSpec("blocks", "По отраслевым блокам"),
        SectionSpec("social", "По социально значимым тематикам"),
        SectionSpec("departments", "По исполнителям"),
        SectionSpec("rating", "Рейтинг подразделений"),
        SectionSpec("topics", "Основные темы"),
        SectionSpec("problems", "Основные проблемы"),
        SectionSpec("repeats", "Повторные обращения и возвраты на доработку"),
        SectionSpec("roadmaps", "Меры и ход выполнения дорожных карт"),
    ),
    ReportKind.MONTHLY: (
        SectionSpec("pos_quality", "ПОС: качество ответов"),
        SectionSpec("pos_departments", "ПОС: по исполнителям"),
        SectionSpec("im_quality", "Инцидент Менеджмент: качество ответов"),
        SectionSpec("im_departments", "Инцидент Менеджмент: по исполнителям"),
        SectionSpec("rating_pos_im", "Рейтинг исполнителей по ПОС и ИМ"),
        SectionSpec("brush_offs", "Ответы, похожие на отписку"),
    ),
}

BUILDERS: dict[str, Builder] = {
    "summary": quarterly.summary,
    "channels": quarterly.channels,
    "months": quarterly.months,
    "blocks": quarterly.blocks,
    "social": quarterly.social,
    "departments": quarterly.departments,
    "rating": rating.department_rating(),
    "topics": quarterly.topics,
    "problems": quarterly.problems,
    "repeats": quarterly.repeats,
    "roadmaps": roadmaps.progress,
    "pos_quality": monthly.quality(Channel.Code.POS),
    "pos_departments": monthly.per_department(Channel.Code.POS),
    "im_quality": monthly.quality(Channel.Code.IM),
    "im_departments": monthly.per_department(Channel.Code.IM),
    "rating_pos_im": rating.department_rating(monthly.CHANNELS),
    "brush_offs": monthly.brush_offs,
}
