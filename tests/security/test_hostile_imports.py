"""Hostile text in the ПОС / Инцидент Менеджмент imports (issue 9): the case text is kept as
written and shown escaped, a value the import refuses is quoted in the problem report
without becoming a formula, and a real formula in an uploaded XLSX is never evaluated.

Size policy: a text cell is stored whole up to Excel's own cell limit (32,767 characters).
"""

import csv
import io
from pathlib import Path

import pytest
from django.test import Client

from tests.intake.imports.conftest import RunFile, _media, run_file  # noqa: F401  (fixtures)
from tests.intake.imports.exports import im_row, write_csv, write_xlsx
from tests.personas import PASSWORD, World
from tests.security.payloads import (
    FORMULAS,
    TEXTS,
    assert_safe_html,
    formula_csv_cells,
    stored,
)
from veche.cases.models import Case
from veche.intake.imports.presets import IM_HEADERS
from veche.intake.models import ImportProblem
from veche.web.cells import csv_text

PAYLOADS = {name: stored(text) for name, text in TEXTS.items()}


def staff(world: World) -> Client:
    client = Client()
    assert client.login(username=world.operator.username, password=PASSWORD)
    return client


def hostile_rows() -> list[list[object]]:
    rows = [im_row(100 + n, text=f"Текст. {p}") for n, p in enumerate(PAYLOADS.values())]
    for n, formula in enumerate(FORMULAS.values()):
        rows.append(im_row(200 + n, created=formula))  # refused: quoted in the report
    return rows


def report_cells(world: World, run_id: int) -> list[list[str]]:
    response = staff(world).get(f"/intake/imports/{run_id}/report.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    text = body.decode("utf-8-sig")
    assert formula_csv_cells(text) == []
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_a_hostile_csv_import_keeps_texts_and_reports_refused_values_inertly(
    world: World,
    run_file: RunFile,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "im.csv", IM_HEADERS, hostile_rows())

    run = run_file(path)

    assert (run.created, run.failed) == (len(PAYLOADS), len(FORMULAS))
    texts = dict(Case.objects.values_list("external_id", "text"))
    for n, payload in enumerate(PAYLOADS.values()):
        # the reader turns a CR inside a cell into a line break, as Excel shows it
        assert texts[str(100 + n)] in {f"Текст. {payload}".strip(), f"Текст. {payload}"}
    refused = set(ImportProblem.objects.filter(run=run).values_list("value", flat=True))
    assert {v.strip() for v in refused} == {f.strip() for f in FORMULAS.values()}
    rows = report_cells(world, run.pk)
    assert {csv_text(f.strip()) for f in FORMULAS.values()} <= {r[2].strip() for r in rows[1:]} | {
        r[2] for r in rows[1:]
    }
    client = staff(world)
    for path_ in (f"/intake/imports/{run.pk}/", "/intake/imports/", "/cases/"):
        page = client.get(path_)
        assert page.status_code == 200
        assert_safe_html(page.content.decode())
    for case in Case.objects.all():
        assert_safe_html(client.get(f"/cases/{case.pk}/").content.decode())


def test_a_real_formula_in_an_uploaded_xlsx_is_never_run(
    world: World,
    run_file: RunFile,  # noqa: F811
    tmp_path: Path,
) -> None:
    # openpyxl writes a string starting with «=» as a formula: the file holds real formulas
    rows = [im_row(300 + n, text=f) for n, f in enumerate(FORMULAS.values())]
    path = write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, rows)

    run = run_file(path)

    # the formula (no cached value: nothing ever computed it) is an empty text, refused and
    # reported; text that only looks like a formula is kept as text
    assert (run.state, run.created, run.failed) == ("done", len(FORMULAS) - 1, 1)
    problem = ImportProblem.objects.get(run=run)
    assert (problem.row, problem.column, problem.reason) == (2, "Текст инцидента", "пустой текст")
    texts = sorted(Case.objects.values_list("text", flat=True))
    assert texts == sorted(f.strip() for f in FORMULAS.values() if not f.startswith("="))
    assert formula_csv_cells("\n".join(";".join(r) for r in report_cells(world, run.pk))) == []
    assert staff(world).get(f"/intake/imports/{run.pk}/").status_code == 200


@pytest.mark.parametrize("name", ["script", "img_onerror", "rtl", "emoji"])
def test_the_import_page_shows_a_hostile_file_name_escaped(
    world: World,
    run_file: RunFile,  # noqa: F811
    tmp_path: Path,
    name: str,
) -> None:
    stem = TEXTS[name].replace("/", "_")[:60]
    path = write_csv(tmp_path / "im.csv", IM_HEADERS, [im_row(400)])
    hostile = path.with_name(f"{stem}.csv")
    path.rename(hostile)

    run = run_file(hostile)

    client = staff(world)
    for path_ in (f"/intake/imports/{run.pk}/", "/intake/imports/"):
        page = client.get(path_)
        assert page.status_code == 200
        assert_safe_html(page.content.decode())
