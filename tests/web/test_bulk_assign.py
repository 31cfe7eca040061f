"""Bulk assignment from the inbox: each case done or failed on its own, reported per case."""

from django.test import Client
from django.urls import reverse

from tests.personas import World, make_case
from tests.web.conftest import HX
from veche.cases.models import Case, Event
from veche.cases.workflow import Status

URL = "/cases/assign/"


def test_bulk_url_is_named() -> None:
    assert reverse("cases:bulk_assign") == URL


def test_operator_assigns_several_cases(client: Client, world: World, neighbour_case: Case) -> None:
    first = make_case(world.municipality, text="Первое")
    second = make_case(world.municipality, text="Второе")
    closed = make_case(world.municipality, text="Третье")
    Case.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    client.force_login(world.operator)
    response = client.post(
        URL,
        {
            "case": [first.pk, second.pk, closed.pk, neighbour_case.pk, "junk"],
            "department": world.roads.pk,
        },
        headers=HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Назначено: 2 — {first.number}, {second.number}." in html
    assert "Не назначено: 2" in html
    assert f"{closed.number}: Нельзя назначить исполнителя в статусе «Закрыто»." in html
    assert f"обращение {neighbour_case.pk}: Обращение не найдено." in html
    assert neighbour_case.number not in html
    for case in (first, second):
        case.refresh_from_db()
        assert (case.status, case.department_id) == (Status.ASSIGNED, world.roads.pk)
        assert case.events.filter(kind=Event.Kind.ASSIGNED, actor=world.operator).count() == 1
    neighbour_case.refresh_from_db()
    closed.refresh_from_db()
    assert (neighbour_case.department_id, neighbour_case.status) == (None, Status.NEW)
    assert (closed.department_id, closed.status) == (None, Status.CLOSED)


def test_bulk_result_keeps_the_filters(client: Client, world: World) -> None:
    case = make_case(world.municipality, text="Яма на дороге")
    make_case(world.municipality, text="Отопление")
    client.force_login(world.operator)
    response = client.post(
        f"{URL}?q=яма", {"case": [case.pk], "department": world.roads.pk}, headers=HX
    )
    html = response.content.decode()
    assert "Найдено: 1" in html
    assert "<html" not in html


def test_bulk_without_js_redirects_with_messages(client: Client, world: World) -> None:
    case = make_case(world.municipality)
    client.force_login(world.operator)
    response = client.post(f"{URL}?status=new", {"case": [case.pk], "department": world.housing.pk})
    assert response.status_code == 302
    assert response["Location"] == "/cases/?status=new"
    html = client.get(response["Location"]).content.decode()
    assert f"Назначено: 1 — {case.number}." in html


def test_nothing_ticked_is_a_readable_error(client: Client, world: World) -> None:
    client.force_login(world.operator)
    response = client.post(URL, {"department": world.housing.pk}, headers=HX)
    assert response.status_code == 400
    assert "Не выбрано ни одного обращения." in response.content.decode()
    response = client.post(URL, {"case": ["1"]}, headers=HX)
    assert response.status_code == 400
    assert "Выберите исполнителя." in response.content.decode()


def test_department_of_another_municipality_is_refused(client: Client, world: World) -> None:
    case = make_case(world.municipality)
    client.force_login(world.operator)
    response = client.post(
        URL, {"case": [case.pk], "department": world.neighbour_housing.pk}, headers=HX
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.department_id is None


def test_people_who_cannot_assign_get_403(client: Client, world: World, housing_case: Case) -> None:
    for persona in (world.observer, world.housing_executor, world.nobody):
        client.force_login(persona)
        response = client.post(
            URL, {"case": [housing_case.pk], "department": world.roads.pk}, headers=HX
        )
        assert response.status_code == 403
    housing_case.refresh_from_db()
    assert housing_case.department_id == world.housing.pk


def test_inbox_offers_bulk_assign_only_to_dispatchers(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.operator)
    assert "Назначить отмеченные" in client.get("/cases/").content.decode()
    client.force_login(world.observer)
    html = client.get("/cases/").content.decode()
    assert "Назначить отмеченные" not in html
    assert 'name="case"' not in html


def test_anonymous_bulk_assign_redirects_to_login(
    client: Client, world: World, housing_case: Case
) -> None:
    response = client.post(URL, {"case": [housing_case.pk], "department": world.roads.pk})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
