"""Routing rules in force: the first rule that fires wins, trees and word forms included."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.personas import World
from veche.catalog.models import Channel, RoutingRule, Topic
from veche.catalog.services import RuleData, create_routing_rule, move_routing_rule
from veche.demo.builder import build_demo
from veche.org.models import Department, Territory
from veche.triage.rules import Condition, RuleBook, RuleContext, Words, split_keywords


@dataclass
class Places:
    district: Territory
    berezovka_unit: Territory
    berezovka: Territory  # a settlement of the unit
    sosnovy_unit: Territory


@pytest.fixture
def places(world: World) -> Places:
    def make(name: str, kind: str, parent: Territory | None = None) -> Territory:
        return Territory.objects.create(
            municipality=world.municipality, name=name, kind=kind, parent=parent
        )

    district = make("Демо округ", Territory.Kind.DISTRICT)
    unit = make("Берёзовский ТО", Territory.Kind.UNIT, district)
    return Places(
        district=district,
        berezovka_unit=unit,
        berezovka=make("с. Берёзовка", Territory.Kind.SETTLEMENT, unit),
        sosnovy_unit=make("Сосновский ТО", Territory.Kind.UNIT, district),
    )


def _rule(world: World, department: Department, **conditions: Any) -> RoutingRule:
    return create_routing_rule(
        world.municipality, RuleData(department=department, **conditions), by=None
    )


def _first(world: World, text: str = "", **facts: Any) -> RoutingRule | None:
    return RuleBook.load(world.municipality).first(RuleContext(text, **facts))


def test_the_first_rule_that_fires_wins(world: World) -> None:
    pits = _rule(world, world.roads, keywords="яма")
    yards = _rule(world, world.housing, keywords="двор")
    text = "Во дворе глубокая яма"

    assert _first(world, text) == pits
    move_routing_rule(yards, up=True, by=None)
    assert _first(world, text) == yards


def test_no_rule_fires_when_none_matches(world: World) -> None:
    _rule(world, world.roads, keywords="яма")

    assert _first(world, "Не вывозят мусор") is None
    assert RuleBook([]).first(RuleContext("яма")) is None


def test_a_topic_group_rule_matches_each_of_its_topics(world: World) -> None:
    group = world.topic_pits.parent
    assert group is not None
    rule = _rule(world, world.roads, topic=group)

    assert _first(world, topic_id=world.topic_pits.pk) == rule
    assert _first(world, topic_id=group.pk) == rule
    assert _first(world, topic_id=world.topic_heating.pk) is None
    assert _first(world, topic_id=None) is None


def test_a_topic_rule_does_not_match_its_group_or_sibling_topics(world: World) -> None:
    _rule(world, world.roads, topic=world.topic_pits)

    assert _first(world, topic_id=world.topic_pits.pk) is not None
    assert _first(world, topic_id=world.topic_pits.parent_id) is None


def test_a_territory_rule_matches_everything_under_the_territory(
    world: World, places: Places
) -> None:
    rule = _rule(world, world.housing, territory=places.berezovka_unit)

    assert _first(world, territory_id=places.berezovka.pk) == rule
    assert _first(world, territory_id=places.berezovka_unit.pk) == rule
    assert _first(world, territory_id=places.sosnovy_unit.pk) is None
    assert _first(world, territory_id=places.district.pk) is None
    assert _first(world, territory_id=None) is None


@pytest.mark.parametrize(
    "text",
    [
        "Огромная яма у подъезда",
        "Сплошные ямы на дороге",
        "Сколько можно объезжать ям!",
        "Перед этой ямой нет никакого знака",
        "ЯМА на перекрёстке",
    ],
)
def test_a_keyword_matches_in_any_form_of_the_word(world: World, text: str) -> None:
    rule = _rule(world, world.roads, keywords="яма")

    assert _first(world, text) == rule


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("На улице нет уличного освещения", True),
        ("Уличное освещение не работает", True),
        ("Уличными освещениями никто не занимается", True),
        ("Уличная торговля мешает, а освещение в подъезде не горит", False),
        ("Освещение уличное", False),
    ],
)
def test_a_phrase_matches_its_words_together_in_order_in_any_form(
    world: World, text: str, fires: bool
) -> None:
    _rule(world, world.roads, keywords="уличное освещение")

    assert (_first(world, text) is not None) is fires


def test_one_keyword_of_several_is_enough(world: World) -> None:
    rule = _rule(world, world.housing, keywords="отопление, батареи,  горячая вода ")

    assert _first(world, "Холодные батареи в квартире") == rule
    assert _first(world, "Нет горячей воды третий день") == rule
    assert _first(world, "Вода из крана ржавая и не горячая") is None


def test_every_condition_of_a_rule_must_hold(world: World, places: Places) -> None:
    rule = _rule(world, world.housing, keywords="яма", territory=places.berezovka_unit)

    assert _first(world, "яма", territory_id=places.berezovka.pk) == rule
    assert _first(world, "яма", territory_id=places.sosnovy_unit.pk) is None
    assert _first(world, "мусор", territory_id=places.berezovka.pk) is None


def test_a_channel_rule_matches_cases_from_that_channel_only(world: World) -> None:
    telegram = Channel.objects.get(code=Channel.Code.TELEGRAM)
    email = Channel.objects.get(code=Channel.Code.EMAIL)
    rule = _rule(world, world.education, channel=telegram)

    assert _first(world, "что угодно", channel_id=telegram.pk) == rule
    assert _first(world, "что угодно", channel_id=email.pk) is None


def test_switched_off_rules_and_rules_of_departments_that_no_longer_act_are_skipped(
    world: World,
) -> None:
    off = _rule(world, world.roads, keywords="яма", is_active=False)
    gone = _rule(world, world.education, keywords="яма")
    Department.objects.filter(pk=world.education.pk).update(is_active=False)
    last = _rule(world, world.housing, keywords="яма")

    book = RuleBook.load(world.municipality)

    assert [loaded.rule for loaded in book.rules] == [last]
    assert book.first(RuleContext("яма")) == last
    assert {off.pk, gone.pk}.isdisjoint(loaded.rule.pk for loaded in book.rules)


def test_only_the_municipality_s_own_rules_are_loaded(world: World) -> None:
    create_routing_rule(
        world.neighbour, RuleData(department=world.neighbour_housing, keywords="яма"), by=None
    )

    assert _first(world, "яма") is None


def test_a_keyword_without_a_word_finds_nothing(world: World) -> None:
    # The service refuses such keywords; a row edited elsewhere must not match every case.
    RoutingRule.objects.create(
        municipality=world.municipality, department=world.roads, keywords="!!!, ..."
    )

    assert _first(world, "Во дворе яма") is None


def test_explain_names_the_conditions_that_failed_and_the_word_found(
    world: World, places: Places
) -> None:
    telegram = Channel.objects.get(code=Channel.Code.TELEGRAM)
    by_place = _rule(world, world.housing, territory=places.sosnovy_unit, keywords="мусор")
    by_channel = _rule(world, world.education, channel=telegram, topic=world.topic_heating)
    by_word = _rule(world, world.roads, keywords="асфальт, яма")
    book = RuleBook.load(world.municipality)
    case = RuleContext("Ямы во дворе", topic_id=world.topic_pits.pk, territory_id=None)

    traces = book.explain(case)

    assert [(t.rule, t.failed, t.fired) for t in traces] == [
        (by_place, (Condition.TERRITORY, Condition.KEYWORDS), False),
        (by_channel, (Condition.TOPIC, Condition.CHANNEL), False),
        (by_word, (), True),
    ]
    assert traces[2].keyword == "яма"
    assert book.first(case) == by_word


def test_explain_and_first_agree_on_every_case(world: World, places: Places) -> None:
    _rule(world, world.housing, territory=places.berezovka_unit, keywords="двор")
    _rule(world, world.roads, keywords="уличное освещение, яма")
    _rule(world, world.education, topic=world.topic_heating)
    book = RuleBook.load(world.municipality)
    cases = [
        RuleContext(text, topic_id=topic, territory_id=territory)
        for text in ("Во дворе темно", "Нет уличного освещения", "Яма", "")
        for topic in (None, world.topic_heating.pk, world.topic_pits.pk)
        for territory in (None, places.berezovka.pk, places.sosnovy_unit.pk)
    ]

    for case in cases:
        fired = next((t.rule for t in book.explain(case) if t.fired), None)
        assert book.first(case) == fired


def test_loading_takes_three_queries_and_matching_none(
    world: World, places: Places, django_assert_num_queries: Any
) -> None:
    _rule(world, world.roads, topic=world.topic_pits, keywords="яма")
    _rule(world, world.housing, territory=places.berezovka_unit)

    with django_assert_num_queries(3):
        book = RuleBook.load(world.municipality)
    with django_assert_num_queries(0):
        found = book.first(RuleContext("яма", topic_id=world.topic_pits.pk))
        traces = book.explain(RuleContext("двор", territory_id=places.berezovka.pk))
        _ = [str(t.rule.topic) for t in traces] + [str(found.department if found else "")]


def test_the_text_is_lemmatised_only_when_a_keyword_rule_is_reached(world: World) -> None:
    class Unreadable(str):
        def lower(self) -> str:
            raise AssertionError("the text was read")

    rule = _rule(world, world.roads, topic=world.topic_pits)
    _rule(world, world.housing, keywords="яма")

    assert _first(world, Unreadable("яма"), topic_id=world.topic_pits.pk) == rule


def test_words_keep_every_normal_form_of_an_ambiguous_word() -> None:
    words = Words("Ямы, ЁЛКИ и 5 домов")

    assert {"яма", "ям", "елка", "дом", "5"} <= words.forms
    assert len(words.positions) == 5


@pytest.mark.parametrize(
    ("raw", "items"),
    [
        ("яма, дорога", ["яма", "дорога"]),
        (" яма ,, дорога ,", ["яма", "дорога"]),
        ("уличное   освещение", ["уличное освещение"]),
        ("", []),
        (" , ", []),
    ],
)
def test_split_keywords(raw: str, items: list[str]) -> None:
    assert split_keywords(raw) == items


@pytest.mark.django_db
def test_the_demo_routes_by_its_rules() -> None:
    result = build_demo(cases=0, seed=7, now=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    book = RuleBook.load(result.municipality)
    berezovka = Territory.objects.get(municipality=result.municipality, name="с. Берёзовка")
    benches = Topic.objects.get(
        parent__name="Благоустройство",
        name="Отсутствие или неудовлетворительное состояние МАФ (лавочки, урны, лестницы и пр.)",
    )

    def department(text: str, **facts: Any) -> str:
        rule = book.first(RuleContext(text, **facts))
        return rule.department.short_name if rule else ""

    assert 8 <= len(book) <= 15
    assert department("Во дворе огромные ямы") == "Комитет по дорогам и транспорту"
    assert department("Холодные батареи, нет отопления") == "Комитет ЖКХ"
    assert department("В подъезде сильно пахнет газом") == "ЕДДС"
    assert department("Сломана лавочка", topic_id=benches.pk, territory_id=berezovka.pk) == (
        "Берёзовский ТО"
    )
    assert department("Сломана лавочка", topic_id=benches.pk) == ""
