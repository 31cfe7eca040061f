"""Reading `veche triage` input: CSV with a `text` column or JSON lines with a `text` field,
streamed, with the text's territory (the district: `territory` or `district`) when given. A
line that cannot be read is reported by number and skipped over; it never stops the run."""

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

SAMPLE = 64 * 1024
TERRITORY = ("territory", "district")  # the first one present names the text's territory


@dataclass(frozen=True)
class Item:
    line: int  # as an editor numbers the file's lines (CSV: the header is line 1)
    id: object
    text: str
    error: str = ""
    territory: str = ""


def read_items(path: Path) -> Iterator[Item]:
    with path.open("rb") as probe:
        head = probe.read(SAMPLE)
    encoding = _encoding(head)
    # JSON lines: the first one an object, or a broken line that is JSON all the same (an
    # array): a CSV header never starts so, and one bad first line must not lose the rest.
    if head.decode(encoding, errors="replace").lstrip("\ufeff \r\n\t").startswith(("{", "[")):
        yield from _jsonl(path, encoding)
    else:
        yield from _csv(path, encoding)


def _encoding(head: bytes) -> str:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8-sig"


def _jsonl(path: Path, encoding: str) -> Iterator[Item]:
    with path.open(encoding=encoding, errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Item(number, None, "", f"строка не JSON: {exc.msg}")
                continue
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                ident = record.get("id") if isinstance(record, dict) else None
                yield Item(number, ident, "", "нет текстового поля text")
                continue
            territory = next(
                (v for k in TERRITORY if isinstance(v := record.get(k), str) and v), ""
            )
            yield Item(number, record.get("id"), record["text"], territory=territory)


def _csv(path: Path, encoding: str) -> Iterator[Item]:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        yield from _csv_rows(handle)


def _csv_rows(handle: IO[str]) -> Iterator[Item]:
    first = handle.readline()
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter), [])]
    except csv.Error as exc:
        raise ValueError(f"первая строка CSV не читается: {exc}") from None
    if "text" not in header:
        raise ValueError(f"в CSV нет столбца text (есть: {', '.join(header) or 'ничего'})")
    text_at, id_at = header.index("text"), header.index("id") if "id" in header else None
    territory_at = next((header.index(k) for k in TERRITORY if k in header), None)
    reader = csv.reader(handle, delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a cell over the csv module's limit: this line only
            yield Item(reader.line_num + 1, None, "", f"строка не читается как CSV: {exc}")
            continue
        line = reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        ident = row[id_at] if id_at is not None and id_at < len(row) else None
        if text_at >= len(row):
            yield Item(line, ident, "", "в строке нет столбца text")
            continue
        territory = (
            row[territory_at] if territory_at is not None and territory_at < len(row) else ""
        )
        yield Item(line, ident, row[text_at], territory=territory)
