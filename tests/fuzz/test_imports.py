"""Fuzzing the file-import channel (ПОС / ИМ, XLSX and CSV): garbage never crashes a run,
a broken row never costs another row, valid rows come back with their values."""

# ruff: noqa: DTZ001 - exports hold local time without an offset: naive datetimes

import zoneinfo
from dataclasses import replace
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.strategies import (
    MUTATIONS,
    ValidRow,
    garbage_bytes,
    garbage_dates,
    mutations,
    valid_rows,
)
from tests.intake.imports.exports import im_row, write_csv, write_excel_xlsx
from tests.personas import World
from veche.cases.models import Case
from veche.intake.imports import service
from veche.intake.imports.parse import ValueProblem, parse_datetime, parse_duration, parse_flag
from veche.intake.imports.presets import IM_HEADERS
from veche.intake.imports.readers import FileProblem, open_table
from veche.intake.models import ImportKind, ImportProblem, ImportRun

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
COLUMN = {name: i for i, name in enumerate(IM_HEADERS)}
_files = count()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def run_bytes(world: World, content: bytes, name: str = "export") -> ImportRun:
    run = service.start_import(
        world.municipality,
        ContentFile(content, name=f"{name}-{next(_files)}"),
        kind=ImportKind.IM,
        by=world.operator,
        now=timezone.now(),
    )
    return service.run_import(run)


def drain(path: Path) -> None:
    """Read a file as an import would; FileProblem is the only acceptable failure."""
    table = open_table(path)
    assert all(isinstance(h, str) for h in table.headers)
    for number, values in table.rows:
        assert number > table.header_row
        assert isinstance(values, list)


# (a) Garbage ----------------------------------------------------------------------------


@settings(max_examples=150)
@given(content=garbage_bytes())
def test_random_bytes_are_refused_with_a_file_problem(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage"
    path.write_bytes(content)
    try:
        drain(path)
    except FileProblem as exc:
        assert str(exc)


@settings(max_examples=60)
@given(cells=st.lists(st.lists(st.text(max_size=30), max_size=8), max_size=8))
def test_random_csv_tables_are_read_or_refused(tmp_path: Path, cells: list[list[str]]) -> None:
    path = write_csv(tmp_path / "t.csv", ["ID", "Текст"], cells)
    try:
        drain(path)
    except FileProblem as exc:
        assert str(exc)


@settings(max_examples=25)
@given(content=garbage_bytes(1024))
def test_a_run_on_garbage_ends_with_a_state_never_an_exception(
    world: World, content: bytes
) -> None:
    run = run_bytes(world, content)

    assert run.state in (ImportRun.State.FAILED, ImportRun.State.DONE)
    if run.state == ImportRun.State.FAILED:
        assert run.error
        assert "Внутренняя ошибка" not in run.error
    assert run.created == 0


@settings(max_examples=200)
@given(value=st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.none(), st.booleans()))
def test_value_parsers_raise_only_value_problem(value: object) -> None:
    for parse in (lambda v: parse_datetime(v, MOSCOW), parse_duration, parse_flag):
        try:
            parse(value)
        except ValueProblem as exc:
            assert str(exc)


@settings(max_examples=100)
@given(moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31)))
def test_dates_round_trip_through_every_written_form(moment: datetime) -> None:
    minute = moment.replace(second=0, microsecond=0)
    for written in (minute.strftime("%d.%m.%Y %H:%M"), minute.isoformat(), minute):
        assert parse_datetime(written, MOSCOW) == minute.replace(tzinfo=MOSCOW)


# (b) and (c) Mutation and round trip ------------------------------------------------------


def valid_values(row: ValidRow) -> list[object]:
    values = im_row(1, step="В работе", created=row.received_at.strftime("%d.%m.%Y %H:%M"))
    values[COLUMN["ID"]] = row.key
    values[COLUMN["Номер инцидента"]] = f"IM-{row.key}"
    values[COLUMN["Текст инцидента"]] = row.text
    values[COLUMN["Улица"]] = row.street
    values[COLUMN["Дом"]] = row.house
    # A later assignment than the creation (the preset's fixed 2026 date may be earlier).
    values[COLUMN["Время назначения последнего исполнителя"]] = ""
    return values


def broken_values(row: ValidRow, mutation: str, garbage: str) -> list[object]:
    values = valid_values(row)
    if mutation == "garbage_date":
        values[COLUMN["Дата создания"]] = garbage
    elif mutation == "year_out_of_range":
        values[COLUMN["Дата создания"]] = "01.01.1812 10:00"
    elif mutation == "empty_key":
        values[COLUMN["ID"]] = ""
    elif mutation == "empty_text":
        values[COLUMN["Текст инцидента"]] = "   "
    elif mutation == "huge_key":
        values[COLUMN["ID"]] = row.key + "9" * 250
    elif mutation == "truncated":
        values = values[: COLUMN["ID"]]
    elif mutation == "garbage_optional_date":
        values[COLUMN["Время 1го ответа ПИ"]] = garbage
    elif mutation == "garbage_duration":
        values[COLUMN["Время с даты создания инцидента до времени первого ответа"]] = garbage
    elif mutation == "formula_text":
        values[COLUMN["Текст инцидента"]] = '=HYPERLINK("http://example.invalid","жми")'
    elif mutation == "number_text":
        values[COLUMN["Текст инцидента"]] = 12345
    elif mutation == "huge_text":
        values[COLUMN["Текст инцидента"]] = "Яма. " * 27_000  # past the csv module's 131 072
    return values


@settings(max_examples=30)
@given(
    rows=valid_rows(1, 5),
    fmt=st.sampled_from(["csv", "xlsx"]),
    position=st.integers(0, 5),
    mutation=mutations(),
    garbage=garbage_dates(),
)
def test_a_broken_row_costs_only_itself(
    world: World,
    tmp_path: Path,
    rows: list[ValidRow],
    fmt: str,
    position: int,
    mutation: str,
    garbage: str,
) -> None:
    # Examples share the test's database (the import's own durable transactions cannot be
    # nested in a rollback): each example's keys are its own.
    example = next(_files)
    rows = [replace(r, key=f"{example}-{r.key}") for r in rows]
    position = min(position, len(rows))
    broken_key = f"{example}-broken"  # its own key where the mutation leaves it one
    broken = ValidRow(broken_key, rows[0].received_at, "Сломанная строка", "ул. Мира", "1")
    table = [valid_values(r) for r in rows]
    table.insert(position, broken_values(broken, mutation, garbage))
    path = tmp_path / f"export-{next(_files)}.{fmt}"
    if fmt == "csv":
        write_csv(path, IM_HEADERS, table)
    else:
        # Every text a shared string, as Excel saves it (openpyxl would write «=…» as a
        # formula without a value).
        write_excel_xlsx(path, IM_HEADERS, lambda: table)
    broken_row = position + 2  # the header is row 1

    run = run_bytes(world, path.read_bytes())

    assert run.state == ImportRun.State.DONE, run.error
    assert run.rows_done == len(table)
    for row in rows:
        case = Case.objects.get(external_id=row.key, municipality=world.municipality)
        assert case.text == row.text
        # In UTC: a local time in a DST gap (Moscow, 31.03.2002 02:00) compares unequal
        # across zones otherwise (PEP 495).
        assert case.received_at == row.received_at.replace(tzinfo=MOSCOW).astimezone(UTC)
        assert case.address_raw.endswith(f"{row.street}, {row.house}")
        assert case.subject == f"Инцидент № IM-{row.key}"
    problems = list(ImportProblem.objects.filter(run=run))
    assert {p.row for p in problems} <= {broken_row}
    refused = MUTATIONS[mutation]
    if refused is None:
        assert run.created == len(table)
        assert not problems
    else:
        assert problems, f"row {broken_row} ({mutation}) is not reported"
        assert all(p.reason for p in problems)
        assert any(p.row_skipped for p in problems) is refused
        assert run.created == len(rows) + (0 if refused else 1)
        assert run.failed == (1 if refused else 0)
