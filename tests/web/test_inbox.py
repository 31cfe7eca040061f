"""The inbox: visibility, filters, search in word forms, sorting, pages, masked authors."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.personas import NOW, World, make_case
from tests.web.conftest import HX
from veche.cases.models import Case
from veche.cases.services import CitizenData
from veche.cases.views import lists
from veche.cases.workflow import Regime

INBOX = "/cases/"


def numbers(html: str) -> list[str]:
    """The case numbers of the table, in the order shown."""
    return re.findall(r'<td class="number"><a href="/cases/\d+/">([^<]+)</a>', html)


def test_inbox_url_is_named() -> None:
    assert reverse("cases:inbox") == INBOX


def test_operator_sees_every_case_of_the_municipality(
    client: Client, world: World, housing_case: Case, neighbour_case: Case
) -> None:
    roads_case = make_case(world.municipality, department=world.roads)
    client.force_login(world.operator)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert sorted(numbers(response.content.decode())) == sorted(
        [housing_case.number, roads_case.number]
    )


def test_department_executor_sees_only_own_department(
    client: Client, world: World, housing_case: Case
) -> None:
    make_case(world.municipality, department=world.roads)
    client.force_login(world.housing_executor)
    assert numbers(client.get(INBOX).content.decode()) == [housing_case.number]


def test_neighbour_operator_sees_only_own_municipality(
    client: Client, world: World, housing_case: Case, neighbour_case: Case
) -> None:
    client.force_login(world.neighbour_operator)
    assert numbers(client.get(INBOX).content.decode()) == [neighbour_case.number]


def test_user_without_roles_sees_nothing(client: Client, world: World, housing_case: Case) -> None:
    client.force_login(world.nobody)
    html = client.get(INBOX).content.decode()
    assert numbers(html) == []
    assert "Ничего не найдено" in html
    assert "Найдено: 0" in html


def test_row_shows_the_columns(client: Client, world: World, housing_case: Case) -> None:
    client.force_login(world.operator)
    html = client.get(INBOX).content.decode()
    # 09:00 UTC is 12:00 in Moscow, the municipality's zone.
    assert "23.11.2026 12:00" in html
    assert "ПОС (Госуслуги)" in html
    assert ">сообщение</td>" in html
    assert "Комитет ЖКХ" in html
    assert '<span class="badge st-assigned">Назначено</span>' in html


def test_times_are_shown_in_the_zone_of_the_case_municipality(
    client: Client, world: World, neighbour_case: Case
) -> None:
    client.force_login(world.neighbour_operator)
    # Omsk is UTC+6.
    assert "23.11.2026 15:00" in client.get(INBOX).content.decode()


def test_list_shows_the_author_masked(client: Client, world: World, housing_case: Case) -> None:
    client.force_login(world.operator)
    html = client.get(INBOX).content.decode()
    assert "Иванов И. И." in html
    assert "Иванов Иван Иванович" not in html
    assert "345-67-45" not in html


def test_search_finds_other_word_forms(client: Client, world: World) -> None:
    pit = make_case(world.municipality, text="На улице Мира огромная яма у остановки.")
    make_case(world.municipality, text="В квартире холодно, не работает отопление.")
    client.force_login(world.operator)
    response = client.get(INBOX, {"q": "ямы"})
    assert response.status_code == 200
    assert numbers(response.content.decode()) == [pit.number]


def test_search_by_number(client: Client, world: World, housing_case: Case) -> None:
    make_case(world.municipality, text="Другое обращение")
    client.force_login(world.operator)
    html = client.get(INBOX, {"q": housing_case.number}).content.decode()
    assert numbers(html) == [housing_case.number]


def test_filter_by_several_statuses(client: Client, world: World, housing_case: Case) -> None:
    new = make_case(world.municipality, text="Новое сообщение о мусоре")
    make_case(world.municipality, text="Третье", department=world.roads)
    client.force_login(world.operator)
    html = client.get(INBOX, {"status": ["new", "registered"]}).content.decode()
    assert numbers(html) == [new.number]
    html = client.get(f"{INBOX}?status=new&status=assigned").content.decode()
    assert len(numbers(html)) == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"regime": "appeal"}, "appeal"),
        ({"channel": "email"}, "email"),
        ({"department": "roads"}, "roads"),
        ({"block": "social"}, "education"),
    ],
)
def test_filters_narrow_the_list(
    client: Client, world: World, params: dict[str, str], expected: str
) -> None:
    cases = {
        "appeal": make_case(world.municipality, text="Жалоба", regime=Regime.APPEAL),
        "email": make_case(world.municipality, text="Письмо", channel="email"),
        "roads": make_case(world.municipality, text="Дорога", department=world.roads),
        "education": make_case(world.municipality, text="Школа", department=world.education),
    }
    ids = {"roads": world.roads.pk, "social": world.social_block.pk}
    query = {key: str(ids.get(value, value)) for key, value in params.items()}
    client.force_login(world.operator)
    assert numbers(client.get(INBOX, query).content.decode()) == [cases[expected].number]


def test_filter_by_topic_includes_its_group(client: Client, world: World) -> None:
    case = make_case(world.municipality, text="Яма во дворе")
    Case.objects.filter(pk=case.pk).update(topic=world.topic_pits)
    make_case(world.municipality, text="Без темы")
    client.force_login(world.operator)
    for topic in (world.topic_pits, world.topic_pits.parent):
        assert topic is not None
        html = client.get(INBOX, {"topic": topic.pk}).content.decode()
        assert numbers(html) == [case.number]


def test_filter_by_period_uses_local_days(client: Client, world: World) -> None:
    # 22:30 UTC on the 22nd is already the 23rd in Moscow.
    late = make_case(
        world.municipality, text="Поздно", received_at=NOW - timedelta(hours=10, minutes=30)
    )
    early = make_case(world.municipality, text="Раньше", received_at=NOW - timedelta(days=3))
    client.force_login(world.operator)
    html = client.get(
        INBOX, {"received_from": "2026-11-23", "received_to": "2026-11-23"}
    ).content.decode()
    assert numbers(html) == [late.number]
    html = client.get(INBOX, {"received_to": "2026-11-22"}).content.decode()
    assert numbers(html) == [early.number]


def test_sorting_by_number_both_ways(client: Client, world: World) -> None:
    created = [make_case(world.municipality, text=f"Случай {i}").number for i in range(3)]
    client.force_login(world.operator)
    assert numbers(client.get(INBOX, {"sort": "number"}).content.decode()) == created
    assert numbers(client.get(INBOX, {"sort": "-number"}).content.decode()) == created[::-1]


def test_default_order_is_newest_first(client: Client, world: World) -> None:
    old = make_case(world.municipality, text="Старое", received_at=NOW - timedelta(days=1))
    new = make_case(world.municipality, text="Новое")
    client.force_login(world.operator)
    assert numbers(client.get(INBOX).content.decode()) == [new.number, old.number]


def test_pages_of_fifty(client: Client, world: World) -> None:
    for i in range(53):
        make_case(world.municipality, text=f"Обращение {i}", received_at=NOW - timedelta(minutes=i))
    client.force_login(world.operator)
    first = client.get(INBOX).content.decode()
    second = client.get(INBOX, {"page": "2"}).content.decode()
    assert len(numbers(first)) == 50
    assert len(numbers(second)) == 3
    assert not set(numbers(first)) & set(numbers(second))
    assert "Найдено: 53" in first
    assert '<span class="current" aria-current="page">2</span>' in second


def test_count_is_capped(client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lists, "COUNT_LIMIT", 3)
    for i in range(5):
        make_case(world.municipality, text=f"Обращение {i}")
    client.force_login(world.operator)
    html = client.get(INBOX).content.decode()
    assert "Найдено: более 3" in html


def test_big_count_is_written_with_a_space(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists, "count_up_to", lambda qs, limit: (10_000, True))
    client.force_login(world.operator)
    assert "Найдено: более 10\u00a0000" in client.get(INBOX).content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "topic=abc",
        "status=nonsense",
        "status=new&status=%00",
        "page=-3",
        "page=abc",
        "page=99999999999999999999999999",
        "page=" + "9" * 5000,
        "department=99999999999999999999999",
        "territory=-1",
        "block=1.5",
        "regime=law",
        "channel=pigeon",
        "received_from=2026-13-45",
        "received_from=0001-01-01",
        "received_to=9999-12-31",
        "sort=password",
        "sort=-text",
        "q=" + "%22" * 50,
        "q=AND OR NOT * ( ) NEAR",
        "q=" + "я" * 500,
    ],
)
def test_bad_parameters_give_a_page(
    client: Client, world: World, housing_case: Case, query: str
) -> None:
    client.force_login(world.operator)
    response = client.get(f"{INBOX}?{query}")
    assert response.status_code == 200
    assert "Входящие" in response.content.decode()


def test_ignored_filters_are_named(client: Client, world: World, housing_case: Case) -> None:
    client.force_login(world.operator)
    html = client.get(INBOX, {"topic": "abc", "status": "nonsense"}).content.decode()
    assert "Не удалось разобрать и не учтено: Статус, Тема." in html
    assert numbers(html) == [housing_case.number]


def test_departments_of_another_municipality_are_not_offered(client: Client, world: World) -> None:
    client.force_login(world.operator)
    html = client.get(INBOX).content.decode()
    assert "Комитет по дорогам" in html
    assert "Отдел ЖКХ соседей" not in html
    html = client.get(INBOX, {"department": world.neighbour_housing.pk}).content.decode()
    assert "не учтено: Исполнитель" in html


def test_htmx_request_gets_only_the_results(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.operator)
    page = client.get(INBOX)
    fragment = client.get(INBOX, headers=HX)
    assert page.content.decode().startswith("<!DOCTYPE html>")
    html = fragment.content.decode()
    assert "<html" not in html
    assert 'id="inbox-filter"' not in html
    assert numbers(html) == [housing_case.number]
    assert "HX-Request" in fragment["Vary"]
    assert "HX-Request" in page["Vary"]


def test_history_restore_gets_the_whole_page(client: Client, world: World) -> None:
    client.force_login(world.operator)
    response = client.get(INBOX, headers={**HX, "HX-History-Restore-Request": "true"})
    assert response.content.decode().startswith("<!DOCTYPE html>")


def test_filter_form_works_by_htmx_and_by_plain_get(client: Client, world: World) -> None:
    client.force_login(world.operator)
    html = client.get(INBOX).content.decode()
    assert 'method="get" action="/cases/"' in html
    assert 'hx-get="/cases/" hx-target="#inbox-results" hx-push-url="true"' in html


def test_citizen_text_never_reaches_the_list(client: Client, world: World) -> None:
    make_case(
        world.municipality,
        text="Меня зовут Пётр Сидоров, телефон 89120001122",
        author=CitizenData(full_name="Сидоров Пётр Ильич", email="sidorov@mail.ru"),
    )
    client.force_login(world.operator)
    html = client.get(INBOX).content.decode()
    assert "Сидоров П. И." in html
    for secret in ("89120001122", "sidorov@mail.ru", "Пётр Ильич"):
        assert secret not in html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_inbox_queries_do_not_grow_with_rows(client: Client, world: World) -> None:
    make_case(world.municipality, text="Первое", department=world.housing)
    client.force_login(world.operator)
    few = _queries(client, INBOX)
    for i in range(15):
        make_case(world.municipality, text=f"Ещё {i}", department=world.roads if i % 2 else None)
    assert _queries(client, INBOX) == few
