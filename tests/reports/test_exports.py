"""Downloads of the inbox, an indicator's cases and a slice: only the cases the user sees,
personal data masked unless asked for and allowed, and every citizen shown in full logged."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import h3
import pytest
from django.conf import settings
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.personas import NOW, World, make_case
from veche.analytics.indicators import Filters, Indicator, Period
from veche.analytics.rollups import update_rollups
from veche.analytics.slices import Dimension, cut
from veche.cases.models import Case, CaseAnalysis, PersonalDataAccess
from veche.cases.services import (
    AnalysisData,
    CitizenData,
    approve_answer,
    change_status,
    draft_answer,
    record_analyses,
    record_answer_sent,
)
from veche.cases.workflow import Regime, Status
from veche.deadlines.services import start_clocks
from veche.org.models import User
from veche.reports import export_views, exports
from veche.reports.exports import CASE_COLUMNS

pytestmark = pytest.mark.django_db

HEADER = [name for name, _ in CASE_COLUMNS]
PETROV = CitizenData(
    full_name="Петров Пётр Петрович",
    phone="+7 912 345-67-45",
    email="petrov@mail.ru",
    postal_address="ул. Ленина, д. 5, кв. 12",
)
SIDOROVA = CitizenData(full_name="Сидорова Анна", phone="+7 903 111-22-33")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv_rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _xlsx_rows(response: Any) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def _column(rows: list[list[str]], name: str) -> list[str]:
    index = HEADER.index(name)
    return [row[index] for row in rows[1:]]


def _export(user: User, fmt: str = "csv", view: str = "cases", **query: Any) -> Any:
    return _client(user).get(reverse(f"export:{view}", args=[fmt]), query)


@pytest.fixture
def cases(world: World) -> dict[str, Case]:
    """A housing case by Петров, a roads case by Сидорова, one in the neighbour's МО."""
    housing = make_case(world.municipality, department=world.housing, author=PETROV)
    roads = make_case(
        world.municipality,
        department=world.roads,
        author=SIDOROVA,
        received_at=NOW + timedelta(hours=1),
    )
    neighbour = make_case(world.neighbour, department=world.neighbour_housing, author=PETROV)
    return {"housing": housing, "roads": roads, "neighbour": neighbour}


def test_an_executor_gets_only_their_department_masked_and_unlogged(
    world: World, cases: dict[str, Case]
) -> None:
    response = _export(world.housing_executor)

    rows = _csv_rows(response)
    assert rows[0] == HEADER
    assert _column(rows, "Рег. номер") == [cases["housing"].number]
    assert rows[1][HEADER.index("Заявитель") : HEADER.index("Текст") + 1] == [
        "Петров П. П.",
        "'+7 9** ***-**-45",  # a leading «+» is a formula to Excel: kept text
        "p*****@mail.ru",
        "ул. Ленина, д. *, кв. *",
        "",  # not read by the triage pipeline yet: no masked text to give
    ]
    assert PersonalDataAccess.objects.count() == 0


def test_the_masked_text_stands_in_for_the_text(world: World, cases: dict[str, Case]) -> None:
    masked = "Во дворе дома [адрес] ямы, звоните [телефон]"
    record_analyses(
        [(cases["housing"], AnalysisData(model_version="t", masked_text=masked))], at=NOW
    )

    rows = _csv_rows(_export(world.housing_executor))

    assert _column(rows, "Текст") == [masked]


def test_a_head_asking_for_personal_data_gets_it_and_each_citizen_is_logged_once(
    world: World, cases: dict[str, Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    again = make_case(
        world.municipality, author=PETROV, received_at=NOW + timedelta(hours=2), text="Снова ямы."
    )
    monkeypatch.setattr(exports, "CHUNK", 2)  # the same citizen in two chunks

    rows = _xlsx_rows(_export(world.head, "xlsx", pd="1"))

    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {cases["housing"].number, cases["roads"].number, again.number}
    housing = by_number[cases["housing"].number]
    assert housing[HEADER.index("Заявитель") : HEADER.index("Текст") + 1] == [
        PETROV.full_name,
        PETROV.phone,
        PETROV.email,
        PETROV.postal_address,
        cases["housing"].text,
    ]
    logged = set(PersonalDataAccess.objects.values_list("user_id", "citizen_id", "purpose"))
    citizens = {cases["housing"].author_id, cases["roads"].author_id, again.author_id}
    assert logged == {(world.head.pk, citizen, "export") for citizen in citizens}
    assert PersonalDataAccess.objects.count() == len(citizens)


def test_without_asking_even_a_head_gets_masked_data(world: World, cases: dict[str, Case]) -> None:
    rows = _csv_rows(_export(world.head))

    assert sorted(_column(rows, "Заявитель")) == ["Петров П. П.", "Сидорова А."]
    assert PersonalDataAccess.objects.count() == 0


def test_personal_data_asked_for_without_the_right_stay_masked(
    world: World, cases: dict[str, Case]
) -> None:
    rows = _csv_rows(_export(world.observer, pd="1"))

    assert sorted(_column(rows, "Заявитель")) == ["Петров П. П.", "Сидорова А."]
    assert PersonalDataAccess.objects.count() == 0


def test_an_executor_may_ask_for_their_own_departments_personal_data(
    world: World, cases: dict[str, Case]
) -> None:
    rows = _csv_rows(_export(world.housing_executor, pd="1"))

    assert _column(rows, "Заявитель") == [PETROV.full_name]
    assert list(PersonalDataAccess.objects.values_list("user_id", "case_id")) == [
        (world.housing_executor.pk, cases["housing"].pk)
    ]


def test_csv_is_streamed_for_a_russian_excel(world: World, cases: dict[str, Case]) -> None:
    response = _export(world.head)

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _csv_rows(response)
    assert rows[0] == HEADER
    # Newest first, as the inbox sorts; local time of the municipality (Moscow, UTC+3).
    assert _column(rows, "Поступило") == ["23.11.2026 13:00", "23.11.2026 12:00"]
    assert _column(rows, "Статус") == ["Назначено"] * 2


def test_xlsx_has_the_header_and_every_row(world: World, cases: dict[str, Case]) -> None:
    for hour in range(3):
        make_case(world.municipality, received_at=NOW - timedelta(hours=hour + 1))

    response = _export(world.head, "xlsx")

    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == export_views.XLSX_TYPE
    rows = _xlsx_rows(response)
    assert rows[0] == HEADER
    assert len(rows) == 1 + 5
    local = datetime.fromisoformat("2026-11-23T13:00")  # naive: spreadsheets have no zones
    assert rows[1][HEADER.index("Поступило")] == local


def test_local_time_is_each_municipalitys_own(world: World, cases: dict[str, Case]) -> None:
    rows = _csv_rows(_export(world.regional))

    received = dict(zip(_column(rows, "Рег. номер"), _column(rows, "Поступило"), strict=True))
    assert received[cases["housing"].number] == "23.11.2026 12:00"  # Moscow
    assert received[cases["neighbour"].number] == "23.11.2026 15:00"  # Omsk


def test_the_inbox_filters_are_carried_over(world: World, cases: dict[str, Case]) -> None:
    change_status(cases["roads"], Status.IN_WORK, by=world.roads_executor, now=NOW)

    by_department = _csv_rows(_export(world.head, department=world.roads.pk))
    by_status = _csv_rows(_export(world.head, status="assigned"))
    other_municipality = _export(world.head, department=world.neighbour_housing.pk)

    assert _column(by_department, "Рег. номер") == [cases["roads"].number]
    assert _column(by_status, "Рег. номер") == [cases["housing"].number]
    # Not a department the head may choose: the inbox page drops such a filter with a
    # warning; a download would hold more than asked for, so it is refused.
    assert other_municipality.status_code == 400
    assert other_municipality.content.decode() == (
        "Не удалось разобрать условия отбора: Исполнитель."
    )


def test_a_citizen_text_never_becomes_a_formula(world: World, cases: dict[str, Case]) -> None:
    formula = '=HYPERLINK("http://example.com","жми")'
    record_analyses(
        [(cases["housing"], AnalysisData(model_version="t", masked_text=formula))], at=NOW
    )

    text_csv = _column(_csv_rows(_export(world.housing_executor)), "Текст")
    response = _export(world.housing_executor, "xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cell = book.active.cell(row=2, column=HEADER.index("Текст") + 1)

    assert text_csv == ["'" + formula]
    assert (cell.value, cell.data_type) == (formula, "s")


def test_too_many_cases_are_refused_with_a_reason(
    world: World, cases: dict[str, Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_views, "EXPORT_LIMIT", 1)
    monkeypatch.setattr(export_views, "XLSX_LIMIT", 1)

    as_csv, as_xlsx = _export(world.head), _export(world.head, "xlsx")

    assert (as_csv.status_code, as_xlsx.status_code) == (400, 400)
    assert as_csv.content.decode() == (
        "Отобрано больше 1 обращений — столько за один раз в CSV не выгрузить. Уточните "
        "условия отбора (период, статус, исполнитель) и скачайте частями."
    )
    assert as_xlsx.content.decode().endswith("скачайте частями. В CSV — до 1 строк.")


def test_xlsx_has_a_lower_cap_than_csv(
    world: World, cases: dict[str, Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_views, "XLSX_LIMIT", 1)

    assert _export(world.head, "xlsx").status_code == 400
    assert _export(world.head, "csv").status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in(cases: dict[str, Case]) -> None:
    response = Client().get(reverse("export:cases", args=["csv"]))

    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


# --- analytics --------------------------------------------------------------------------


def test_the_cases_behind_an_indicator_are_the_visible_ones(
    world: World, cases: dict[str, Case]
) -> None:
    update_rollups()

    head = _csv_rows(
        _export(world.head, view="analytics_cases", indicator="received", period="2026-11")
    )
    executor = _csv_rows(
        _export(
            world.housing_executor, view="analytics_cases", indicator="received", period="2026-11"
        )
    )

    assert sorted(_column(head, "Рег. номер")) == sorted(
        [cases["housing"].number, cases["roads"].number]
    )
    assert _column(executor, "Рег. номер") == [cases["housing"].number]
    assert _column(executor, "Заявитель") == ["Петров П. П."]


def test_a_slice_exports_the_values_of_the_cut(world: World, cases: dict[str, Case]) -> None:
    make_case(world.municipality, department=world.housing, channel="email")
    update_rollups()
    period = Period.month(2026, 11)
    table = cut(
        Indicator.RECEIVED, world.head, world.municipality.pk, period, Filters(),
        Dimension.DEPARTMENT, Dimension.CHANNEL, now=NOW,
    )  # fmt: skip

    rows = _xlsx_rows(
        _export(
            world.head,
            "xlsx",
            "slice",
            indicator="received",
            rows="department",
            columns="channel",
            period="2026-11",
        )
    )

    assert [row[0] for row in rows[:4]] == [
        "Поступило — Демо муниципальный округ",
        "Период: 01.11.2026 — 30.11.2026",
        "Отбор: нет",
        None,
    ]
    header, body = rows[4], rows[5:]
    assert header == [
        "Исполнитель \\ канал",
        *(label for _, label in table.columns),
        "Итого",
    ]
    expected = [
        [label, *(table.value(key, c) for c, _ in table.columns), table.row_totals[key]]
        for key, label in table.rows
    ]
    assert body == expected
    assert [row[-1] for row in body] == [2, 1]  # ЖКХ: two cases, roads: one


def test_a_share_is_a_percentage_in_csv(world: World, cases: dict[str, Case]) -> None:
    update_rollups()

    rows = _csv_rows(
        _export(
            world.head,
            "csv",
            "slice",
            indicator="repeats",
            rows="department",
            period="2026-11",
            department=world.roads.pk,
        )
    )

    assert rows[2] == ["Отбор: исполнитель: Комитет по дорогам"]
    assert rows[4] == ["Исполнитель", "Повторные, %"]
    assert rows[5] == ["Комитет по дорогам", "0,0%"]


@pytest.mark.parametrize(
    ("view", "query", "message"),
    [
        ("cases", {"received_from": "2026-02-30"}, "Поступило с"),
        ("cases", {"status": "nonsense"}, "Статус"),
        ("slice", {"indicator": "received", "rows": "topic", "period": "2026-13"}, "Период"),
        ("slice", {"indicator": "received", "rows": "topic", "from": "2026-11-01"}, "даты"),
        ("slice", {"indicator": "nonsense", "rows": "topic"}, "Показатель"),
        ("slice", {"indicator": "received", "rows": "color"}, "Разрез не понят"),
        ("slice", {"rows": "topic", "columns": "topic"}, "один и тот же разрез"),
        ("slice", {"indicator": "overdue_now", "rows": "month"}, "текущий момент"),
        ("slice", {"indicator": "received", "rows": "topic", "department": "x"}, "не номер"),
        ("analytics_cases", {"indicator": "nonsense"}, "Показатель"),
        ("analytics_cases", {"indicator": "received", "cell": "x"}, "Ячейка карты"),
        ("analytics_cases", {"indicator": "received", "period": "вчера"}, "Период"),
    ],
)
def test_a_malformed_parameter_is_a_400_with_a_reason(
    world: World, view: str, query: dict[str, str], message: str
) -> None:
    for fmt in ("csv", "xlsx"):
        response = _export(world.head, fmt, view, **query)

        assert response.status_code == 400
        assert message in response.content.decode()


def test_analytics_exports_need_a_role_in_a_municipality(world: World) -> None:
    response = _export(world.nobody, view="slice", indicator="received", rows="topic")

    assert response.status_code == 403


def test_the_answer_deadline_and_sending_are_in_local_time(world: World) -> None:
    case = make_case(world.municipality, regime=Regime.APPEAL, department=world.housing)
    start_clocks([case.pk])
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    answer = draft_answer(case, "Ямы засыпаны.", by=world.housing_executor, now=NOW)
    approve_answer(answer, by=world.head, now=NOW)
    record_answer_sent(answer, at=datetime(2026, 11, 25, 21, 30, tzinfo=UTC), via="pos")

    rows = _csv_rows(_export(world.head))

    assert _column(rows, "Срок ответа") == ["23.12.2026"]
    assert _column(rows, "Ответ направлен") == ["26.11.2026 00:30"]


def test_a_case_without_an_author_has_empty_personal_data(world: World) -> None:
    case = make_case(world.municipality, department=world.housing)
    Case.objects.filter(pk=case.pk).update(author=None)
    CaseAnalysis.objects.filter(case=case).delete()

    rows = _csv_rows(_export(world.head, pd="1"))

    assert rows[1][HEADER.index("Заявитель") : HEADER.index("Адрес заявителя") + 1] == [""] * 4
    assert PersonalDataAccess.objects.count() == 0


def test_a_map_cell_narrows_the_cases_like_the_drill_down(
    world: World, cases: dict[str, Case]
) -> None:
    Case.objects.filter(pk=cases["housing"].pk).update(lat=55.75, lon=37.62)
    update_rollups()
    cell = h3.latlng_to_cell(55.75, 37.62, 7)

    rows = _csv_rows(_export(world.head, view="analytics_cases", period="2026-11", cell=cell))

    assert _column(rows, "Рег. номер") == [cases["housing"].number]


def test_the_inbox_links_to_its_export_with_its_filters(
    world: World, cases: dict[str, Case]
) -> None:
    page = _client(world.head).get(reverse("cases:inbox"), {"department": world.roads.pk})

    html = page.content.decode()
    for fmt in ("xlsx", "csv"):
        assert f'href="{reverse("export:cases", args=[fmt])}?department={world.roads.pk}"' in html


def test_the_queries_do_not_grow_with_the_number_of_cases(world: World) -> None:
    def queries() -> int:
        client = _client(world.head)
        with CaptureQueriesContext(connection) as captured:
            b"".join(client.get(reverse("export:cases", args=["csv"]), {"pd": "1"}))
        return len(captured)

    for _ in range(2):
        make_case(world.municipality, department=world.housing)
    few = queries()
    for _ in range(4):
        make_case(world.municipality, department=world.roads)

    assert queries() == few
