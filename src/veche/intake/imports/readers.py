"""Rows of an export file, streamed: memory does not grow with the number of rows.

XLSX is read by `xlsx.py`: the sheet and its shared strings parsed as they are decompressed,
the strings kept on disk. Anything else is read as CSV: UTF-8 (with or without BOM) or
Windows-1251, told apart by the bytes; «;», «,» or tab as the delimiter, told by the header
line. The format is judged by content, never by the name.
"""

import codecs
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from veche.intake.imports.xlsx import BROKEN as BROKEN_XLSX
from veche.intake.imports.xlsx import Sheet
from veche.intake.imports.xlsx.parsing import MAX_CELL

# Rows are numbered as a spreadsheet shows them: the header is row 1 of a file without a
# title above it, so an officer finds «строка 12» where Excel shows 12.
Row = tuple[int, list[object]]
SAMPLE = 256 * 1024
DELIMITERS = (";", ",", "\t")
BROKEN = "\ufffd"  # a byte the detected encoding could not decode

# A CSV cell may be as long as an XLSX one: the csv module's default limit (131,072) made a
# long appeal text end the file there, losing every row after it. Only ever raised.
csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL))


class FileProblem(Exception):
    """The file as a whole cannot be read; the message is for the officer."""


class Closable(Protocol):
    def close(self) -> None: ...


@dataclass
class Table:
    format: str  # "xlsx" or "csv; utf-8; «;»" — shown on the run page
    header_row: int
    headers: list[str]
    rows: Iterator[Row]
    total: int | None  # data rows, as far as known before reading them
    file: Closable  # a file or an XLSX sheet; closed when the rows are read to the end, or
    # by close()

    def close(self) -> None:
        """Stop early (after reading the header only): the rows were never started."""
        self.file.close()


def open_table(path: Path) -> Table:
    with path.open("rb") as probe:
        head = probe.read(8)
    if head.startswith(b"PK\x03\x04"):
        return _xlsx(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("Файл в старом формате Excel (.xls): сохраните его как .xlsx или .csv.")
    return _csv(path)


def _xlsx(path: Path) -> Table:
    try:
        sheet = Sheet(path)
        rows = sheet.rows()
        header_row, headers = _header(rows)
    except BROKEN_XLSX as exc:
        raise FileProblem(f"Файл XLSX повреждён или это не таблица Excel ({exc}).") from exc
    last = sheet.last_row
    total = last - header_row if last is not None and last >= header_row else None
    return Table("xlsx", header_row, headers, _xlsx_rows(sheet, rows), total, sheet)


def _xlsx_rows(sheet: Sheet, rows: Iterator[Row]) -> Iterator[Row]:
    try:
        for number, values in rows:
            if any(v is not None and v != "" for v in values):
                yield number, values
    except BROKEN_XLSX as exc:
        raise FileProblem(f"Файл XLSX повреждён: чтение прервано ({exc}).") from exc
    finally:
        sheet.close()


def _header(rows: Iterator[tuple[int, Sequence[object]]]) -> tuple[int, list[str]]:
    """The first non-empty row is the header."""
    for number, values in rows:
        headers = [" ".join(str(v).split()) if v is not None else "" for v in values]
        if any(headers):
            while headers and not headers[-1]:
                headers.pop()
            return number, headers
    raise FileProblem("В файле нет строки заголовков: он пустой.")


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in sample:
        raise FileProblem(
            "Файл в кодировке UTF-16 или не текстовый: сохраните его как CSV "
            "(UTF-8 или Windows-1251)."
        )
    # Lines with non-ASCII bytes vote: valid UTF-8 or not. A mostly-UTF-8 file with a few
    # stray Windows-1251 rows stays UTF-8, so only those rows are refused, not the file.
    votes = [_is_utf8(line) for line in sample.split(b"\n")[:-1] or [sample] if not line.isascii()]
    return "utf-8" if not votes or sum(votes) * 2 > len(votes) else "cp1251"


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(line: str) -> str:
    """The delimiter that splits the header line into most columns (quotes respected, so a
    header such as «Время, которое …» does not split a «;» file)."""
    counts = {d: len(next(csv.reader([line], delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], d == ";"))


def _csv(path: Path) -> Table:
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE)
    encoding = detect_encoding(sample)
    first_line = sample.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()
    if not first_line:
        raise FileProblem("В файле нет строки заголовков: он пустой.")
    delimiter = sniff_delimiter(next((line for line in first_line if line.strip()), ""))
    stream: IO[str] = open(path, encoding=encoding, errors="replace", newline="")  # noqa: SIM115
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header_row, headers = _header((n, tuple(r)) for n, r in enumerate(reader, start=1))
    except (csv.Error, FileProblem):
        stream.close()
        raise
    label = {";": "«;»", ",": "«,»", "\t": "табуляция"}[delimiter]
    name = "UTF-8" if encoding.startswith("utf") else "Windows-1251"
    total = max(_count_lines(path) - header_row, 0)
    rows = _csv_rows(stream, reader, header_row)
    return Table(f"CSV, {name}, разделитель {label}", header_row, headers, rows, total, stream)


def _csv_rows(stream: IO[str], reader: Iterator[list[str]], header_row: int) -> Iterator[Row]:
    try:
        for number, values in enumerate(reader, start=header_row + 1):
            if any(v.strip() for v in values):
                yield number, list(values)
    except csv.Error as exc:
        raise FileProblem(f"CSV повреждён около строки {reader.line_num}: {exc}.") from exc  # type: ignore[attr-defined]
    finally:
        stream.close()


def _count_lines(path: Path) -> int:
    """Lines in the file, for the progress bar (a cell with line breaks makes it an
    overestimate; the run corrects the total at the end)."""
    count = 0
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            count += chunk.count(b"\n")
    return count
