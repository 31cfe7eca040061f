"""Reports generated through the background task: the workbook carries the very figures of
the analytics store (indicators.figures, slices.cut) and the ones counted by hand; the PDF
is a real multi-page document; the template decides the sections and their titles; a
failing section fails the report with the reason."""

from datetime import date
from pathlib import Path
from typing import Any
from zipfile import ZipFile

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from tests.personas import NOW
from tests.reports.conftest import Dataset
from veche.analytics.indicators import Filters, Indicator, Period, figures
from veche.analytics.slices import Dimension, cut
from veche.catalog.models import Channel
from veche.reports import sections
from veche.reports.models import Report, ReportKind
from veche.reports.services import request_report, save_template
from veche.reports.tasks import generate_report
from veche.reports.template import current_template

pytestmark = pytest.mark.django_db

QUARTER = Period.quarter(2026, 4)
MONTH = Period.month(2026, 11)
HEADER = 5  # the header row of a section sheet


def _generated(data: Dataset, kind: ReportKind, period: Period) -> Report:
    report = request_report(data.world.municipality, kind, period, by=data.world.head, now=NOW)
    generate_report(report.pk)  # huey runs it at once in the tests
    report.refresh_from_db()
    return report


def _sheet(report: Report, title: str) -> dict[str, list[Any]]:
    """A section sheet's rows by their first cell, and its header under «»."""
    book = load_workbook(report.xlsx.path)
    sheets = [ws for ws in book.worksheets if ws["A1"].value == title]
    assert len(sheets) == 1, book.sheetnames
    rows = list(sheets[0].iter_rows(min_row=HEADER, values_only=True))
    return {"": list(rows[0][1:]), **{str(r[0]): list(r[1:]) for r in rows[1:]}}


def _shown(value: float | None, unit: int = 1) -> Any:
    """A figure as the workbook holds it (the float survives the XML to 15 digits)."""
    return "—" if value is None else pytest.approx(value / unit, rel=1e-12)


def _pdf_is_printable(report: Report) -> None:
    content = Path(report.pdf.path).read_bytes()
    assert content.startswith(b"%PDF-")
    assert content.count(b"/Type /Page\n") >= 2
    assert b"/Subtype /Image" in content  # the charts


def test_the_quarterly_workbook_carries_the_dashboard_figures_and_the_hand_counts(
    dataset: Dataset,
) -> None:
    world = dataset.world
    report = _generated(dataset, ReportKind.QUARTERLY, QUARTER)

    assert report.state == Report.State.DONE, report.error
    assert (report.progress, report.step, report.error) == (100, "Готово", "")
    summary = _sheet(report, "Сводные показатели")
    assert summary[""][:4] == ["За период", "Предыдущий квартал", "Изменение", "Пояснение"]
    # By hand: three cases this quarter (one waits), two final answers, one of them a
    # brush-off, two ratings of which one is 4–5, one case in the previous quarter.
    assert summary["Поступило"][:3] == [3, 1, 2.0]
    assert summary["Дан окончательный ответ"][:2] == [2, 1]
    assert summary["Ответы, похожие на отписку"][0] == 0.5
    assert summary["Удовлетворённость"][0] == 0.5
    assert summary["Средняя оценка"][0] == 3.5
    assert summary["Возвращено на доработку"][0] == pytest.approx(1 / 3)
    # And exactly what the dashboard says, durations in hours and days.
    shown = {
        Indicator.IN_TIME: ("Ответ в срок", 1),
        Indicator.REACTION_MEDIAN: ("Первая реакция, медиана, ч", 3600),
        Indicator.ANSWER_MEDIAN: ("Ответ, медиана, дн.", 86400),
        Indicator.SATISFACTION: ("Удовлетворённость", 1),
        Indicator.REPEATS: ("Повторные", 1),
    }
    found = figures(world.head, world.municipality.pk, QUARTER, Filters(), NOW, list(shown))
    for figure in found:
        label, unit = shown[figure.indicator]
        now_, before = summary[label][:2]
        assert now_ == _shown(figure.value, unit), label
        assert before == _shown(figure.previous, unit), label
    assert summary["Ответ в срок"][:2] == [1.0, 1.0]  # both clocks met, as the one before
    assert summary["Первая реакция в срок"][0] == 0.0  # the IM clock of 8 h was missed
    assert summary["Повторные"][0] == pytest.approx(1 / 3)  # the same author wrote again
    assert summary["Ответ, медиана, дн."][0] == pytest.approx((20 + 30) / 2 / 24)
    _pdf_is_printable(report)
    with ZipFile(report.xlsx.path) as package:  # Excel charts beside the tables
        assert sum(n.startswith("xl/charts/chart") for n in package.namelist()) >= 5


def test_the_quarterly_cuts_equal_the_slices(dataset: Dataset) -> None:
    world = dataset.world
    report = _generated(dataset, ReportKind.QUARTERLY, QUARTER)
    muni = world.municipality.pk

    channels = _sheet(report, "Поступление по каналам")
    pos, im = Channel.objects.get(code="pos").name, Channel.objects.get(code="im").name
    assert channels[pos][:2] == [2, pytest.approx(2 / 3)]
    assert channels[im][:2] == [1, pytest.approx(1 / 3)]

    executors = _sheet(report, "По исполнителям")
    assert executors[""] == [
        "Поступило", "Ответ в срок", "Ответ, медиана, дн.", "Отписки", "Удовлетворённость"
    ]  # fmt: skip
    in_time = cut(Indicator.IN_TIME, world.head, muni, QUARTER, Filters(), Dimension.DEPARTMENT)
    for key, label in in_time.rows:
        assert executors[label][1] == _shown(in_time.value(key, None))
    assert executors["Комитет по дорогам"][0] == 1
    assert executors["Комитет по дорогам"][3] == 1.0  # its one answer is a brush-off
    assert executors["Комитет по дорогам"][4] == 0.0  # rated 2
    assert executors["Комитет ЖКХ"][4] == 1.0  # rated 5
    assert executors["Управление образования"][:2] == [1, "—"]

    months = _sheet(report, "Поступление по месяцам")
    assert [months[m][:2] for m in ("октябрь 2026", "ноябрь 2026", "декабрь 2026")] == [
        [0, 0], [3, 2], [0, 0],
    ]  # fmt: skip

    blocks = _sheet(report, "По отраслевым блокам")
    assert blocks["Городское хозяйство"][0] == 2
    assert blocks["Социальная политика"][0] == 1

    social = _sheet(report, "По социально значимым тематикам")
    assert social["Дороги (тест)"][0] == 1 and social["ЖКХ (тест)"][0] == 1

    topics = _sheet(report, "Основные темы")
    assert topics["Ямы во дворах (тест)"][:2] == [1, pytest.approx(1 / 3)]


def test_the_monthly_assessment_scores_pos_and_im_apart_and_lists_brush_offs(
    dataset: Dataset,
) -> None:
    world = dataset.world
    report = _generated(dataset, ReportKind.MONTHLY, MONTH)

    assert report.state == Report.State.DONE, report.error
    for code, title in (
        ("pos", "ПОС: качество ответов"),
        ("im", "Инцидент Менеджмент: качество ответов"),
    ):
        sheet = _sheet(report, title)
        channel = Filters(channels=(Channel.objects.get(code=code).pk,))
        found = figures(
            world.head, world.municipality.pk, MONTH, channel, NOW,
            [Indicator.RECEIVED, Indicator.IN_TIME, Indicator.ANSWER_MEDIAN, Indicator.BRUSH_OFF],
        )  # fmt: skip
        received, in_time, median, brush_off = (f.value for f in found)
        assert sheet["Поступило"][0] == received
        assert sheet["Окончательный ответ в срок"][0] == _shown(in_time)
        assert sheet["Окончательный ответ, медиана, ч"][0] == _shown(median, 3600)
        assert sheet["Ответы, похожие на отписку"][0] == _shown(brush_off)
    pos = _sheet(report, "ПОС: качество ответов")
    im = _sheet(report, "Инцидент Менеджмент: качество ответов")
    assert (pos["Поступило"][0], im["Поступило"][0]) == (2, 1)
    assert (
        pos["Окончательный ответ, медиана, ч"][0],
        im["Окончательный ответ, медиана, ч"][0],
    ) == (20, 30)
    assert (pos["Ответы, похожие на отписку"][0], im["Ответы, похожие на отписку"][0]) == (0, 1)
    assert im["Возвращено на доработку"][0] == 1.0

    listed = _sheet(report, "Ответы, похожие на отписку")
    number = dataset.brushed_off.number
    assert list(listed) == ["", Channel.objects.get(code="im").name]
    assert listed[Channel.objects.get(code="im").name][:4] == [
        number, "23.11.2026", "24.11.2026", "Комитет по дорогам"
    ]  # fmt: skip
    book = load_workbook(report.xlsx.path)
    cells = [
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    ]
    assert not any("Иванов" in c for c in cells)  # the citizens' names never reach a report
    _pdf_is_printable(report)


def test_a_disabled_section_is_absent_and_a_renamed_one_keeps_its_new_title(
    dataset: Dataset,
) -> None:
    world = dataset.world
    template = current_template(world.municipality, ReportKind.QUARTERLY)
    for section in template.sections:
        if section.key == "channels":
            section.enabled = False
        if section.key == "departments":
            section.title = "Работа подразделений"
    template.sections.insert(0, template.sections.pop(5))  # departments first
    template.signature_name = "Петров П. П."
    save_template(world.municipality, ReportKind.QUARTERLY, template, by=world.head, now=NOW)

    report = _generated(dataset, ReportKind.QUARTERLY, QUARTER)

    book = load_workbook(report.xlsx.path)
    assert book.sheetnames[:3] == [
        "Титульный лист",
        "1. Работа подразделений",
        "2. Сводные показатели",
    ]
    assert not any("каналам" in name for name in book.sheetnames)
    assert book["1. Работа подразделений"]["A1"].value == "Работа подразделений"
    titles = [row[1] for row in book["Титульный лист"].iter_rows(values_only=True)]
    assert "Работа подразделений" in titles and "Поступление по каналам" not in titles
    assert any("Петров П. П." in str(t) for t in titles)
    # The archive keeps the template the report was made with.
    assert report.template["sections"][0]["title"] == "Работа подразделений"


def test_a_failing_section_marks_the_report_failed_with_the_reason(
    dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise ValueError("нет данных о каналах")

    monkeypatch.setitem(sections.BUILDERS, "channels", broken)

    report = _generated(dataset, ReportKind.QUARTERLY, QUARTER)

    assert report.state == Report.State.FAILED
    assert report.error == ("Раздел «Поступление по каналам» не сформирован: нет данных о каналах")
    assert (report.xlsx.name, report.pdf.name) == ("", "")
    assert report.finished_at is not None


def test_the_command_builds_the_report_for_cron(dataset: Dataset, capsys: Any) -> None:
    call_command("report", "monthly", "--period", "2026-11", "--municipality", "00000001")

    report = Report.objects.get()
    assert (report.kind, report.period_start, report.period_end) == (
        "monthly", date(2026, 11, 1), date(2026, 11, 30)
    )  # fmt: skip
    assert report.state == Report.State.DONE and report.created_by is None
    finished = report.finished_at
    assert report.pdf.path in capsys.readouterr().out
    # A second delivery of the task leaves a built report alone.
    generate_report(report.pk)
    report.refresh_from_db()
    assert (report.state, report.finished_at) == (Report.State.DONE, finished)
