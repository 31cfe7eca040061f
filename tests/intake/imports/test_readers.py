"""Reading export files: format by content, encodings, delimiters, and flat memory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.intake.imports.exports import (
    POS_HEADERS,
    im_row,
    pos_row,
    write_big_xlsx,
    write_csv,
    write_xlsx,
)
from veche.intake.imports.presets import IM_HEADERS
from veche.intake.imports.readers import FileProblem, open_table, sniff_delimiter


@pytest.mark.parametrize(
    ("encoding", "delimiter", "label"),
    [
        ("utf-8", ";", "CSV, UTF-8, разделитель «;»"),
        ("utf-8-sig", ",", "CSV, UTF-8, разделитель «,»"),
        ("cp1251", ";", "CSV, Windows-1251, разделитель «;»"),
        ("cp1251", "\t", "CSV, Windows-1251, разделитель табуляция"),
    ],
)
def test_csv_encodings_and_delimiters(
    tmp_path: Path, encoding: str, delimiter: str, label: str
) -> None:
    path = write_csv(
        tmp_path / "x.txt", IM_HEADERS, [im_row(1)], encoding=encoding, delimiter=delimiter
    )

    table = open_table(path)
    rows = list(table.rows)

    assert table.format == label
    assert table.headers == list(IM_HEADERS)
    assert [(n, r[1]) for n, r in rows] == [(2, "1")]


def test_comma_in_a_header_does_not_fool_the_delimiter() -> None:
    line = "ID;Время, которое первый ответ ПИ находился на согласовании;Тема"

    assert sniff_delimiter(line) == ";"


def test_xlsx_rows_are_numbered_as_excel_shows_them(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "x.bin", POS_HEADERS, [pos_row(1), [None] * 3, pos_row(2)])

    table = open_table(path)

    assert table.format == "xlsx"
    assert [n for n, _ in table.rows] == [2, 4]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04garbage", "Файл XLSX повреждён"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "старом формате Excel"),
        (b"", "нет строки заголовков"),
        ("ID;Текст\n1;привет".encode("utf-16"), "UTF-16"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)

    with pytest.raises(FileProblem, match=message):
        list(open_table(path).rows)


def test_200000_rows_stream_in_flat_memory(tmp_path: Path) -> None:
    """Rows are parsed as they are read: reading 200,000 rows (150 MB of sheet XML) grows the
    reading process by a few MB, where holding the rows at once would take hundreds.

    Measured in a child process (its peak resident memory, no tracing overhead)."""
    path = write_big_xlsx(tmp_path / "big.xlsx", POS_HEADERS, (pos_row(n) for n in range(200_000)))

    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    count, before, peak = (int(x) for x in done.stdout.split())

    assert count == 200_000
    assert peak - before < 20 * 2**10, f"grew {(peak - before) / 2**10:.1f} MB"  # KiB


SRC = Path(__file__).resolve().parents[3] / "src"
_CHILD = """
import resource, sys
from pathlib import Path
from veche.intake.imports.readers import open_table
table = open_table(Path(sys.argv[1]))
first = next(table.rows)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
count = 1 + sum(1 for _ in table.rows)
print(count, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
