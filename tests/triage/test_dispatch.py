"""Triage routes what it is sure of and leaves the rest in «нужен разбор»: rules first, the
municipality's learned routing next, the place from its gazetteer; every change an Event by
the system, every officer's correction an Event by the officer."""

import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.personas import World, make_case
from veche.cases.models import Case, Event
from veche.cases.selectors import CaseFilter, inbox_cases
from veche.cases.workflow import Status
from veche.catalog.models import RoutingRule
from veche.triage import registry
from veche.triage.gazetteer_store import import_gazetteer
from veche.triage.routing import RoutingCase, RoutingExample, fit_routing

POTHOLE = "Во дворе дома 12 по улице Мира огромная яма, машины бьют подвеску."
PLAYGROUND = "Прошу разобраться, кто отвечает за содержание территории у нашего дома."

GAZETTEER = """kind,name,settlement,street,house,lat,lon,territory
settlement,г. Краснолесск,,,,56.1,47.2,
street,ул. Мира,г. Краснолесск,,,56.11,47.21,
house,,г. Краснолесск,ул. Мира,12,56.112,47.213,
settlement,с. Берёзовка,,,,56.3,47.5,
street,ул. Мира,с. Берёзовка,,,56.31,47.51,
"""


def _analysed(world: World, text: str, capture: Any, **kwargs: Any) -> Case:
    with capture(execute=True):
        case = make_case(world.municipality, text=text, **kwargs)
    return Case.objects.select_related("analysis").get(pk=case.pk)


@pytest.fixture
def pothole_rule(world: World) -> RoutingRule:
    return RoutingRule.objects.create(
        municipality=world.municipality,
        position=1,
        name="Ямы на дорогах",
        keywords="яма, выбоина",
        department=world.roads,
    )


def test_a_rule_routes_a_new_case_by_itself(
    world: World, pothole_rule: RoutingRule, django_capture_on_commit_callbacks: Any
) -> None:
    case = _analysed(world, POTHOLE, django_capture_on_commit_callbacks)

    assert case.department == world.roads and case.status == Status.ASSIGNED
    assert case.analysis.routing_rule == pothole_rule
    assert case.analysis.department_confidence == 1.0 and not case.analysis.needs_review
    assigned = Event.objects.get(case=case, kind=Event.Kind.ASSIGNED)
    assert assigned.actor is None and f"№{pothole_rule.pk}" in assigned.comment


def test_without_a_sure_suggestion_a_case_waits_in_needs_review(
    world: World, pothole_rule: RoutingRule, django_capture_on_commit_callbacks: Any
) -> None:
    waiting = _analysed(world, PLAYGROUND, django_capture_on_commit_callbacks)
    routed = _analysed(world, POTHOLE, django_capture_on_commit_callbacks)

    assert waiting.department is None and waiting.status == Status.NEW
    assert waiting.analysis.needs_review and waiting.analysis.department is None
    queue = inbox_cases(world.operator, CaseFilter(needs_review=True))
    assert list(queue) == [waiting]
    assert routed not in queue

    # The officer routes it by hand: it leaves the queue, and the Event is theirs.
    client = Client()
    client.force_login(world.operator)
    client.post(f"/cases/{waiting.pk}/assign/", {"assign-department": world.housing.pk})
    assert not inbox_cases(world.operator, CaseFilter(needs_review=True)).exists()
    assert Event.objects.get(case=waiting, kind=Event.Kind.ASSIGNED).actor == world.operator
    api = client.get("/api/v1/cases", {"needs_review": "true"}).json()
    assert api["count"] == 0


def test_a_municipality_that_routes_by_hand_gets_suggestions_only(
    world: World, pothole_rule: RoutingRule, django_capture_on_commit_callbacks: Any
) -> None:
    world.municipality.auto_route = False
    world.municipality.save()

    case = _analysed(world, POTHOLE, django_capture_on_commit_callbacks)

    assert case.department is None and case.analysis.department == world.roads
    assert case.analysis.needs_review


def test_a_rule_on_a_guessed_topic_is_only_as_sure_as_the_guess(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    RoutingRule.objects.create(
        municipality=world.municipality,
        position=1,
        topic=world.topic_pits,  # triage never guesses this test topic: no topic, no rule
        department=world.roads,
    )
    world.municipality.auto_route_threshold = 0.99
    world.municipality.save()

    case = _analysed(world, POTHOLE, django_capture_on_commit_callbacks)

    assert case.department is None and case.analysis.needs_review


def test_the_learned_routing_suggests_when_no_rule_fires(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    texts = {
        world.roads.name: ["яма на дороге", "разбитый асфальт", "нет разметки на дороге"],
        world.education.name: ["в школе холодно", "детский сад закрыт", "учитель не пришёл"],
    }
    examples = [
        RoutingExample(RoutingCase(f"{text} {n}"), department, f"2026-01-{n + 1:02d}")
        for department, items in texts.items()
        for text in items
        for n in range(10)
    ]
    stored = registry.store_routing_model(
        fit_routing(examples), world.municipality, report={}, now=timezone.now()
    )
    registry.activate(stored.version, kind=stored.kind, municipality=world.municipality)

    case = _analysed(
        world, "Опять в школе холодно, дети мёрзнут", django_capture_on_commit_callbacks
    )

    assert case.analysis.department == world.education
    assert case.analysis.routing_rule is None
    names = [name for name, _ in case.analysis.suggestions["department"]]
    assert names[0] == world.education.name and world.roads.name in names


def test_a_sure_place_from_the_gazetteer_is_set_on_the_case(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    import_gazetteer(world.municipality, io.BytesIO(GAZETTEER.encode()))

    case = _analysed(
        world, "г. Краснолесск, ул. Мира, д. 12 — во дворе яма", django_capture_on_commit_callbacks
    )

    assert case.analysis.place_level == "house" and not case.analysis.place_unsure
    assert (case.lat, case.lon) == (56.112, 47.213)
    located = Event.objects.get(case=case, kind=Event.Kind.LOCATED)
    assert located.actor is None


def test_an_officer_accepts_a_suggested_place_on_the_card(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    import_gazetteer(world.municipality, io.BytesIO(GAZETTEER.encode()))
    # «ул. Мира» without a settlement: there are two, so the match is unsure and waits.
    case = _analysed(world, "На улице Мира не горят фонари", django_capture_on_commit_callbacks)
    assert case.lat is None and case.analysis.place_unsure

    client = Client()
    client.force_login(world.operator)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Принять место" in page and "не уверен" in page
    client.post(f"/cases/{case.pk}/place/")

    case.refresh_from_db()
    assert case.lat is not None and case.analysis.place_lat == case.lat
    assert Event.objects.get(case=case, kind=Event.Kind.LOCATED).actor == world.operator


def test_the_api_shows_the_suggestions_and_takes_corrections(
    world: World, pothole_rule: RoutingRule, django_capture_on_commit_callbacks: Any
) -> None:
    world.municipality.auto_route = False
    world.municipality.save()
    case = _analysed(world, POTHOLE, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(world.operator)

    analysis = client.get(f"/api/v1/cases/{case.pk}").json()["analysis"]
    assert analysis["department_id"] == world.roads.pk
    assert analysis["routing_rule_id"] == pothole_rule.pk and analysis["needs_review"]

    reply = client.post(
        f"/api/v1/cases/{case.pk}/topic",
        {"topic_id": world.topic_pits.pk},
        content_type="application/json",
    )
    assert reply.status_code == 200 and reply.json()["topic_id"] == world.topic_pits.pk
    changed = Event.objects.get(case=case, kind=Event.Kind.TOPIC_CHANGED)
    assert changed.actor == world.operator

    bad = client.post(
        f"/api/v1/cases/{case.pk}/location",
        {"lat": 95, "lon": 47},
        content_type="application/json",
    )
    assert bad.status_code == 422
    moved = client.post(
        f"/api/v1/cases/{case.pk}/location",
        {"lat": 56.2, "lon": 47.3, "address": "ул. Мира, 12"},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["lat"] == 56.2
