"""The reports pages: the archive and its «Сформировать» form for the МЦУ, the progress row
htmx polls, downloads only for the report's municipality, and the template editor only for
those who configure the municipality."""

from typing import Any

import pytest
from django.test import Client

from tests.personas import NOW, World
from tests.reports.conftest import Dataset
from veche.analytics.indicators import Period
from veche.org.models import User
from veche.reports.models import Report, ReportKind, ReportTemplate
from veche.reports.services import request_report
from veche.reports.tasks import generate_report

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _queued(world: World) -> Report:
    return request_report(
        world.municipality, ReportKind.MONTHLY, Period.month(2026, 11), by=world.head, now=NOW
    )


def test_the_archive_orders_a_report_that_is_built_in_the_background(
    dataset: Dataset, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(dataset.world.head)
    page = client.get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Сформировать" in html and 'list="report-periods"' in html
    assert '<a href="/reports/" aria-current="page">Отчёты</a>' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/new/", {"kind": "quarterly", "period": "2026-Q4"})

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.kind, report.state, report.created_by) == (
        "quarterly", "done", dataset.world.head
    )  # fmt: skip
    html = client.get("/reports/").content.decode()
    assert f"/reports/{report.pk}/xlsx" in html and f"/reports/{report.pk}/pdf" in html
    assert "every 2s" not in html  # nothing left to poll


def test_a_bad_period_is_refused_with_the_reason(world: World) -> None:
    response = _client(world.head).post("/reports/new/", {"kind": "monthly", "period": "2026-Q4"})

    assert response.status_code == 400
    assert "Месяц «2026-Q4» не понят" in response.content.decode()
    assert not Report.objects.exists()


def test_a_report_being_built_is_polled_every_two_seconds(world: World) -> None:
    report = _queued(world)
    Report.objects.filter(pk=report.pk).update(
        state=Report.State.RUNNING, progress=40, step="Раздел 2 из 5: ПОС: по исполнителям"
    )

    row = _client(world.head).get(f"/reports/{report.pk}/", HTTP_HX_REQUEST="true")

    html = row.content.decode()
    assert f'hx-get="/reports/{report.pk}/"' in html and 'hx-trigger="every 2s"' in html
    assert "40%" in html and "Раздел 2 из 5: ПОС: по исполнителям" in html
    assert '<progress max="100" value="40">' in html


def test_downloads_only_for_the_reports_municipality(dataset: Dataset) -> None:
    world = dataset.world
    report = _queued(world)
    generate_report(report.pk)

    own = _client(world.head).get(f"/reports/{report.pk}/xlsx")
    assert own.status_code == 200 and own["Content-Type"] == XLSX
    assert b"".join(own.streaming_content).startswith(b"PK")  # type: ignore[attr-defined]
    assert "attachment" in own["Content-Disposition"]
    pdf = _client(world.observer).get(f"/reports/{report.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    for stranger in (world.neighbour_operator, world.housing_executor, world.nobody):
        client = _client(stranger)
        assert client.get(f"/reports/{report.pk}/xlsx").status_code == 404
        assert client.get(f"/reports/{report.pk}/pdf").status_code == 404
        assert client.get(f"/reports/{report.pk}/").status_code == 404
    assert Client().get(f"/reports/{report.pk}/xlsx").status_code == 302  # to the login


def test_the_archive_shows_only_the_users_municipalities(world: World) -> None:
    report = _queued(world)

    assert f"report-{report.pk}" in _client(world.head).get("/reports/").content.decode()
    neighbour = _client(world.neighbour_operator).get("/reports/").content.decode()
    assert f"report-{report.pk}" not in neighbour
    assert _client(world.housing_executor).get("/reports/").status_code == 403
    assert (
        _client(world.housing_executor)
        .post("/reports/new/", {"kind": "monthly", "period": "2026-11"})
        .status_code
        == 403
    )


def test_an_executor_cannot_edit_templates(world: World) -> None:
    for user in (world.housing_executor, world.operator, world.observer):
        client = _client(user)
        assert client.get("/reports/templates/quarterly/").status_code == 403
        posted = client.post("/reports/templates/quarterly/", {"title": "Чужой заголовок"})
        assert posted.status_code == 403
        assert client.post("/reports/templates/quarterly/reset/").status_code == 403
    assert not ReportTemplate.objects.exists()


def test_the_head_renames_reorders_and_disables_sections_then_resets(world: World) -> None:
    client = _client(world.head)
    page = client.get("/reports/templates/monthly/").content.decode()
    assert "ПОС: качество ответов" in page and 'name="enabled" value="brush_offs"' in page

    response = client.post(
        "/reports/templates/monthly/",
        {
            "title": "Оценка качества за месяц",
            "intro": "Для {мо}.",
            "signature_position": "Руководитель МЦУ",
            "signature_name": "Петров П. П.",
            "key": ["pos_quality", "pos_departments", "im_quality", "im_departments", "brush_offs"],
            "section_title": ["", "", "", "", "Отписки месяца"],
            "order": ["1", "2", "3", "4", "0.5"],
            "enabled": ["pos_quality", "brush_offs", "im_quality"],
        },
    )

    assert response.status_code == 302
    stored = ReportTemplate.objects.get(municipality=world.municipality, kind="monthly")
    assert (stored.title, stored.intro, stored.signature_name) == (
        "Оценка качества за месяц", "Для {мо}.", "Петров П. П."
    )  # fmt: skip
    assert [(s["key"], s["title"], s["enabled"]) for s in stored.sections] == [
        ("brush_offs", "Отписки месяца", True),
        ("pos_quality", "ПОС: качество ответов", True),
        ("pos_departments", "ПОС: по исполнителям", False),
        ("im_quality", "Инцидент Менеджмент: качество ответов", True),
        ("im_departments", "Инцидент Менеджмент: по исполнителям", False),
        ("rating_pos_im", "Рейтинг исполнителей по ПОС и ИМ", False),  # not posted: off
    ]

    assert client.post("/reports/templates/monthly/reset/").status_code == 302
    assert not ReportTemplate.objects.exists()


def test_a_template_with_every_section_off_is_refused(world: World) -> None:
    response = _client(world.head).post(
        "/reports/templates/quarterly/",
        {"title": "Отчёт", "key": ["summary", "channels"], "section_title": ["", ""]},
    )

    assert response.status_code == 400
    assert "хотя бы один раздел" in response.content.decode()
    assert not ReportTemplate.objects.exists()
