"""The report as an XLSX workbook: a title sheet, then a sheet per section with a header
row, real numbers in Excel number formats (per cent, hours, days) and an Excel chart where
the section has one. Streamed (write-only mode): memory does not grow with the sheets."""

import re
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from veche.reports.content import Chart, Column, Content, Document, Fmt, Value, fmt_of, plain
from veche.web.cells import xlsx_text

FORMATS = {
    Fmt.INT: "#,##0",
    Fmt.NUMBER: "0.00",
    Fmt.SHARE: "0.0%",
    Fmt.CHANGE: "+0.0%;-0.0%;0.0%",
    Fmt.HOURS: "0.0",
    Fmt.DAYS: "0.0",
}
HEADER_ROW = 5  # title, period, note, blank, header
Sheet = Any  # openpyxl is untyped
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")


def render_xlsx(document: Document) -> bytes:
    book = Workbook(write_only=True)
    _title_sheet(book, document)
    names: set[str] = set()
    for number, section in enumerate(document.sections, start=1):
        sheet = book.create_sheet(_sheet_name(f"{number}. {section.title}", names))
        _section_sheet(sheet, document, section.title, section.content)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title_sheet(book: Workbook, document: Document) -> None:
    sheet = book.create_sheet("Титульный лист")
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    sheet.append([_cell(sheet, document.title, font=TITLE)])
    sheet.append([])
    for label, value in (
        ("Муниципальное образование", document.municipality),
        ("Период", document.period),
        ("Сформирован", document.generated),
    ):
        sheet.append([_cell(sheet, label, font=BOLD), xlsx_text(sheet, value)])
    sheet.append([])
    if document.intro:
        sheet.append([_cell(sheet, "Вступление", font=BOLD), _cell(sheet, document.intro, WRAP)])
        sheet.append([])
    sheet.append([_cell(sheet, "Разделы", font=BOLD)])
    for number, section in enumerate(document.sections, start=1):
        sheet.append([number, xlsx_text(sheet, section.title)])
    sheet.append([])
    if document.signature_position or document.signature_name:
        signature = f"________________  {document.signature_name}"
        sheet.append([xlsx_text(sheet, document.signature_position), signature])


def _section_sheet(sheet: Sheet, document: Document, title: str, content: Content) -> None:
    widths = [max(14.0, min(60.0, 12.0 * c.width)) for c in content.columns]
    widths[0] = max(widths[0], 34.0)
    sheet.freeze_panes = f"B{HEADER_ROW + 1}"  # the header and the names stay in view
    if content.wide:
        sheet.page_setup.orientation = "landscape"
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.append([_cell(sheet, title, font=TITLE)])
    sheet.append([document.period])
    sheet.append([content.note])
    sheet.append([])
    header = [_cell(sheet, c.label, WRAP, font=BOLD) for c in content.columns]
    sheet.append(header)
    if not content.rows:
        sheet.append([content.empty])
        return
    for row in content.rows:
        cells = zip(row, content.columns, strict=True)
        sheet.append([_value(sheet, v, c) for v, c in cells])
    if content.chart is not None:
        anchor = f"{get_column_letter(len(widths) + 2)}{HEADER_ROW}"
        sheet.add_chart(_chart(sheet, content, content.chart), anchor)


def _chart(sheet: Sheet, content: Content, spec: Chart) -> BarChart | LineChart:
    last = HEADER_ROW + len(content.rows)
    if spec.kind == "line":
        chart: BarChart | LineChart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "barh" else "col"
    chart.title = spec.title or None
    for column in spec.columns:
        data = Reference(sheet, min_col=column + 1, min_row=HEADER_ROW, max_row=last)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=HEADER_ROW + 1, max_row=last))
    chart.width = 18
    chart.height = max(7.5, min(20.0, 2.5 + 0.6 * len(content.rows)))
    # openpyxl 3.1 marks both axes deleted unless told otherwise; Excel then draws none.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if spec.kind == "barh":
        chart.x_axis.scaling.orientation = "maxMin"  # the first row on top, as in the table
    return chart


def _value(sheet: Sheet, value: Value, column: Column) -> Any:
    raw, fmt = plain(value), fmt_of(value, column)
    if raw is None or isinstance(raw, str) or fmt == Fmt.TEXT:
        return "—" if raw is None else xlsx_text(sheet, str(raw))
    cell = WriteOnlyCell(sheet, value=raw)
    cell.number_format = FORMATS[fmt]
    return cell


def _cell(
    sheet: Sheet, value: str, alignment: Alignment | None = None, *, font: Font | None = None
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, even when it starts like a formula (veche.web.cells)
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _sheet_name(text: str, taken: set[str]) -> str:
    """At most 31 characters, none of []:*?/\\, unique in the workbook."""
    name = " ".join(re.sub(r"[\[\]:*?/\\]", "", text).split())[:31].rstrip()
    candidate, n = name, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = name[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate
