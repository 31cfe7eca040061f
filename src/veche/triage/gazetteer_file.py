"""The gazetteer file (format: `veche.triage.gazetteer`; README, «Справочник мест»): reading
it as a stream of rows, checking each row, writing it back. No database: `veche triage
--gazetteer FILE` and the import into the database (`gazetteer_store`) share this one parser.

Reading streams: CSV is decoded line by line, GeoJSON feature by feature, so memory does not
grow with the file. A problem with the whole file (not CSV, broken JSON, no header) is a
`GazetteerFileError`; a bad row is a `RowProblem` with the reason, and the rows around it
are still good.
"""

import codecs
import csv
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain
from pathlib import Path
from typing import Protocol

FIELDS = ("kind", "name", "settlement", "street", "house", "lat", "lon", "territory")


class RecordKind(StrEnum):
    SETTLEMENT = "settlement"
    STREET = "street"
    HOUSE = "house"
    LANDMARK = "landmark"


@dataclass(frozen=True)
class GazetteerRecord:
    kind: RecordKind
    name: str
    settlement: str = ""
    street: str = ""
    house: str = ""
    lat: float | None = None
    lon: float | None = None
    territory: str = ""
    territory_id: int | None = None  # the org.Territory, when read from the database


_CHUNK = 1 << 16
_LONGEST_LINE = 1 << 20  # a "line" longer than this is not a gazetteer CSV
_LONGEST_FEATURE = 1 << 20  # nor a GeoJSON feature longer than this
# The GazetteerPlace columns: a longer value is a bad row, not a database error.
MAX_LENGTHS = {"name": 300, "settlement": 200, "street": 200, "house": 50, "territory": 200}
_LABELS = {
    "name": "название (name)",
    "settlement": "населённый пункт (settlement)",
    "street": "улица (street)",
    "house": "дом (house)",
    "territory": "территория (territory)",
}


class Readable(Protocol):
    """A binary file: an upload, or a file opened with "rb"."""

    def read(self, size: int = -1, /) -> bytes: ...


class GazetteerFileError(ValueError):
    """The file as a whole cannot be read; the message is for the officer."""


class RowProblem(ValueError):
    """One row cannot be a place; the message (the reason) is for the officer."""


@dataclass(frozen=True)
class SourceRow:
    number: int  # CSV: the row as a spreadsheet numbers it (the header is 1); GeoJSON: the
    # feature's number in `features`, from 1
    values: dict[str, str]
    error: str = ""  # the row could not even be read as values


@dataclass(frozen=True)
class GazetteerSource:
    format: str  # «CSV, UTF-8, разделитель «,»» or «GeoJSON», for the report
    unit: str  # what a number counts: «строка» or «объект»
    rows: Iterator[SourceRow]


def read_source(stream: Readable) -> GazetteerSource:
    """The rows of a gazetteer file, streamed: CSV (UTF-8 or Windows-1251, «,», «;» or tab) or
    a GeoJSON FeatureCollection, told apart by the content, not the name."""
    head = stream.read(_CHUNK)
    chunks = chain([head], iter(lambda: stream.read(_CHUNK), b""))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise GazetteerFileError("Файл в UTF-16 или не текстовый: сохраните его как CSV в UTF-8.")
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if not text:
        raise GazetteerFileError("Файл пустой.")
    if text.startswith(b"{"):
        return GazetteerSource("GeoJSON", "объект", _geojson_rows(_JsonStream(chunks)))
    encoding = _encoding(head)
    first = head.decode(encoding, errors="replace").lstrip("\ufeff").lstrip().split("\n")[0]
    delimiter = max(_DELIMITERS, key=lambda d: (first.count(d), d == ","))
    label = {",": "«,»", ";": "«;»", "\t": "табуляция"}[delimiter]
    name = "UTF-8" if encoding.startswith("utf") else "Windows-1251"
    rows = _csv_rows(_lines(chunks, encoding), delimiter)
    return GazetteerSource(f"CSV, {name}, разделитель {label}", "строка", rows)


_DELIMITERS = (",", ";", "\t")


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8"


def _lines(chunks: Iterable[bytes], encoding: str) -> Iterator[str]:
    """Lines split on "\\n" only (a "\\r\\n" stays for csv), decoded as they arrive."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    rest = ""
    for chunk in chain(chunks, [b""]):
        lines = (rest + decoder.decode(chunk, final=not chunk)).split("\n")
        rest = lines.pop()
        if len(rest) > _LONGEST_LINE:
            raise GazetteerFileError("В файле строка длиннее 1 МБ: это не CSV справочника мест.")
        yield from (line + "\n" for line in lines)
    if rest:
        yield rest


def _csv_rows(lines: Iterator[str], delimiter: str) -> Iterator[SourceRow]:
    rows = enumerate(csv.reader(lines, delimiter=delimiter), start=1)
    number = 0
    try:
        headers: list[str] = []
        for number, values in rows:  # noqa: B007 - `number` is for the except clause
            if any(v.strip() for v in values):
                headers = [v.strip().lstrip("\ufeff").lower() for v in values]
                break
        missing = [f for f in ("kind", "name") if f not in headers]
        if missing:
            raise GazetteerFileError(
                f"В первой строке нет столбцов {', '.join(missing)}: нужен заголовок "
                f"{','.join(FIELDS)}."
            )
        for number, values in rows:
            if any(v.strip() for v in values):
                yield SourceRow(number, dict(zip(headers, values, strict=False)))
    except csv.Error as exc:
        raise GazetteerFileError(f"CSV повреждён около строки {number + 1}: {exc}.") from exc


def _geojson_rows(stream: "_JsonStream") -> Iterator[SourceRow]:
    for number, feature in enumerate(stream.features(), start=1):
        try:
            yield SourceRow(number, _feature_values(feature))
        except RowProblem as exc:
            yield SourceRow(number, {}, str(exc))


def _feature_values(feature: object) -> dict[str, str]:
    if not isinstance(feature, dict):
        raise RowProblem('объект не Feature: ожидался {"type": "Feature", …}')
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise RowProblem("properties — не объект")
    values = {str(k).lower(): "" if v is None else str(v) for k, v in properties.items()}
    geometry = feature.get("geometry")
    if geometry:
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            kind = geometry.get("type") if isinstance(geometry, dict) else geometry
            raise RowProblem(f"геометрия {kind}: нужна точка (Point)")
        coordinates = geometry.get("coordinates")
        if not isinstance(coordinates, list) or len(coordinates) < 2:
            raise RowProblem("у точки нет координат [долгота, широта]")
        values.update(lon=str(coordinates[0]), lat=str(coordinates[1]))
    return values


class _JsonStream:
    """Just enough of an incremental JSON reader for a FeatureCollection: the features are
    decoded one by one as the file arrives, so a large file is never held whole in memory."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._json = json.JSONDecoder()
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._read = 0  # characters dropped from the buffer's front: for error positions

    def features(self) -> Iterator[object]:
        self._expect("{")
        found = False
        while self._peek() != "}":
            key = self._value()
            self._expect(":")
            if key == "features":
                found = True
                yield from self._array()
            else:
                self._value()
            if self._peek() == ",":
                self._pos += 1
        if not found:
            raise GazetteerFileError("В GeoJSON нет списка features (FeatureCollection).")

    def _array(self) -> Iterator[object]:
        self._expect("[")
        if self._peek() == "]":
            self._pos += 1
            return
        while True:
            yield self._value()
            separator = self._peek()
            self._expect(separator if separator in ",]" else ",")
            if separator == "]":
                return

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = next(self._chunks, b"")
        self._eof = not chunk
        self._read += self._pos
        self._buffer = self._buffer[self._pos :] + self._decoder.decode(chunk, final=self._eof)
        self._pos = 0
        return True

    def _peek(self) -> str:
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buffer) or not self._fill():
                return self._buffer[self._pos : self._pos + 1]

    def _expect(self, char: str) -> None:
        found = self._peek()
        if found != char:
            raise self._broken(self._pos, f"ожидался «{char}»")
        self._pos += 1

    def _broken(self, pos: int, what: str = "ошибка в записи JSON") -> GazetteerFileError:
        if pos >= len(self._buffer.rstrip()):
            return GazetteerFileError("GeoJSON обрывается: файл загружен не полностью.")
        return GazetteerFileError(
            f"GeoJSON повреждён около символа {self._read + pos + 1}: {what}."
        )

    def _value(self) -> object:
        self._peek()
        while True:
            try:
                value, end = self._json.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                incomplete = exc.pos >= len(self._buffer) - _LONGEST_FEATURE
                if (
                    incomplete
                    and len(self._buffer) - self._pos <= _LONGEST_FEATURE
                    and self._fill()
                ):
                    continue
                raise self._broken(exc.pos) from exc
            # A number can end at the edge of the buffer with its digits still to come.
            if end < len(self._buffer) or not self._fill():
                self._pos = end
                return value


def parse_record(values: dict[str, str]) -> GazetteerRecord:
    """A row's values as a place, or `RowProblem` with the reason."""
    text = {f: values.get(f, "").replace("\x00", "").strip() for f in FIELDS}
    try:
        kind = RecordKind(text["kind"].lower())
    except ValueError:
        shown = f"«{text['kind']}»" if text["kind"] else "пустой"
        raise RowProblem(
            f"вид (kind) {shown}: нужен settlement, street, house или landmark"
        ) from None
    for field, limit in MAX_LENGTHS.items():
        if len(text[field]) > limit:
            raise RowProblem(f"{_LABELS[field]} длиннее {limit} символов")
    if not text["name"] and kind != RecordKind.HOUSE:
        raise RowProblem("нет названия (name)")
    if kind == RecordKind.HOUSE and not (text["street"] and text["house"]):
        raise RowProblem(
            "у дома нет улицы (street)" if not text["street"] else "нет номера дома (house)"
        )
    lat = _coordinate(text["lat"], "широта (lat)", 90)
    lon = _coordinate(text["lon"], "долгота (lon)", 180)
    if (lat is None) != (lon is None):
        raise RowProblem("указана только одна координата: нужны и широта (lat), и долгота (lon)")
    if lat is None and kind != RecordKind.STREET:
        raise RowProblem("нет координат (lat, lon)")
    if lat is None and not text["settlement"]:
        raise RowProblem("у улицы нет ни координат (lat, lon), ни населённого пункта (settlement)")
    return GazetteerRecord(
        kind, text["name"], text["settlement"], text["street"], text["house"], lat, lon,
        text["territory"],
    )  # fmt: skip


def _coordinate(text: str, label: str, limit: int) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise RowProblem(f"{label} «{text[:40]}» — не число") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise RowProblem(f"{label} {text[:40]} вне диапазона −{limit}…{limit}")
    return value


def read_records(stream: Readable) -> Iterator[GazetteerRecord]:
    """Every place of the file, or `GazetteerFileError` naming the first bad row."""
    source = read_source(stream)
    for row in source.rows:
        try:
            if row.error:
                raise RowProblem(row.error)
            yield parse_record(row.values)
        except RowProblem as exc:
            raise GazetteerFileError(f"{source.unit} {row.number}: {exc}") from None


def csv_row(record: GazetteerRecord) -> tuple[str, ...]:
    lat = "" if record.lat is None else f"{record.lat:.6f}"
    lon = "" if record.lon is None else f"{record.lon:.6f}"
    return (
        record.kind, record.name, record.settlement, record.street, record.house, lat, lon,
        record.territory,
    )  # fmt: skip


def write_gazetteer(records: Iterable[GazetteerRecord], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FIELDS)
        writer.writerows(csv_row(r) for r in records)
