"""The routing rules page: who reaches it, and editing, ordering and checking rules through it."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.personas import World
from veche.catalog.models import Channel, RoutingRule
from veche.catalog.services import (
    NO_CONDITION,
    CatalogError,
    ErrorCode,
    RuleData,
    create_routing_rule,
    delete_routing_rule,
    move_routing_rule,
)
from veche.org.models import Department, Membership, Role, Territory, User

HX = {"HX-Request": "true"}
RULES = reverse("triage:rules")


def _rule(world: World, department: Department, keywords: str, **more: object) -> RoutingRule:
    data = RuleData(department=department, keywords=keywords, **more)  # type: ignore[arg-type]
    return create_routing_rule(world.municipality, data, by=None)


def _table(html: str) -> str:
    """The rules table of a page, without the topic and territory choices around it."""
    return html[html.index('<div id="rules-table">') : html.index("</table>")]


def _order(world: World) -> list[tuple[int, str]]:
    rules = RoutingRule.objects.filter(municipality=world.municipality).order_by("position")
    return list(rules.values_list("position", "keywords"))


@pytest.fixture
def three(world: World) -> list[RoutingRule]:
    return [
        _rule(world, world.roads, "яма"),
        _rule(world, world.housing, "отопление"),
        _rule(world, world.education, "школа"),
    ]


@pytest.fixture
def head(client: Client, world: World) -> Client:
    client.force_login(world.head)
    return client


@pytest.fixture
def neighbour_head(world: World) -> User:
    """«руководитель соседнего МЦУ»: may configure the neighbour, not the demo municipality."""
    user = User.objects.create_user(username="neighbour_head", last_name="Соседов")
    Membership.objects.create(user=user, municipality=world.neighbour, role=Role.HEAD)
    return user


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["housing_executor", "operator", "observer", "regional"])
def test_staff_who_may_not_configure_get_403_everywhere(
    client: Client, world: World, three: list[RoutingRule], persona: str
) -> None:
    client.force_login(getattr(world, persona))
    rule = three[0]

    assert client.get(RULES).status_code == 403
    assert client.get(reverse("triage:rule_new")).status_code == 403
    assert client.get(reverse("triage:rule_edit", args=[rule.pk])).status_code == 403
    move = client.post(reverse("triage:rule_move", args=[rule.pk]), {"direction": "down"})
    assert move.status_code == 403
    assert client.post(reverse("triage:rule_delete", args=[rule.pk])).status_code == 403
    assert _order(world) == [(1, "яма"), (2, "отопление"), (3, "школа")]


def test_another_municipalitys_rules_are_not_found_for_its_head(
    client: Client, world: World, three: list[RoutingRule], neighbour_head: User
) -> None:
    client.force_login(neighbour_head)
    rule = three[1]

    assert client.get(RULES).status_code == 200  # their own municipality's rules
    assert client.get(f"{RULES}?municipality={world.municipality.pk}").status_code == 403
    # Another municipality's rule is «not found», like a missing id (issue 9).
    assert client.get(reverse("triage:rule_edit", args=[rule.pk])).status_code == 404
    edit = {"keywords": "взлом", "department": world.roads.pk, "is_active": "on"}
    assert client.post(reverse("triage:rule_edit", args=[rule.pk]), edit).status_code == 404
    assert client.post(reverse("triage:rule_move", args=[rule.pk]), {}).status_code == 404
    assert client.post(reverse("triage:rule_delete", args=[rule.pk])).status_code == 404
    new = {"municipality": world.municipality.pk, "keywords": "x", "department": world.roads.pk}
    assert client.post(reverse("triage:rule_new"), new).status_code == 403
    assert _order(world) == [(1, "яма"), (2, "отопление"), (3, "школа")]


def test_the_services_refuse_an_actor_without_the_right(
    world: World, three: list[RoutingRule]
) -> None:
    with pytest.raises(CatalogError) as refused:
        move_routing_rule(three[0], up=False, by=world.operator)
    assert refused.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(CatalogError):
        delete_routing_rule(three[0], by=world.housing_executor)
    assert _order(world) == [(1, "яма"), (2, "отопление"), (3, "школа")]


def test_settings_are_in_the_menu_only_for_those_who_may_configure(
    client: Client, world: World
) -> None:
    client.force_login(world.head)
    assert f'<a href="{RULES}"' in client.get(reverse("cases:inbox")).content.decode()
    client.force_login(world.operator)
    assert f'<a href="{RULES}"' not in client.get(reverse("cases:inbox")).content.decode()


def test_a_person_who_configures_several_municipalities_picks_one(
    client: Client, world: World, three: list[RoutingRule]
) -> None:
    Membership.objects.create(user=world.head, municipality=world.neighbour, role=Role.HEAD)
    create_routing_rule(
        world.neighbour, RuleData(department=world.neighbour_housing, keywords="свалка"), by=None
    )
    client.force_login(world.head)

    own = client.get(RULES).content.decode()
    other = client.get(f"{RULES}?municipality={world.neighbour.pk}").content.decode()

    assert 'name="municipality"' in own and "Соседний округ" in own
    assert "отопление" in _table(own) and "свалка" not in _table(own)
    assert "свалка" in _table(other) and "отопление" not in _table(other)


# --- the list and the editor ---------------------------------------------------------------------


def test_the_list_shows_rules_in_order_with_their_conditions(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    RoutingRule.objects.filter(pk=three[2].pk).update(
        topic=world.topic_pits.parent, channel=Channel.objects.get(code="telegram")
    )

    response = head.get(RULES)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Правила маршрутизации" in html and "Проверить" in html
    table = _table(html)
    assert table.index("яма") < table.index("отопление") < table.index("школа")
    assert "Комитет по дорогам" in html
    assert "группа тем:</span> Дороги (тест)" in html
    assert "канал:</span> Telegram" in html


def test_an_officer_adds_a_rule_at_the_end(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    response = head.post(
        reverse("triage:rule_new"),
        {
            "municipality": world.municipality.pk,
            "name": "Качели",
            "keywords": " качели ,, горка ",
            "topic": world.topic_pits.pk,
            "department": world.housing.pk,
            "is_active": "on",
        },
    )

    assert response.status_code == 302 and response["Location"] == RULES
    rule = RoutingRule.objects.get(name="Качели")
    assert (rule.position, rule.keywords, rule.topic, rule.department) == (
        4,
        "качели, горка",
        world.topic_pits,
        world.housing,
    )
    assert "Правило №4 добавлено" in head.get(RULES).content.decode()


def test_a_rule_with_no_condition_is_refused_with_a_message(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    response = head.post(
        reverse("triage:rule_new"),
        {"municipality": world.municipality.pk, "keywords": " , ", "department": world.roads.pk},
    )

    assert response.status_code == 400
    assert "Укажите хотя бы одно условие" in response.content.decode()
    assert RoutingRule.objects.count() == 3


def test_an_empty_form_names_every_missing_part_at_once(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    response = head.post(reverse("triage:rule_new"), {"municipality": world.municipality.pk})

    errors = response.context["form"].errors
    assert response.status_code == 400
    assert errors == {"department": ["Обязательное поле."], "__all__": [NO_CONDITION]}
    assert RoutingRule.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"keywords": "яма, ???"}, "keywords", "В ключевых словах нет ни одного слова: «???»."),
        ({"department": ""}, "department", "Обязательное поле."),
    ],
)
def test_an_edit_that_does_not_validate_changes_nothing(
    head: Client,
    world: World,
    three: list[RoutingRule],
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    data = {"keywords": "яма", "department": world.roads.pk, "is_active": "on", **change}

    response = head.post(reverse("triage:rule_edit", args=[three[0].pk]), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors[field] == [message]
    assert _order(world) == [(1, "яма"), (2, "отопление"), (3, "школа")]


def test_the_service_refuses_what_the_form_cannot_offer(world: World) -> None:
    other_place = Territory.objects.create(
        municipality=world.neighbour, name="Чужой посёлок", kind=Territory.Kind.SETTLEMENT
    )
    Department.objects.filter(pk=world.education.pk).update(is_active=False)
    world.education.refresh_from_db()

    with pytest.raises(CatalogError) as refused:
        create_routing_rule(
            world.municipality,
            RuleData(department=world.neighbour_housing, territory=other_place),
            by=None,
        )
    assert refused.value.fields == {
        "department": "Исполнитель из другого МО.",
        "territory": "Территория из другого МО.",
    }
    with pytest.raises(CatalogError) as refused:
        create_routing_rule(
            world.municipality, RuleData(department=world.education, keywords="яма"), by=None
        )
    assert refused.value.fields == {"department": "Исполнитель больше не действует."}
    with pytest.raises(CatalogError) as refused:
        create_routing_rule(world.municipality, RuleData(department=world.roads), by=None)
    assert refused.value.fields == {"__all__": NO_CONDITION}
    assert not RoutingRule.objects.exists()


def test_an_officer_edits_a_rule_in_place(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    page = head.get(reverse("triage:rule_edit", args=[three[1].pk]))
    assert 'value="отопление"' in page.content.decode()

    response = head.post(
        reverse("triage:rule_edit", args=[three[1].pk]),
        {"keywords": "отопление, батареи", "department": world.housing.pk},
    )

    assert response.status_code == 302
    rule = RoutingRule.objects.get(pk=three[1].pk)
    assert (rule.position, rule.keywords, rule.is_active) == (2, "отопление, батареи", False)


def test_moves_by_htmx_answer_with_the_reordered_table(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    url = reverse("triage:rule_move", args=[three[2].pk])

    response = head.post(url, {"direction": "up"}, headers=HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="rules-table">') and "<html" not in html
    assert html.index("школа") < html.index("отопление")
    assert _order(world) == [(1, "яма"), (2, "школа"), (3, "отопление")]
    head.post(reverse("triage:rule_move", args=[three[0].pk]), {"direction": "up"}, headers=HX)
    assert _order(world) == [(1, "яма"), (2, "школа"), (3, "отопление")]


def test_a_move_without_javascript_returns_to_the_page(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    response = head.post(reverse("triage:rule_move", args=[three[0].pk]), {"direction": "down"})

    assert response.status_code == 302 and response["Location"] == RULES
    assert _order(world) == [(1, "отопление"), (2, "яма"), (3, "школа")]


def test_delete_asks_first_then_closes_the_gap(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    url = reverse("triage:rule_delete", args=[three[0].pk])

    confirm = head.get(url)
    assert confirm.status_code == 200
    assert "Удалить правило №1?" in confirm.content.decode()
    assert RoutingRule.objects.count() == 3

    response = head.post(url)

    assert response.status_code == 302
    assert _order(world) == [(1, "отопление"), (2, "школа")]


def test_a_rule_is_switched_off_and_on_without_losing_its_place(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    url = reverse("triage:rule_active", args=[three[1].pk])

    off = head.post(url, {"active": "0"}, headers=HX)
    assert off.status_code == 200 and "включить" in off.content.decode()
    assert RoutingRule.objects.get(pk=three[1].pk).is_active is False
    head.post(url, {"active": "1"}, headers=HX)
    assert RoutingRule.objects.get(pk=three[1].pk).is_active is True
    assert _order(world) == [(1, "яма"), (2, "отопление"), (3, "школа")]


# --- «Проверить» ---------------------------------------------------------------------------------


def test_the_check_box_names_the_rule_that_fires_and_why_those_above_did_not(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    RoutingRule.objects.filter(pk=three[0].pk).update(topic=world.topic_heating)

    response = head.post(
        reverse("triage:rule_check"),
        {"municipality": world.municipality.pk, "text": "Холодное отопление, а во дворе яма"},
        headers=HX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="rule-check-result"')
    assert "Сработает правило №2" in html and "Комитет ЖКХ" in html
    assert "тема обращения не определена" in html
    assert "найдено слово «отопление»" in html
    assert "Правил ниже, до которых очередь не дошла: 1." in html


def test_the_check_box_says_when_no_rule_fires(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    response = head.post(
        reverse("triage:rule_check"),
        {"municipality": world.municipality.pk, "text": "Шумные соседи"},
    )

    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Ни одно правило не сработало" in html
    assert "в тексте нет ни одного из слов: школа" in html


def test_positions_stay_dense_even_after_rows_were_numbered_elsewhere(world: World) -> None:
    for position, word in ((5, "яма"), (9, "отопление")):
        RoutingRule.objects.create(
            municipality=world.municipality,
            department=world.roads,
            keywords=word,
            position=position,
        )

    _rule(world, world.education, "школа")

    assert _order(world) == [(1, "яма"), (2, "отопление"), (3, "школа")]


def test_the_page_reads_the_same_number_of_queries_for_more_rules(
    head: Client, world: World, three: list[RoutingRule]
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert head.get(RULES).status_code == 200
        return len(captured)

    few = queries()
    for word in ("мусор", "снег", "лифт"):
        _rule(
            world, world.housing, word, topic=world.topic_heating, channel=Channel.objects.first()
        )

    assert queries() == few
