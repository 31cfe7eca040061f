"""The first worksheet of an XLSX file, row by row, in flat memory — its shared strings too.

openpyxl's read-only mode streams a sheet but first loads the workbook's whole shared-strings
table, and Excel exports keep every text cell there (a citizen's text is one unique string
per row), so its memory grows with the file. Here the zip is read with the standard library
and each part is parsed by expat as it is decompressed:

- the shared strings are read only as far as the sheet has referred to them. Excel writes
  the table in the order cells first use it, so the string a cell needs was usually just
  read and is still in a window of some 250,000 characters held in memory; the window
  then goes to an anonymous temporary file next to the export (the export's disk, not a
  /tmp that may live in memory): UTF-8 bytes, and 16 bytes of offset and length per string
  in a second file. An older string is read back with one seek;
- a document type declaration is refused in every part, so no entity can be declared and
  none can expand: an XLSX from outside is untrusted;
- cell values are what openpyxl's read-only mode gives with `data_only=True` (numbers as
  int or float, dates by the cell's number format and the workbook's 1900/1904 calendar),
  except that an error cell (#N/A) is None and Excel's `_xHHHH_` escapes are decoded.
"""

import posixpath
import re
import struct
import tempfile
import zipfile
from array import array
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

Row = tuple[int, list[object]]
CHUNK = 64 * 1024  # decompressed bytes handed to expat at a time
WINDOW = 1 << 18  # characters of recently read shared strings kept in memory
MAX_CELL = 1 << 20  # characters in one cell (Excel's own limit is 32,767)
MAX_COLUMN = 16_384  # XFD, Excel's last column
CACHE = 4096  # short shared strings (statuses, topics) kept after a read from disk
CACHED_LENGTH = 200
MAIN = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict Open XML
)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SPAN = struct.Struct("qq")


class WorkbookProblem(Exception):
    """The file is not a readable workbook; the message, in Russian, says why."""


# Errors reading a broken file can raise, besides WorkbookProblem: the caller turns them into
# a message for the officer.
BROKEN = (
    WorkbookProblem,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    expat.ExpatError,
    ValueError,  # a number, index or reference that is not one; zlib.error is not a ValueError
    EOFError,  # a deflate stream cut short
    OSError,
    NotImplementedError,  # a compression method zipfile does not know
)


def _tags(*names: str) -> dict[str, str]:
    """Element names as expat reports them (namespace}local), for both the transitional and
    the strict namespace and for none, to the local name."""
    return {f"{space}}}{name}" if space else name: name for space in (*MAIN, "") for name in names}


_SHEET_TAGS = _tags("c", "v", "t", "row", "rPh", "sheetData", "dimension")
_STRING_TAGS = _tags("si", "t", "rPh")


def _refuse_doctype(*_: object) -> None:
    raise WorkbookProblem("в XML есть объявление DOCTYPE, такие файлы не принимаются")


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    return parser


def _feed(parser: expat.XMLParserType, stream: IO[bytes]) -> bool:
    """Parse the next chunk of a part; False once it is read to the end."""
    chunk = stream.read(CHUNK)
    parser.Parse(chunk, not chunk)
    return bool(chunk)


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _walk(
    stream: IO[bytes],
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] = lambda _: None,
) -> None:
    """Parse a small part to its end, with local names for elements and attributes."""
    parser = _parser()
    parser.StartElementHandler = lambda name, attrs: start(
        _local(name), {_local(k): v for k, v in attrs.items()}
    )
    parser.EndElementHandler = lambda name: end(_local(name))
    while _feed(parser, stream):
        pass


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


def _unescape(text: str) -> str:
    """Excel's `_xHHHH_` escapes (`_x000D_` for a carriage return, `_x005F_` for «_»)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = int(match[1], 16)
    return match[0] if 0xD800 <= code < 0xE000 else chr(code)  # a lone surrogate stays text


def _scratch(folder: Path) -> IO[bytes]:
    try:
        return tempfile.TemporaryFile(dir=folder)
    except OSError:  # a read-only folder: the system's temporary one
        return tempfile.TemporaryFile()


class _SharedStrings:
    """The shared-strings table, read lazily and kept on disk (see the module docstring)."""

    def __init__(self, stream: IO[bytes] | None, folder: Path, stack: ExitStack) -> None:
        self._stream = stream
        self._folder = folder
        self._stack = stack
        self._files: tuple[IO[bytes], IO[bytes]] | None = None
        self._stored = 0  # strings in the files
        self._size = 0  # bytes in the data file
        self._window: list[str] = []  # the strings after the stored ones
        self._window_chars = 0
        self._cache: dict[int, str] = {}
        self._parts: list[str] = []
        self._chars = 0
        self._collect = False
        self._phonetic = 0
        self._parser = _parser()
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._data

    def __getitem__(self, index: int) -> str:
        while index >= self._stored + len(self._window):
            self._more(index)
        if index >= self._stored:
            return self._window[index - self._stored]
        if index < 0:
            raise WorkbookProblem(f"ячейка ссылается на общую строку № {index}")
        return self._read(index)

    def _more(self, index: int) -> None:
        if self._stream is None:
            count = self._stored + len(self._window)
            raise WorkbookProblem(f"ячейка ссылается на общую строку № {index}, а их {count}")
        if self._window_chars > WINDOW:
            self._store()
        if not _feed(self._parser, self._stream):
            self._stream = None

    def _store(self) -> None:
        if self._files is None:
            self._files = (
                self._stack.enter_context(_scratch(self._folder)),
                self._stack.enter_context(_scratch(self._folder)),
            )
        data, index = self._files
        blob = bytearray()
        spans = array("q")
        for text in self._window:
            encoded = text.encode()
            spans.extend((self._size + len(blob), len(encoded)))
            blob += encoded
        data.seek(self._size)
        data.write(blob)
        index.seek(_SPAN.size * self._stored)
        index.write(spans.tobytes())
        self._size += len(blob)
        self._stored += len(self._window)
        self._window, self._window_chars = [], 0

    def _read(self, index: int) -> str:
        text = self._cache.get(index)
        if text is not None:
            return text
        assert self._files is not None  # noqa: S101 - a stored string implies the files
        data, offsets = self._files
        offsets.seek(_SPAN.size * index)
        start, length = _SPAN.unpack(offsets.read(_SPAN.size))
        data.seek(start)
        text = data.read(length).decode()
        if len(text) <= CACHED_LENGTH:
            if len(self._cache) >= CACHE:
                self._cache.clear()
            self._cache[index] = text
        return text

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _STRING_TAGS.get(name)
        if tag == "t":
            self._collect = not self._phonetic
        elif tag == "si":
            self._parts, self._chars = [], 0
        elif tag == "rPh":  # a phonetic reading (Japanese), not part of the text
            self._phonetic += 1

    def _end(self, name: str) -> None:
        tag = _STRING_TAGS.get(name)
        if tag == "t":
            self._collect = False
        elif tag == "si":
            text = _unescape("".join(self._parts))
            self._window.append(text)
            self._window_chars += len(text)
        elif tag == "rPh":
            self._phonetic -= 1

    def _data(self, text: str) -> None:
        if self._collect:
            self._parts.append(text)
            self._chars += len(text)
            if self._chars > MAX_CELL:
                raise WorkbookProblem(f"общая строка длиннее {MAX_CELL} знаков")


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
