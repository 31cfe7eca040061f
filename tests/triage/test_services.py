"""Registered cases are analysed after their transaction commits, and the card shows it."""

from typing import Any

from django.test import Client

from tests.personas import NOW, World, make_case
from veche.cases.models import CaseAnalysis, Event
from veche.cases.services import CaseDraft, Step, record_cases
from veche.cases.workflow import Regime
from veche.catalog.models import Channel

GAS = "В подъезде дома 5 по ул. Ленина сильно пахнет газом! Звоните 8 900 123-45-67"


def test_a_new_case_is_analysed_once_it_is_committed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(world.municipality, text=GAS)

    analysis = CaseAnalysis.objects.get(case=case)
    assert analysis.urgent and analysis.urgency_reasons[0]["code"] == "gas"
    assert (analysis.street, analysis.house) == ("улица Ленина", "5")
    assert [p["kind"] for p in analysis.personal_data] == ["phone"]
    assert "8 900" not in analysis.masked_text and "[телефон]" in analysis.masked_text
    assert analysis.model_version
    assert analysis.suggestions["category"][0][1] >= analysis.suggestions["category"][-1][1]
    # Storing suggestions changes nothing about the case: no event.
    assert list(case.events.values_list("kind", flat=True)) == [Event.Kind.CREATED]


def test_a_bulk_import_is_analysed_in_the_task_queue(
    world: World, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.VECHE_TRIAGE_INLINE = 1  # two cases: more than inline, so through the queue
    channel = Channel.objects.get(code="im")
    drafts: list[tuple[CaseDraft, list[Step]]] = [
        (CaseDraft(channel, Regime.INCIDENT, text, NOW, external_id=f"x{n}"), [])
        for n, text in enumerate([GAS, "Во дворе сломаны качели на детской площадке"])
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = record_cases(world.municipality, drafts, by=None)

    analyses = CaseAnalysis.objects.filter(case_id__in=result.case_ids).order_by("case_id")
    assert [a.urgent for a in analyses] == [True, False]


def test_the_card_shows_the_analysis_to_those_who_work_on_the_case(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(world.municipality, text=GAS)
    client = Client()
    client.force_login(world.operator)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Разбор текста" in page and "Срочно" in page

    client.force_login(world.observer)
    assert "Разбор текста" not in client.get(f"/cases/{case.pk}/").content.decode()


def test_urgent_cases_are_marked_and_filtered_in_the_inbox_and_the_api(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        gas = make_case(world.municipality, text=GAS)
        swings = make_case(world.municipality, text="Во дворе сломаны качели на детской площадке")
    client = Client()
    client.force_login(world.operator)

    page = client.get("/cases/", {"urgent": "on"}).content.decode()
    assert gas.number in page and swings.number not in page
    assert "Срочно: Запах газа" in page

    listed = client.get("/api/v1/cases", {"urgent": "true"}).json()
    assert [item["number"] for item in listed["items"]] == [gas.number]
    detail = client.get(f"/api/v1/cases/{swings.pk}").json()
    analysis = detail["analysis"]
    assert analysis["urgent"] is False and analysis["model_version"]
    names = [name for name, _ in analysis["suggestions"]["category"]]
    assert names[0] == "Благоустройство"


def test_accepting_the_suggested_topic_is_an_ordinary_change_with_its_event(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(world.municipality, text="Во дворе сломаны качели на детской площадке")
    analysis = CaseAnalysis.objects.get(case=case)
    analysis.topic = world.topic_pits  # a topic of this test world stands in for the guess
    analysis.save()
    client = Client()
    client.force_login(world.operator)

    card = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Принять первую тему" in card
    assert f'name="topic-topic" value="{world.topic_pits.pk}"' in card
    client.post(f"/cases/{case.pk}/topic/", {"topic-topic": world.topic_pits.pk})

    case.refresh_from_db()
    assert case.topic == world.topic_pits
    changed = case.events.get(kind=Event.Kind.TOPIC_CHANGED)
    assert changed.actor == world.operator
    assert "Принять первую тему" not in client.get(f"/cases/{case.pk}/").content.decode()
