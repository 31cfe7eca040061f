"""Spreadsheet cells that show text and never run it (CSV / formula injection).

A spreadsheet reads a cell starting with «=», «+», «-» or «@» as a formula, and Excel drops a
leading tab or CR and reads what follows (OWASP, «CSV Injection»). Citizen text reaches every
export, so every export writes text through this one module:

- CSV (and an XLSX whose readers expect the CSV convention): `csv_text` puts an apostrophe in
  front, which Excel and LibreOffice show as text;
- XLSX: `xlsx_text` keeps the text as it is but stores it with the string type, so it is never
  a formula (openpyxl would otherwise write a string starting with «=» as one).
"""

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def csv_text(text: str) -> str:
    """The text with a leading apostrophe when a spreadsheet would read it as a formula."""
    return "'" + text if starts_formula(text) else text


def xlsx_text(sheet: Worksheet | WriteOnlyWorksheet, text: str) -> Cell | str:
    """The text for `sheet.append`: a cell typed as a string when it starts like a formula."""
    if not starts_formula(text):
        return text
    cell: Cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    return cell
