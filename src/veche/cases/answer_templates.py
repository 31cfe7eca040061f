"""Answer templates for a case: which fit it, and their text with the case's facts filled in.

A template for the case's topic comes before one for its group, which comes before one for any
topic; the municipality's own before the installation's. Placeholders are the case's facts,
never the citizen's personal data (the card shows those masked).
"""

import string
import zoneinfo

from django.db.models import Q, QuerySet

from veche.cases.models import Case
from veche.catalog.models import AnswerTemplate

PLACEHOLDERS = ("номер", "дата", "тема", "адрес", "исполнитель", "телефон_исполнителя")


def templates_for(case: Case) -> list[AnswerTemplate]:
    topic = case.topic
    topics = Q(topic__isnull=True)
    if topic is not None:
        topics |= Q(topic=topic) | (Q(topic_id=topic.parent_id) if topic.parent_id else Q())
    found: QuerySet[AnswerTemplate] = AnswerTemplate.objects.select_related("topic").filter(
        Q(municipality=case.municipality_id) | Q(municipality__isnull=True),
        topics,
        is_active=True,
    )

    def rank(t: AnswerTemplate) -> tuple[int, int, str]:
        specific = 0 if topic and t.topic_id == topic.pk else 1 if t.topic_id else 2
        return (specific, 0 if t.municipality_id else 1, t.name)

    return sorted(found, key=rank)


def fill(template: AnswerTemplate, case: Case) -> str:
    """The template's text with the placeholders it uses replaced; unknown ones stay as
    written, so a typo shows in the draft instead of breaking it."""
    zone = zoneinfo.ZoneInfo(case.municipality.time_zone)
    department = case.department
    values = {
        "номер": case.number,
        "дата": case.received_at.astimezone(zone).strftime("%d.%m.%Y"),
        "тема": case.topic.name if case.topic else "",
        "адрес": case.address_raw,
        "исполнитель": department.name if department else "",
        "телефон_исполнителя": department.phone if department else "",
    }
    return string.Formatter().vformat(template.text, (), _Keep(values))


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
