"""The public page of a road map: citizens see what is being done, without any personal data;
an unpublished road map does not exist for them; each case of the problem links to it from its
status page."""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import NOW, World, make_case
from veche.cases.models import Case
from veche.intake.views.public import status_url
from veche.org.models import Territory
from veche.problems.models import Problem, Roadmap
from veche.problems.roadmaps import (
    ActionData,
    RoadmapData,
    add_action,
    attach_document,
    create_roadmap,
    update_roadmap,
)
from veche.problems.services import create_problem

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _problem(world: World) -> tuple[Problem, list[Case]]:
    cases = [
        make_case(world.municipality, received_at=NOW - timedelta(days=n), external_id=f"c{n}")
        for n in range(3)
    ]
    problem = create_problem(
        world.municipality,
        title="Ямы у дома 5 по ул. Ленина (Иванов)",
        cases=cases,
        by=world.operator,
        now=NOW,
    )
    return problem, cases


def _published(world: World, problem: Problem, *, public: bool = True) -> Roadmap:
    roadmap = create_roadmap(
        world.municipality,
        RoadmapData(
            title="Ремонт двора дома 5",
            started_on=date(2026, 8, 1),
            problem=problem,
            owner=world.head,
            department=world.roads,
            expected_effect="Сообщений о ямах меньше на 80 % к августу 2027 года",
            target_percent=80,
            target_date=date(2027, 8, 31),
            status=Roadmap.Status.ACTIVE,
            is_public=public,
        ),
        by=world.operator,
        now=NOW,
    )
    action = add_action(
        roadmap,
        ActionData(
            title="Засыпать ямы щебнем",
            due_on=date(2026, 12, 15),
            responsible=world.roads_executor,
            department=world.roads,
            status="in_progress",
            progress=60,
            cost=Decimal("987654.32"),
            note="Позвонить Петрову С. А., тел. +7 900 111-22-33",
        ),
        by=world.operator,
        now=NOW,
    )
    attach_document(
        action, SimpleUploadedFile("договор с ООО Ромашка.pdf", PDF), by=world.operator, now=NOW
    )
    return roadmap


def test_the_public_page_shows_the_work_without_personal_data(world: World) -> None:
    problem, _ = _problem(world)
    world.head.last_name, world.head.first_name = "Кузнецова", "Мария"
    world.head.save()
    roadmap = _published(world, problem)

    reply = Client().get(f"/public/roadmaps/{roadmap.public_key}/")

    assert reply.status_code == 200
    assert reply["X-Robots-Tag"] == "noindex"
    page = reply.content.decode()
    for shown in (
        "Ремонт двора дома 5",
        "Сообщений о ямах меньше на 80 % к августу 2027 года",
        "Засыпать ямы щебнем",
        "Комитет по дорогам",
        "15.12.2026",
        "выполняется",
        'value="60"',
        "Сколько сообщений стало",
    ):
        assert shown in page, shown
    assert '<strong class="messages-total">3</strong>' in page
    for hidden in (
        "Иванов",  # the citizens, and the problem's own title
        "912 345",
        "Во дворе дома 5",  # the citizens' text
        "roads_executor",  # the officials: the owner and the one responsible for the action
        "Кузнецова",
        "Петров",  # the note
        "987",  # the cost
        "Ромашка",  # the documents
        "/problems/",  # no link into the staff area
    ):
        assert hidden not in page, hidden


def test_an_unpublished_or_unknown_road_map_is_not_found(world: World) -> None:
    problem, _ = _problem(world)
    roadmap = _published(world, problem, public=False)
    client = Client()

    assert client.get(f"/public/roadmaps/{roadmap.public_key}/").status_code == 404
    assert client.get(f"/public/roadmaps/{uuid.uuid4()}/").status_code == 404
    assert client.get("/public/roadmaps/not-a-key/").status_code == 404
    assert client.post(f"/public/roadmaps/{roadmap.public_key}/").status_code == 405


def test_each_case_of_the_problem_links_to_the_published_road_map(world: World) -> None:
    problem, cases = _problem(world)
    roadmap = _published(world, problem, public=False)
    stranger = make_case(world.municipality, external_id="other", text="Не вывозят мусор.")
    client = Client()

    before = client.get(status_url(cases[0])).content.decode()
    update_roadmap(
        roadmap,
        RoadmapData(
            title=roadmap.title, started_on=roadmap.started_on, problem=problem, is_public=True
        ),
        by=world.operator,
        now=NOW,
    )

    link = f"/public/roadmaps/{roadmap.public_key}/"
    assert "Что делается по этой проблеме" not in before and link not in before
    for case in cases:
        page = client.get(status_url(case)).content.decode()
        assert "Что делается по этой проблеме" in page and link in page
    assert link not in client.get(status_url(stranger)).content.decode()


def test_a_topic_and_territory_road_map_links_from_the_cases_within_it(world: World) -> None:
    district = Territory.objects.create(
        municipality=world.municipality, kind="district", name="Северный округ"
    )
    quarter = Territory.objects.create(
        municipality=world.municipality, parent=district, kind="neighbourhood", name="Лесной"
    )
    group = world.topic_pits.parent
    roadmap = create_roadmap(
        world.municipality,
        RoadmapData(
            title="Дороги Северного округа",
            started_on=date(2026, 8, 1),
            topic=group,
            territory=district,
            status=Roadmap.Status.ACTIVE,
            is_public=True,
        ),
        by=world.operator,
        now=NOW,
    )
    within = make_case(world.municipality, external_id="in")
    Case.objects.filter(pk=within.pk).update(topic=world.topic_pits, territory=quarter)
    outside = make_case(world.municipality, external_id="out")
    Case.objects.filter(pk=outside.pk).update(topic=world.topic_heating, territory=quarter)
    client = Client()

    link = f"/public/roadmaps/{roadmap.public_key}/"
    assert link in client.get(status_url(within)).content.decode()
    assert link not in client.get(status_url(outside)).content.decode()
