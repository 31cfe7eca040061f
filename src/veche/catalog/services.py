"""Writes of the catalog: a municipality's routing rules.

Each function is one operation in one transaction. It checks that the actor may configure the
municipality (`by=None` is the system: the demo, a data migration), locks the municipality row
so that two editors never number rules at once, and keeps positions dense: 1, 2, 3, …, the order
in which `veche.triage.rules.RuleBook` tries them. Rules are settings, not case history: no
`Event` is written.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction

from veche.catalog.models import Channel, RoutingRule, Topic
from veche.org.access import Action
from veche.org.models import Department, Municipality, Territory, User
from veche.org.selectors import actor_scope

NO_CONDITION = "Укажите хотя бы одно условие: тему, территорию, канал или ключевые слова."
KEYWORDS_MAX = RoutingRule._meta.get_field("keywords").max_length or 500
HAS_WORD = re.compile(r"[0-9a-zа-яё]", re.IGNORECASE)


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"


class CatalogError(Exception):
    """A refused write; `fields` maps a field name to its message, for the form."""

    def __init__(self, code: ErrorCode, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}


@dataclass(frozen=True)
class RuleData:
    """What an officer sets on a rule; None and "" are «any»."""

    department: Department
    name: str = ""
    topic: Topic | None = None
    territory: Territory | None = None
    channel: Channel | None = None
    keywords: str = ""
    is_active: bool = True


def create_routing_rule(
    municipality: Municipality, data: RuleData, *, by: User | None
) -> RoutingRule:
    """A new rule, last in the order: it fires only where no earlier rule does."""
    with transaction.atomic(durable=True):
        _lock_municipality(municipality.pk, by)
        rule = RoutingRule(municipality=municipality)
        _apply(rule, data)
        rules = _ordered(municipality.pk)
        rule.position = rules[-1].position + 1 if rules else 1
        rule.save()
        _renumber([*rules, rule])
    return rule


def update_routing_rule(rule: RoutingRule, data: RuleData, *, by: User | None) -> RoutingRule:
    with transaction.atomic(durable=True):
        locked = _lock_rule(rule, by)
        _apply(locked, data)
        locked.save()
    return locked


def set_routing_rule_active(rule: RoutingRule, *, active: bool, by: User | None) -> RoutingRule:
    """Switch a rule off without losing its place, or back on."""
    with transaction.atomic(durable=True):
        locked = _lock_rule(rule, by)
        if active and not locked.department.is_active:
            raise CatalogError(
                ErrorCode.INVALID, "Исполнитель правила больше не действует: выберите другого."
            )
        locked.is_active = active
        locked.save(update_fields=["is_active"])
    return locked


def delete_routing_rule(rule: RoutingRule, *, by: User | None) -> None:
    with transaction.atomic(durable=True):
        locked = _lock_rule(rule, by)
        locked.delete()
        _renumber(_ordered(locked.municipality_id))


def move_routing_rule(rule: RoutingRule, *, up: bool, by: User | None) -> RoutingRule:
    """One place up (earlier, tried before) or down; at the top or bottom nothing changes."""
    with transaction.atomic(durable=True):
        locked = _lock_rule(rule, by)
        rules = list(_ordered(locked.municipality_id))
        index = next(i for i, r in enumerate(rules) if r.pk == locked.pk)
        other = index - 1 if up else index + 1
        if 0 <= other < len(rules):
            rules[index], rules[other] = rules[other], rules[index]
        _renumber(rules)
    return next(r for r in rules if r.pk == locked.pk)


# --- helpers: they never open a transaction -----------------------------------------------------


def _lock_municipality(municipality_id: int, by: User | None) -> None:
    if by is not None and municipality_id not in actor_scope(by).municipality_ids(Action.CONFIGURE):
        raise CatalogError(ErrorCode.FORBIDDEN, "Недостаточно прав для настройки этого МО.")
    Municipality.objects.select_for_update().filter(pk=municipality_id).first()


def _lock_rule(rule: RoutingRule, by: User | None) -> RoutingRule:
    _lock_municipality(rule.municipality_id, by)
    locked = (
        RoutingRule.objects.select_for_update()
        .select_related("department")
        .filter(pk=rule.pk, municipality_id=rule.municipality_id)
        .first()
    )
    if locked is None:
        raise CatalogError(ErrorCode.NOT_FOUND, "Правило не найдено: возможно, его уже удалили.")
    return locked


def _ordered(municipality_id: int) -> list[RoutingRule]:
    return list(
        RoutingRule.objects.filter(municipality_id=municipality_id).order_by("position", "id")
    )


def _renumber(rules: list[RoutingRule]) -> None:
    changed = []
    for position, rule in enumerate(rules, start=1):
        if rule.position != position:
            rule.position = position
            changed.append(rule)
    RoutingRule.objects.bulk_update(changed, ["position"])


def _apply(rule: RoutingRule, data: RuleData) -> None:
    """Check the data against the rule's municipality and copy it onto the rule."""
    keywords, errors = clean_keywords(data.keywords)
    errors.update(_check_references(rule.municipality_id, data))
    if not (data.topic or data.territory or data.channel or keywords or errors.get("keywords")):
        errors["__all__"] = NO_CONDITION
    if errors:
        raise CatalogError(ErrorCode.INVALID, " ".join(errors.values()), errors)
    rule.name = data.name.strip()
    rule.department = data.department
    rule.topic, rule.territory, rule.channel = data.topic, data.territory, data.channel
    rule.keywords = keywords
    rule.is_active = data.is_active


def clean_keywords(raw: str) -> tuple[str, dict[str, str]]:
    """«яма,, дорога ,асфальт» → «яма, дорога, асфальт», and the errors found."""
    items = list(dict.fromkeys(" ".join(item.split()) for item in raw.split(",") if item.strip()))
    wordless = [item for item in items if not HAS_WORD.search(item)]
    if wordless:
        listed = ", ".join(f"«{item}»" for item in wordless)
        return "", {"keywords": f"В ключевых словах нет ни одного слова: {listed}."}
    joined = ", ".join(items)
    if len(joined) > KEYWORDS_MAX:
        return "", {"keywords": f"Ключевые слова длиннее {KEYWORDS_MAX} знаков: сократите список."}
    return joined, {}


def _check_references(municipality_id: int, data: RuleData) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.department.municipality_id != municipality_id:
        errors["department"] = "Исполнитель из другого МО."
    elif not data.department.is_active:
        errors["department"] = "Исполнитель больше не действует."
    if data.territory is not None and data.territory.municipality_id != municipality_id:
        errors["territory"] = "Территория из другого МО."
    if data.topic is not None and not data.topic.is_active:
        errors["topic"] = "Тема исключена из рубрикатора."
    if data.channel is not None and not data.channel.is_active:
        errors["channel"] = "Канал отключён."
    if len(data.name.strip()) > 200:
        errors["name"] = "Название длиннее 200 знаков."
    return errors
