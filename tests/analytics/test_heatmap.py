"""The heat map: cases counted in H3 cells by hand, the share answered late or overdue, the
topic filter, the period's local-day edges, an executor's scope, and bad input as 400."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import h3
import pytest
from django.test import Client

from tests.personas import World, make_case
from veche.analytics.heatmap import CellFigure, cells, topic_table
from veche.analytics.indicators import Filters, Period
from veche.analytics.models import CaseFact
from veche.analytics.rollups import update_rollups
from veche.cases.models import Case
from veche.cases.services import (
    approve_answer,
    assign_case,
    change_status,
    change_topic,
    draft_answer,
    locate_case,
    record_answer_sent,
)
from veche.cases.workflow import Regime, Status
from veche.deadlines.models import Clock
from veche.org.models import Territory, User
from veche.org.services import issue_api_token

pytestmark = pytest.mark.django_db

NOVEMBER = Period.month(2026, 11)
DAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Open cases received on DAY are not overdue an hour later; one received on 2 November is.
NOW = DAY + timedelta(hours=1)
EARLY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ADDRESS = "ул. Ленина, д. 5"

# Three resolution-9 cells: A and its neighbour B share their resolution-8 parent; C lies in
# the next resolution-8 cell.
PARENT = h3.latlng_to_cell(55.7558, 37.6173, 8)
A = h3.cell_to_center_child(PARENT, 9)
B = next(c for c in h3.grid_disk(A, 1) if c != A)
NEXT_PARENT = next(c for c in h3.grid_disk(PARENT, 1) if c != PARENT)
C = h3.cell_to_center_child(NEXT_PARENT, 9)


def _in(cell: str, **kwargs: Any) -> Case:
    """A case whose point is the centre of `cell`."""
    case = make_case(**{"received_at": DAY, **kwargs})
    lat, lon = h3.cell_to_latlng(cell)
    locate_case(case, lat=lat, lon=lon, address_raw=ADDRESS, at=case.received_at, by=None)
    return case


def _figures(actor: User, world: World, resolution: int = 9, **filters: Any) -> dict[str, Any]:
    found = cells(
        actor, world.municipality.pk, NOVEMBER, Filters(**filters), resolution=resolution, now=NOW
    )
    return {f.cell: (f.received, f.late) for f in found}


def _answered_late(world: World, cell: str) -> Case:
    """An appeal answered 40 days after receipt: its 30-day answer clock was missed."""
    case = _in(cell, municipality=world.municipality, regime=Regime.APPEAL, received_at=EARLY)
    assign_case(case, world.housing, by=world.operator, now=EARLY)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=EARLY)
    answer = draft_answer(case, "Ямы засыпаны.", by=world.housing_executor, now=EARLY)
    approve_answer(answer, by=world.head, now=EARLY)
    record_answer_sent(answer, at=EARLY + timedelta(days=40), via="pos")
    return case


def test_cases_are_counted_in_their_cells_and_summed_into_parents(world: World) -> None:
    muni = world.municipality
    for _ in range(2):
        _in(A, municipality=muni)
    _in(B, municipality=muni)
    _in(C, municipality=muni)
    make_case(muni, received_at=DAY)  # no point: on no cell
    update_rollups()

    assert _figures(world.operator, world) == {A: (2, 0), B: (1, 0), C: (1, 0)}
    assert _figures(world.operator, world, resolution=8) == {PARENT: (3, 0), NEXT_PARENT: (1, 0)}
    coarse = _figures(world.operator, world, resolution=7)
    assert sum(received for received, _ in coarse.values()) == 4
    assert set(coarse) == {h3.cell_to_parent(A, 7), h3.cell_to_parent(C, 7)}


def test_the_late_share_counts_a_late_answer_and_an_open_overdue_case_once_each(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    muni = world.municipality
    # The deadlines app starts and stops clocks after each commit.
    with django_capture_on_commit_callbacks(execute=True):
        late = _answered_late(world, A)
        overdue = _in(A, municipality=muni, received_at=EARLY)
        _in(A, municipality=muni)
        _in(A, municipality=muni)
    update_rollups()
    assert CaseFact.objects.get(case=late).answered_in_time is False
    assert Clock.objects.filter(case=overdue, state="running", due_at__lt=NOW).exists()

    found = cells(world.operator, muni.pk, NOVEMBER, Filters(), resolution=9, now=NOW)

    assert [(f.cell, f.received, f.late, f.late_share) for f in found] == [(A, 4, 2, 0.5)]


def test_a_case_answered_late_and_overdue_again_counts_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = _in(A, municipality=world.municipality, received_at=EARLY)
    update_rollups()
    # As if its first answer had been late and it were reopened with a clock past due.
    CaseFact.objects.filter(case=case).update(answered_in_time=False)
    assert Clock.objects.filter(case=case, state="running", due_at__lt=NOW).exists()

    assert _figures(world.operator, world) == {A: (1, 1)}


def test_the_topic_filter_keeps_only_that_topics_cases(world: World) -> None:
    muni = world.municipality
    pit = _in(A, municipality=muni)
    change_topic(pit, world.topic_pits, by=None, now=DAY)
    heating = _in(B, municipality=muni)
    change_topic(heating, world.topic_heating, by=None, now=DAY)
    _in(C, municipality=muni)
    update_rollups()

    assert _figures(world.operator, world, topics=(world.topic_pits.pk,)) == {A: (1, 0)}


def test_the_period_is_made_of_the_municipalitys_local_days(world: World) -> None:
    muni = world.municipality
    # 31.10 20:30 UTC is 31.10 23:30 in Moscow; 21:30 UTC is already 1 November.
    _in(A, municipality=muni, received_at=datetime(2026, 10, 31, 20, 30, tzinfo=UTC))
    _in(B, municipality=muni, received_at=datetime(2026, 10, 31, 21, 30, tzinfo=UTC))
    # 30.11 20:30 UTC is 23:30 in Moscow, still November; 21:30 UTC is 1 December.
    _in(B, municipality=muni, received_at=datetime(2026, 11, 30, 20, 30, tzinfo=UTC))
    _in(C, municipality=muni, received_at=datetime(2026, 11, 30, 21, 30, tzinfo=UTC))
    update_rollups()

    assert _figures(world.operator, world) == {B: (2, 0)}


def test_an_executor_sees_only_their_departments_cells(world: World) -> None:
    muni = world.municipality
    _in(A, municipality=muni, department=world.housing)
    _in(B, municipality=muni, department=world.roads)
    _in(C, municipality=muni)
    _in(C, municipality=world.neighbour)
    update_rollups()

    assert _figures(world.housing_executor, world) == {A: (1, 0)}
    assert _figures(world.roads_executor, world) == {B: (1, 0)}
    assert _figures(world.block_head, world) == {A: (1, 0), B: (1, 0)}
    assert _figures(world.operator, world) == {A: (1, 0), B: (1, 0), C: (1, 0)}
    assert _figures(world.neighbour_operator, world) == {}
    assert _figures(world.nobody, world) == {}


def test_the_cells_take_one_query_however_many_there_are(
    world: World, django_assert_num_queries: Any
) -> None:
    for cell in (A, B, C):
        _in(cell, municipality=world.municipality)
    update_rollups()
    operator = User.objects.get(pk=world.operator.pk)

    with django_assert_num_queries(2):  # the operator's memberships, then the cells
        found = cells(operator, world.municipality.pk, NOVEMBER, Filters(), resolution=8, now=NOW)

    assert len(found) == 2


def test_a_cells_polygon_is_its_h3_boundary() -> None:
    figure = CellFigure(A, 3, 1)

    assert figure.boundary == [(float(a), float(b)) for a, b in h3.cell_to_boundary(A)]
    assert len(figure.boundary) == 6
    assert figure.late_share == pytest.approx(1 / 3)


def test_the_topic_table_keeps_the_biggest_topics_and_folds_small_territories(
    world: World,
) -> None:
    muni = world.municipality
    north = Territory.objects.create(municipality=muni, kind="unit", name="Северный")
    south = Territory.objects.create(municipality=muni, kind="unit", name="Южный")
    for territory, topic, n in (
        (north, world.topic_pits, 3),
        (south, world.topic_pits, 1),
        (south, world.topic_heating, 2),
    ):
        for _ in range(n):
            case = make_case(muni, received_at=DAY)
            Case.objects.filter(pk=case.pk).update(territory=territory)
            change_topic(case, topic, by=None, now=DAY)
    update_rollups()

    table = topic_table(
        world.operator, muni.pk, NOVEMBER, Filters(), top_topics=1, top_territories=1
    )

    assert table.columns == ["прочие"]
    assert [(r.label, r.counts, r.total) for r in table.rows] == [("Ямы во дворах (тест)", [4], 4)]
    assert (table.column_totals, table.total) == ([6], 6)
    assert (table.hidden_topics, table.hidden_cases) == (1, 2)

    wide = topic_table(world.operator, muni.pk, NOVEMBER, Filters())
    assert wide.columns == ["Северный", "Южный"]
    assert [(r.label, r.counts) for r in wide.rows] == [
        ("Ямы во дворах (тест)", [3, 1]),
        ("Отопление (тест)", [0, 2]),
    ]


# --- the page, its GeoJSON and the API ---------------------------------------------------------


def _api(user: User) -> Client:
    _, token = issue_api_token(f"test-{user.username}", user=user)
    return Client(headers={"authorization": f"Bearer {token}"})


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_api_gives_geojson_polygons_and_no_address(world: World) -> None:
    _in(A, municipality=world.municipality)
    _in(A, municipality=world.municipality)
    update_rollups()

    response = _api(world.operator).get("/api/v1/analytics/map/cells?period=2026-11&resolution=9")

    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    [feature] = body["features"]
    ring = feature["geometry"]["coordinates"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert (len(ring), ring[0]) == (7, ring[-1])
    lat, lon = h3.cell_to_latlng(A)
    assert h3.latlng_to_cell(ring[0][1], ring[0][0], 9) in h3.grid_disk(A, 1)
    assert feature["properties"]["centre"] == pytest.approx([lon, lat])
    props = feature["properties"]
    assert (props["cell"], props["received"], props["late"], props["late_share"]) == (A, 2, 0, 0)
    assert ADDRESS not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("period=2026-13", "Период «2026-13» не понят"),
        ("from=2026-11-30&to=2026-11-01", "Конец периода раньше начала"),
        ("from=2026-11-01", "не хватает «to»"),
        ("resolution=10", "Размер ячейки «10» не понят"),
        ("topic=ямы", "«ямы» — не номер"),
        ("municipality=x", "не номер"),
    ],
)
def test_a_malformed_parameter_is_a_400_with_a_russian_message(
    world: World, query: str, words: str
) -> None:
    response = _api(world.operator).get(f"/api/v1/analytics/map/cells?{query}")

    assert response.status_code == 400
    assert words in response.json()["message"]

    page = _signed_in(world.operator).get(f"/analytics/map/cells/?{query}")
    if not query.startswith("municipality"):
        assert page.status_code == 400
        assert words in page.json()["message"]


def test_the_api_refuses_a_municipality_the_user_does_not_see(world: World) -> None:
    response = _api(world.operator).get(
        f"/api/v1/analytics/map/cells?municipality={world.neighbour.pk}"
    )

    assert response.status_code == 403
    assert _api(world.nobody).get("/api/v1/analytics/map/cells").status_code == 403


def test_the_api_scopes_an_executor_to_their_department(world: World) -> None:
    _in(A, municipality=world.municipality, department=world.housing)
    _in(B, municipality=world.municipality, department=world.roads)
    update_rollups()

    body = _api(world.roads_executor).get("/api/v1/analytics/map/cells?period=2026-11&resolution=9")

    assert [f["id"] for f in body.json()["features"]] == [B]


def test_the_pages_cells_link_to_the_cases_behind_each_cell(world: World) -> None:
    case = _in(A, municipality=world.municipality)
    change_topic(case, world.topic_pits, by=None, now=DAY)
    update_rollups()
    topic = world.topic_pits.pk

    response = _signed_in(world.operator).get(
        f"/analytics/map/cells/?period=2026-11&resolution=8&topic={topic}"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    [feature] = json.loads(response.content)["features"]
    assert feature["id"] == PARENT
    assert feature["properties"]["cases_url"] == (
        "/analytics/cases/?indicator=received&from=2026-11-01&to=2026-11-30"
        f"&topic={topic}&cell={PARENT}"
    )


def test_the_map_page_shows_the_form_the_table_and_where_to_fetch_the_cells(
    world: World,
) -> None:
    case = _in(A, municipality=world.municipality)
    change_topic(case, world.topic_pits, by=None, now=DAY)
    make_case(world.municipality, received_at=DAY)
    update_rollups()

    response = _signed_in(world.operator).get(
        "/analytics/map/?period=2026-11&measure=share&resolution=9"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        'data-cells="/analytics/map/cells/?from=2026-11-01&amp;to=2026-11-30&amp;resolution=9"'
        in html
    )
    assert 'data-measure="share"' in html
    assert '<option value="2026-11" selected>ноябрь 2026</option>' in html
    assert "Ямы во дворах (тест)" in html
    assert "Без места на карте: 1" in html
    assert ADDRESS not in html


def test_the_form_keeps_the_filters_it_has_no_control_for(world: World) -> None:
    response = _signed_in(world.operator).get(
        f"/analytics/map/?period=2026-11&department={world.roads.pk}&regime=appeal"
    )

    html = response.content.decode()
    assert f'<input type="hidden" name="department" value="{world.roads.pk}">' in html
    assert '<input type="hidden" name="regime" value="appeal">' in html
    assert (
        f"to=2026-11-30&amp;department={world.roads.pk}&amp;regime=appeal&amp;resolution=8" in html
    )


def test_a_bad_period_on_the_page_says_why_and_shows_the_default(world: World) -> None:
    response = _signed_in(world.operator).get("/analytics/map/?period=осень")

    assert response.status_code == 400
    assert "Период «осень» не понят" in response.content.decode()


def test_the_page_needs_a_role_in_a_municipality(world: World) -> None:
    assert _signed_in(world.nobody).get("/analytics/map/").status_code == 403
    assert _signed_in(world.nobody).get("/analytics/map/cells/").status_code == 403
    assert Client().get("/analytics/map/").status_code == 302
