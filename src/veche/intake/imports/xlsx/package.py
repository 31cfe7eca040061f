"""The workbook package: which part is the first worksheet, the shared strings and the styles,
which cell styles are dates or durations, and the 1900/1904 calendar."""

import posixpath
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

from veche.intake.imports.xlsx.parsing import (
    WorkbookProblem,
    _walk,
)


@dataclass(frozen=True)
class _Parts:
    sheet: str
    strings: str | None
    styles: str | None
    epoch: datetime


class _Package:
    """The zip's part names, found case-insensitively as the Open Packaging rules want."""

    def __init__(self, book: zipfile.ZipFile) -> None:
        self.book = book
        self.names = {name.lower(): name for name in book.namelist()}

    def open(self, part: str) -> IO[bytes]:
        name = self.names.get(part.lower())
        if name is None:
            raise WorkbookProblem(f"в архиве нет части {part}")
        return self.book.open(name)

    def has(self, part: str) -> bool:
        return part.lower() in self.names

    def relations(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target part) of a part ("" for the package itself)."""
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{base}.rels")
        found: dict[str, tuple[str, str]] = {}
        if not self.has(rels):
            return found

        def start(tag: str, attrs: dict[str, str]) -> None:
            target = attrs.get("Target", "")
            if tag != "Relationship" or attrs.get("TargetMode") == "External" or not target:
                return
            path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(path))

        with self.open(rels) as stream:
            _walk(stream, start)
        return found


def _locate(package: _Package) -> _Parts:
    """The first worksheet, the shared strings and the styles, by the workbook's relations."""
    root = package.relations("")
    workbook = next(
        (t for kind, t in root.values() if kind.endswith("/officeDocument")), "xl/workbook.xml"
    )
    if not package.has(workbook):
        raise WorkbookProblem("в архиве нет книги Excel (xl/workbook.xml)")
    sheets: list[str] = []
    calendar = [WINDOWS_EPOCH]

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "sheet":
            sheets.append(attrs.get("id", ""))
        elif tag == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
            calendar[0] = CALENDAR_MAC_1904

    with package.open(workbook) as stream:
        _walk(stream, start)
    relations = package.relations(workbook)
    worksheets = [
        relations[s][1] for s in sheets if relations.get(s, ("", ""))[0].endswith("/worksheet")
    ]
    if not worksheets:
        raise WorkbookProblem("в книге нет ни одного листа")

    def part(kind: str) -> str | None:
        return next((t for k, t in relations.values() if k.endswith(kind)), None)

    return _Parts(worksheets[0], part("/sharedStrings"), part("/styles"), calendar[0])


def _date_styles(stream: IO[bytes]) -> tuple[frozenset[str], frozenset[str]]:
    """Cell style indices (as the `s` attribute writes them) that show a date or time, and
    those of them that show a duration ([h]:mm:ss)."""
    custom: dict[str, str] = {}
    formats: list[str] = []
    within = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "numFmt":
            custom[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            within[0] = True
        elif tag == "xf" and within[0]:
            formats.append(attrs.get("numFmtId", "0"))

    def end(tag: str) -> None:
        if tag == "cellXfs":
            within[0] = False

    _walk(stream, start, end)
    codes = [
        custom.get(f) or (BUILTIN_FORMATS.get(int(f)) if f.isdigit() else None) for f in formats
    ]
    dates = frozenset(str(i) for i, code in enumerate(codes) if code and is_date_format(code))
    durations = frozenset(
        str(i) for i, code in enumerate(codes) if code and is_timedelta_format(code)
    )
    return dates, durations
