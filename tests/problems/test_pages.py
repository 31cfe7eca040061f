"""The problems pages: who sees them, and an officer taking a case out of a problem."""

from typing import Any

from django.test import Client

from tests.personas import World
from tests.problems.test_grouping import CAMPAIGN, _import
from veche.cases.models import Event
from veche.problems.models import Problem


def test_the_mcu_sees_problems_and_takes_a_wrong_case_out(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        cases = _import(world, [CAMPAIGN.format(name="Петров", flat=n) for n in range(3)])
    problem = Problem.objects.get()
    client = Client()
    client.force_login(world.operator)

    listing = client.get("/problems/").content.decode()
    assert problem.title[:30] in listing
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert all(c.number in page for c in cases) and "тот же текст" in page
    card = client.get(f"/cases/{cases[0].pk}/").content.decode()
    assert f"/problems/{problem.pk}/" in card

    reply = client.post(f"/problems/{problem.pk}/cases/{cases[1].pk}/remove/")

    assert reply.status_code == 302
    problem.refresh_from_db()
    assert problem.case_count == 2
    assert Event.objects.filter(case=cases[1], kind="problem", actor=world.operator).exists()


def test_problems_stay_within_their_municipality(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _import(world, [CAMPAIGN.format(name="Петров", flat=n) for n in range(2)])
    problem = Problem.objects.get()
    client = Client()

    client.force_login(world.neighbour_operator)
    assert problem.title[:30] not in client.get("/problems/").content.decode()
    assert client.get(f"/problems/{problem.pk}/").status_code == 404
    client.force_login(world.housing_executor)  # a department sees its cases, not problems
    assert client.get(f"/problems/{problem.pk}/").status_code == 404
    assert client.get("/problems/").status_code == 200
    client.logout()
    assert client.get("/problems/").status_code == 302
