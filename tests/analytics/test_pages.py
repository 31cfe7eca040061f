"""The dashboard, the cases behind a figure, slices with saved views, and their API, on the
hand-counted October (october.py)."""

from typing import Any

import pytest
from django.test import Client

from tests.personas import World
from veche.analytics.models import SavedView
from veche.cases.models import Case
from veche.org.services import issue_api_token

pytestmark = pytest.mark.django_db

OCTOBER = "from=2026-10-01&to=2026-10-31"


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> Client:
    _, token = issue_api_token(f"test-{user.username}", user=user)
    return Client(headers={"authorization": f"Bearer {token}"})


def test_the_dashboard_shows_each_figure_and_its_change(
    world: World, october: dict[str, Case]
) -> None:
    page = _signed_in(world.head).get(f"/analytics/?{OCTOBER}")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Поступило" in html
    assert ">7<" in html  # received in October
    assert "+250\u00a0%" in html  # against 2 in September
    assert "83\u00a0%" in html  # in time: 5 of 6
    assert "Просрочено сейчас" in html
    assert "к периоду 01.09.2026 — 30.09.2026" in html
    assert "01.10–04.10 (неполная)" in html  # the week of 28.09, as far as it is October


def test_a_figure_leads_to_the_cases_behind_it(world: World, october: dict[str, Case]) -> None:
    client = _signed_in(world.head)

    late = client.get(f"/analytics/cases/?indicator=in_time&{OCTOBER}").content.decode()
    overdue = client.get(f"/analytics/cases/?indicator=overdue_now&{OCTOBER}").content.decode()

    assert october["E"].number in late
    assert october["F"].number not in late
    assert october["G"].number in overdue
    assert "Всего: 1." in overdue


def test_an_executor_sees_only_the_figures_of_their_department(
    world: World, october: dict[str, Case]
) -> None:
    html = _signed_in(world.roads_executor).get(f"/analytics/cases/?{OCTOBER}").content.decode()

    assert october["B"].number in html
    assert october["E"].number not in html


def test_a_bad_parameter_is_said_and_the_page_still_works(world: World) -> None:
    page = _signed_in(world.head).get("/analytics/?period=2026-13")

    assert page.status_code == 200
    assert "Период «2026-13» не понят" in page.content.decode()


def test_a_slice_by_two_dimensions_can_be_saved_and_reopened(
    world: World, october: dict[str, Case]
) -> None:
    client = _signed_in(world.head)
    query = f"indicator=received&rows=department&columns=regime&{OCTOBER}"

    page = client.get(f"/analytics/slices/?{query}").content.decode()
    saved = client.post("/analytics/slices/save/", {"name": "Режимы", "query": query})

    assert world.housing.name in page and "Обращение (59-ФЗ)" in page
    assert saved.status_code == 302
    view = SavedView.objects.get(user=world.head)
    assert view.query == query
    assert "Режимы" in client.get("/analytics/slices/").content.decode()
    assert not SavedView.objects.filter(user=world.operator).exists()
    assert (
        _signed_in(world.operator).post(f"/analytics/slices/{view.pk}/delete/").status_code == 404
    )


def test_a_slice_of_overdue_now_by_time_is_refused_politely(world: World) -> None:
    page = _signed_in(world.head).get("/analytics/slices/?indicator=overdue_now&rows=month")

    assert page.status_code == 200
    assert "на текущий момент" in page.content.decode()


def test_the_api_gives_the_dashboard_and_slices(world: World, october: dict[str, Case]) -> None:
    client = _api(world.head)

    dashboard = client.get(f"/api/v1/analytics/dashboard?{OCTOBER}").json()
    received = next(f for f in dashboard["figures"] if f["indicator"] == "received")
    table = client.get(
        f"/api/v1/analytics/slice?indicator=in_time&rows=department&{OCTOBER}"
    ).json()

    assert (received["value"], received["previous"]) == (7.0, 2.0)
    assert dashboard["previous_start"] == "2026-09-01"
    housing = next(c for c in table["cells"] if c["row"] == world.housing.pk)
    assert housing["value"] == pytest.approx(3 / 4)  # A F H in time, E late


@pytest.mark.parametrize(
    "query",
    [
        "period=2026-Q5",
        "from=2026-10-01",
        "from=2026-10-31&to=2026-10-01",
        "topic=abc",
        "regime=unknown",
        "indicator=nonsense",
        "rows=month&columns=month",
        "indicator=overdue_now&rows=week",
        "municipality=x",
    ],
)
def test_the_api_answers_a_malformed_request_with_400(world: World, query: str) -> None:
    endpoint = "slice" if "indicator" in query or "rows" in query else "dashboard"

    reply = _api(world.head).get(f"/api/v1/analytics/{endpoint}?{query}")

    assert reply.status_code == 400
    assert reply.json()["message"]


def test_the_api_refuses_another_municipality(world: World) -> None:
    reply = _api(world.operator).get(
        f"/api/v1/analytics/dashboard?municipality={world.neighbour.pk}"
    )

    assert reply.status_code == 403
