"""Ad-hoc exports of a list of cases or a slice table to XLSX and CSV: the column sets, the
masking of personal data (DOMAIN.md §8 items 17–18) and the two writers.

Rows come from iterators and only a chunk of cases is held at a time: CSV leaves as it is
written (a `StreamingHttpResponse`), XLSX goes through openpyxl's write-only mode into a
temporary file, since a zip can be sent only once it is complete.

Personal data leave masked unless the export asked for them (`personal_data=True`, the
«с персональными данными» link) and the user may see them for that very case; each citizen
shown in full is logged once per export, before the chunk holding them is written.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import IO
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from veche.analytics.indicators import SPECS, Filters, Kind, Period
from veche.analytics.slices import DIMENSION_LABELS, Dimension, Table
from veche.cases.masking import mask_address, mask_email, mask_name, mask_phone
from veche.cases.models import Answer, Case
from veche.cases.services import log_exported_authors
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.deadlines.clocks import ClockKind
from veche.deadlines.models import Clock
from veche.org.access import Action
from veche.org.models import User
from veche.org.selectors import (
    actor_scope,
    visible_blocks,
    visible_departments,
    visible_territories,
)
from veche.web.cells import csv_text, xlsx_text


@dataclass(frozen=True)
class Number:
    """A figure and how to show it: places after the decimal comma, and as a percentage."""

    value: float
    places: int = 0
    percent: bool = False


Value = str | int | float | date | datetime | Number | None


@dataclass
class Sheet:
    """One table to write: lines above it (what was selected), the header, the rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Value]]
    preamble: Sequence[str] = ()
    widths: Sequence[int] = field(default_factory=tuple)


# --- the list of cases ----------------------------------------------------------------------

CASE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Рег. номер", 14),
    ("Поступило", 17),
    ("Канал", 16),
    ("Режим", 14),
    ("Статус", 18),
    ("Тема", 30),
    ("Исполнитель", 30),
    ("Территория", 22),
    ("Заявитель", 28),
    ("Телефон", 18),
    ("E-mail", 26),
    ("Адрес заявителя", 40),
    ("Текст", 80),
    ("Срок ответа", 17),
    ("Ответ направлен", 17),
)
CHUNK = 2_000  # cases read, masked and logged at a time
EXPORT_PURPOSE = "export"
# Excel's limit for one cell; a longer text would make it «repair» the file.
CELL_LIMIT = 32_000


def case_sheet(
    cases: QuerySet[Case], *, by: User, personal_data: bool, title: str = "Обращения"
) -> Sheet:
    return Sheet(
        title=title,
        header=[name for name, _ in CASE_COLUMNS],
        widths=[width for _, width in CASE_COLUMNS],
        rows=case_rows(cases, by=by, personal_data=personal_data),
    )


def case_rows(cases: QuerySet[Case], *, by: User, personal_data: bool) -> Iterator[list[Value]]:
    """The rows of `cases` (already limited to what `by` may see), a chunk at a time."""
    scope = actor_scope(by)
    logged: set[int] = set()
    query = cases.select_related(
        "channel", "topic", "department", "territory", "municipality", "author", "analysis"
    ).defer(
        "search_lemmas", "analysis__suggestions", "analysis__fingerprint",
        "analysis__personal_data", "analysis__urgency_reasons",
    )  # fmt: skip
    stream = query.iterator(chunk_size=CHUNK)
    while chunk := list(islice(stream, CHUNK)):
        ids = [case.pk for case in chunk]
        shown = {
            case.pk
            for case in chunk
            if personal_data and scope.can(Action.VIEW_PERSONAL_DATA, case)
        }
        _log_access([case for case in chunk if case.pk in shown], by=by, logged=logged)
        due, sent = _answer_due(ids), _answer_sent(ids)
        for case in chunk:
            zone = ZoneInfo(case.municipality.time_zone)
            yield _case_row(
                case,
                zone=zone,
                reveal=case.pk in shown,
                due=due.get(case.pk),
                sent=sent.get(case.pk),
            )


def _case_row(
    case: Case, *, zone: ZoneInfo, reveal: bool, due: datetime | None, sent: datetime | None
) -> list[Value]:
    return [
        case.number,
        _local(case.received_at, zone),
        case.channel.name,
        Regime(case.regime).label,
        case.get_status_display(),
        case.topic.name if case.topic else "",
        str(case.department) if case.department else "",
        str(case.territory) if case.territory else "",
        *_author(case, reveal=reveal),
        _text(case, reveal=reveal),
        _deadline(due, zone) if due else None,
        _local(sent, zone) if sent else None,
    ]


def _author(case: Case, *, reveal: bool) -> list[Value]:
    citizen = case.author
    if citizen is None:
        return ["", "", "", ""]
    if reveal:
        return [citizen.full_name, citizen.phone, citizen.email, citizen.postal_address]
    return [
        mask_name(citizen.full_name),
        mask_phone(citizen.phone) if citizen.phone else "",
        mask_email(citizen.email) if citizen.email else "",
        mask_address(citizen.postal_address),
    ]


def _text(case: Case, *, reveal: bool) -> str:
    """The whole text for those who may see personal data, otherwise the text the triage
    pipeline masked, or nothing when it has not read the case yet."""
    if reveal:
        return case.text
    analysis = getattr(case, "analysis", None)  # a reverse one-to-one raises when absent
    return analysis.masked_text if analysis is not None else ""


def _log_access(cases: list[Case], *, by: User, logged: set[int]) -> None:
    """One access-log row per citizen per export (DOMAIN.md §8 item 18), across chunks."""
    fresh = [c for c in cases if c.author_id is not None and c.author_id not in logged]
    logged.update(c.author_id for c in fresh if c.author_id is not None)
    log_exported_authors(fresh, by=by, purpose=EXPORT_PURPOSE)


def _answer_due(case_ids: list[int]) -> dict[int, datetime]:
    """The due time of each case's latest answer clock (after a reopening, the new one)."""
    rows = (
        Clock.objects.filter(case_id__in=case_ids, kind=ClockKind.ANSWER.value)
        .order_by("case_id", "number", "started_at")
        .values_list("case_id", "due_at")
    )
    return dict(rows)


def _answer_sent(case_ids: list[int]) -> dict[int, datetime]:
    """When each case's latest final answer went to the citizen."""
    rows = (
        Answer.objects.filter(case_id__in=case_ids, kind=Answer.Kind.FINAL, sent_at__isnull=False)
        .order_by("case_id", "sent_at")
        .values_list("case_id", "sent_at")
    )
    return {case_id: at for case_id, at in rows if at is not None}


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """Local wall time without a zone: spreadsheets have no time zones."""
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _deadline(due: datetime, zone: ZoneInfo) -> date | datetime:
    """A day term (due at local midnight) as its last day, like the card's «по 25.11.2026»;
    a term in hours as the date and time."""
    local = _local(due, zone)
    if local.time() == time.min:
        return (local - timedelta(minutes=1)).date()
    return local


# --- a slice table --------------------------------------------------------------------------

UNITS = {Kind.COUNT: "", Kind.SHARE: ", %", Kind.DURATION: ", часов", Kind.MEAN: ""}


def slice_sheet(
    table: Table,
    *,
    municipality: str,
    period: Period,
    filters: str,
    rows: Dimension,
    columns: Dimension | None,
) -> Sheet:
    """The table as the page shows it: a row per `rows` value, a column per `columns` value
    and the row's total (over every column, not the sum of the cells for a median)."""
    spec = SPECS[table.indicator]
    title = f"{spec.label}{UNITS[spec.kind]}"
    corner = DIMENSION_LABELS[rows].capitalize()
    if columns is None:
        header = [corner, title]
    else:
        across = DIMENSION_LABELS[columns]
        header = [f"{corner} \\ {across}", *(label for _, label in table.columns), "Итого"]

    def line(key: object, label: str) -> list[Value]:
        cells = [figure(spec.kind, table.value(key, column)) for column, _ in table.columns]
        if columns is None:
            return [label, *cells]
        return [label, *cells, figure(spec.kind, table.row_totals.get(key))]

    return Sheet(
        title="Срез",
        preamble=[
            f"{title} — {municipality}",
            f"Период: {period}",
            f"Отбор: {filters}",
        ],
        header=header,
        widths=[40, *([16] * (len(header) - 1))],
        rows=[line(key, label) for key, label in table.rows],
    )


def figure(kind: Kind, value: float | None) -> Number | None:
    """A value of an indicator as people read it: shares in per cent, durations in hours."""
    if value is None:
        return None
    if kind == Kind.SHARE:
        return Number(value, places=1, percent=True)
    if kind == Kind.DURATION:
        return Number(value / 3600, places=1)
    if kind == Kind.MEAN:
        return Number(value, places=2)
    return Number(value)


def filters_text(filters: Filters, *, by: User) -> str:
    """The filters by name, for the line above a table; «нет» without any."""
    named: list[tuple[str, Iterable[object]]] = [
        ("тема", Topic.objects.filter(pk__in=filters.topics)),
        ("исполнитель", visible_departments(by).filter(pk__in=filters.departments)),
        ("блок", visible_blocks(by).filter(pk__in=filters.blocks)),
        ("территория", visible_territories(by).filter(pk__in=filters.territories)),
        ("канал", Channel.objects.filter(pk__in=filters.channels)),
        ("режим", [Regime(r).label for r in filters.regimes]),
    ]
    parts = []
    for label, objects in named:
        if names := sorted(str(o) for o in objects):
            parts.append(f"{label}: {', '.join(names)}")
    return "; ".join(parts) or "нет"


# --- the writers ----------------------------------------------------------------------------

BOM = "\ufeff"
# A cell starting like a formula never runs (CSV injection): `veche.web.cells` decides how.
CSV_BATCH = 500  # rows per chunk sent


class _Line:
    """A file that hands back what is written: `csv.writer` then gives one row as a string."""

    def write(self, text: str) -> str:
        return text


def csv_stream(sheet: Sheet) -> Iterator[bytes]:
    """The sheet as CSV for a Russian Excel: UTF-8 with a BOM (or Cyrillic comes out as
    mojibake), «;» between cells, decimal commas."""
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    lines = [BOM]
    lines.extend(writer.writerow([_csv_value(text)]) for text in sheet.preamble)
    if sheet.preamble:
        lines.append(writer.writerow([]))
    lines.append(writer.writerow(sheet.header))
    for row in sheet.rows:
        lines.append(writer.writerow([_csv_value(v) for v in row]))
        if len(lines) >= CSV_BATCH:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, Number):
        return _number_text(value)
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, int | float):
        return _number_text(Number(value, places=0 if isinstance(value, int) else 2))
    return csv_text(value[:CELL_LIMIT])


def _number_text(number: Number) -> str:
    value = number.value * 100 if number.percent else number.value
    text = f"{value:.{number.places}f}".replace(".", ",")
    return f"{text}%" if number.percent else text


XLSX_FORMATS = {datetime: "DD.MM.YYYY HH:MM", date: "DD.MM.YYYY"}


def write_xlsx(sheet: Sheet, target: IO[bytes]) -> None:
    """The sheet as an XLSX workbook, written row by row (openpyxl's write-only mode keeps
    no rows in memory)."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet.title[:31])
    for number, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(number)].width = width
    header_row = len(sheet.preamble) + (2 if sheet.preamble else 1)
    ws.freeze_panes = f"A{header_row + 1}"
    for text in sheet.preamble:
        ws.append([_xlsx_value(ws, text)])
    if sheet.preamble:
        ws.append([])
    bold = Font(bold=True)
    header = []
    for title in sheet.header:
        cell = WriteOnlyCell(ws, _clean(title))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in sheet.rows:
        ws.append([_xlsx_value(ws, v) for v in row])
    book.save(target)


def _xlsx_value(ws: WriteOnlyWorksheet, value: Value) -> object:
    if isinstance(value, Number):
        cell = WriteOnlyCell(ws, value.value)
        decimals = "." + "0" * value.places if value.places else ""
        cell.number_format = f"0{decimals}%" if value.percent else f"0{decimals}"
        return cell
    if isinstance(value, datetime | date):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = XLSX_FORMATS[datetime if isinstance(value, datetime) else date]
        return cell
    if not isinstance(value, str):
        return value
    return xlsx_text(ws, _clean(value))


def _clean(text: str) -> str:
    """Without the control characters XML cannot carry (openpyxl refuses them), cut to what
    one cell holds."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))[:CELL_LIMIT]
