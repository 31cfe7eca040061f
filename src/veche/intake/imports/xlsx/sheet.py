"""The sheet itself: rows of cell values as openpyxl's read-only mode would give them."""

import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from openpyxl.utils.datetime import from_excel, from_ISO8601

from veche.intake.imports.xlsx.package import (
    _date_styles,
    _locate,
    _Package,
)
from veche.intake.imports.xlsx.parsing import (
    _SHEET_TAGS,
    MAX_CELL,
    MAX_COLUMN,
    Row,
    WorkbookProblem,
    _feed,
    _parser,
)
from veche.intake.imports.xlsx.strings import (
    _SharedStrings,
    _unescape,
)


class _SheetParser:
    """Handlers for expat over a worksheet: finished rows collect in `ready`."""

    def __init__(
        self,
        strings: _SharedStrings,
        dates: frozenset[str],
        durations: frozenset[str],
        epoch: datetime,
    ) -> None:
        self.strings = strings
        self.dates = dates
        self.durations = durations
        self.epoch = epoch
        self.ready: list[Row] = []
        self.ended = False  # past </sheetData>: the rest of the part is not rows
        self.last_row: int | None = None
        self._number = 0
        self._values: list[object] = []
        self._column = -1
        self._type = "n"
        self._style = ""
        self._parts: list[str] = []
        self._chars = 0
        self._collect = False
        self._phonetic = 0
        self._columns: dict[str, int] = {}

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _SHEET_TAGS.get(name)
        if tag == "c":
            ref = attrs.get("r")
            self._column = self._column_of(ref) if ref else self._column + 1
            self._type = attrs.get("t", "n")
            self._style = attrs.get("s", "")
            self._parts, self._chars = [], 0
        elif tag == "v":
            self._collect = True
        elif tag == "t":
            self._collect = not self._phonetic
        elif tag == "row":
            number = attrs.get("r")
            self._number = _row_number(number) if number else self._number + 1
            self._values, self._column = [], -1
        elif tag == "rPh":
            self._phonetic += 1
        elif tag == "dimension":
            self.last_row = _last_row(attrs.get("ref", ""))

    def end(self, name: str) -> None:
        tag = _SHEET_TAGS.get(name)
        if tag == "v" or tag == "t":
            self._collect = False
        elif tag == "c":
            if self._parts:
                self._place(self._value("".join(self._parts)))
        elif tag == "row":
            if self._values:
                self.ready.append((self._number, self._values))
        elif tag == "rPh":
            self._phonetic -= 1
        elif tag == "sheetData":
            self.ended = True

    def data(self, text: str) -> None:
        if self._collect:
            self._parts.append(text)
            self._chars += len(text)
            if self._chars > MAX_CELL:
                raise WorkbookProblem(f"в ячейке строки {self._number} больше {MAX_CELL} знаков")

    def _place(self, value: object) -> None:
        if value is None:
            return
        values, column = self._values, self._column
        if column == len(values):
            values.append(value)
        elif column > len(values):
            values.extend([None] * (column - len(values)))
            values.append(value)
        else:  # cells out of order: the later one wins, as in openpyxl
            values[column] = value

    def _value(self, raw: str) -> object:
        kind = self._type
        if kind == "s":
            return self.strings[int(raw)]
        if kind == "n":
            return self._number_value(raw)
        if kind == "inlineStr" or kind == "str":  # an inline string; a formula's text result
            return _unescape(raw)
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":  # an ISO 8601 date, as Strict Open XML writes them
            try:
                return from_ISO8601(raw.strip())
            except ValueError:
                return raw
        return None  # "e": an error such as #N/A or #DIV/0!

    def _number_value(self, raw: str) -> object:
        try:
            number: float = float(raw) if "." in raw or "e" in raw or "E" in raw else int(raw)
        except ValueError:
            return raw
        if self._style not in self.dates:
            return number
        try:
            return from_excel(number, self.epoch, timedelta=self._style in self.durations)
        except (OverflowError, ValueError):  # beyond the calendar: the number as it is
            return number

    def _column_of(self, ref: str) -> int:
        letters = ref.rstrip("0123456789")
        column = self._columns.get(letters)
        if column is None:
            column = _column_index(letters, ref)
            self._columns[letters] = column  # at most MAX_COLUMN entries
        return column


def _column_index(letters: str, ref: str) -> int:
    index = 0
    for letter in letters.upper():
        if not "A" <= letter <= "Z":
            index = 0
            break
        index = index * 26 + ord(letter) - ord("A") + 1
    if not 1 <= index <= MAX_COLUMN:
        raise WorkbookProblem(f"неверная ссылка на ячейку «{ref[:20]}»")
    return index - 1


def _row_number(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        number = float(raw)  # some writers put «7.0»; anything else is a ValueError
        if not number.is_integer():
            raise
        return int(number)


def _last_row(ref: str) -> int | None:
    digits = ref.rpartition(":")[2].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    return int(digits) if digits.isdigit() else None


class Sheet:
    """The first worksheet of a workbook, open for reading. `close()` releases the file and
    the temporary ones; reading the rows to the end does too."""

    def __init__(self, path: Path) -> None:
        self._stack = ExitStack()
        try:
            book = self._stack.enter_context(zipfile.ZipFile(path))
            package = _Package(book)
            parts = _locate(package)
            dates, durations = frozenset[str](), frozenset[str]()
            if parts.styles and package.has(parts.styles):
                with package.open(parts.styles) as stream:
                    dates, durations = _date_styles(stream)
            strings = None
            if parts.strings and package.has(parts.strings):
                strings = self._stack.enter_context(package.open(parts.strings))
            self._stream = self._stack.enter_context(package.open(parts.sheet))
        except BaseException:
            self._stack.close()
            raise
        shared = _SharedStrings(strings, path.parent, self._stack)
        self._handlers = _SheetParser(shared, dates, durations, parts.epoch)

    @property
    def last_row(self) -> int | None:
        """The sheet's last row by its <dimension>, once the first row has been read."""
        return self._handlers.last_row

    def rows(self) -> Iterator[Row]:
        """(row number as Excel shows it, values by column) for each row with a value;
        a cell left empty in the middle of a row is None."""
        handlers = self._handlers
        parser = _parser()
        parser.StartElementHandler = handlers.start
        parser.EndElementHandler = handlers.end
        parser.CharacterDataHandler = handlers.data
        try:
            while True:
                more = _feed(parser, self._stream)
                ready, handlers.ready = handlers.ready, []
                yield from ready
                if handlers.ended or not more:
                    return
        finally:
            self.close()

    def close(self) -> None:
        self._stack.close()
