"""Reading export files: format by content, encodings, delimiters, and flat memory."""

# ruff: noqa: DTZ001 - Excel cells hold local time without an offset: naive datetimes

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import partial
from itertools import chain
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from tests.intake.imports.exports import (
    POS_HEADERS,
    im_row,
    pos_row,
    write_csv,
    write_excel_xlsx,
    write_parts,
    write_xlsx,
)
from veche.intake.imports.presets import IM_HEADERS
from veche.intake.imports.readers import FileProblem, open_table, sniff_delimiter
from veche.intake.imports.xlsx import strings as xlsx_strings


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
        (b"PK\x03\x04garbage", "Файл XLSX повреждён или это не таблица Excel"),
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


def test_a_workbook_with_styles_dates_and_two_sheets(tmp_path: Path) -> None:
    """A workbook as openpyxl's ordinary save writes it (text inline, dates as numbers with
    built-in and custom date formats in a full styles part): the first sheet is read,
    whatever its name."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Обращения за ноябрь"
    sheet.append(["Номер", "Создано", "Текст", "Срок", "Аудитория", "Доля", "59-ФЗ"])
    sheet.append(
        ["ПОС-1", datetime(2026, 11, 20, 8, 15), "Нет отопления", date(2026, 11, 23), 1520, 0.25]
    )
    sheet.append(["ПОС-2", None, "Яма", None, None, None, True])
    sheet["B3"] = datetime(2026, 11, 21, 9, 30)
    sheet["B3"].number_format = "DD.MM.YYYY hh:mm"  # a custom format, as Russian Excel writes
    sheet["D3"] = timedelta(hours=36, minutes=5)
    sheet["D3"].number_format = "[h]:mm:ss"
    sheet.append([])
    sheet.append(["ПОС-3", time(14, 5), "Свет", None, -3, 1e20, False])
    book.create_sheet("Второй")["A1"] = "не этот лист"
    book.save(tmp_path / "x.xlsx")

    table = open_table(tmp_path / "x.xlsx")

    assert table.headers == ["Номер", "Создано", "Текст", "Срок", "Аудитория", "Доля", "59-ФЗ"]
    assert table.total == 4
    created, due = datetime(2026, 11, 20, 8, 15), datetime(2026, 11, 23)
    assert list(table.rows) == [
        (2, ["ПОС-1", created, "Нет отопления", due, 1520, 0.25]),
        (3, ["ПОС-2", datetime(2026, 11, 21, 9, 30), "Яма", timedelta(hours=36, minutes=5),
             None, None, True]),
        (5, ["ПОС-3", time(14, 5), "Свет", None, -3, 1e20, False]),
    ]  # fmt: skip


def test_dates_of_a_1904_workbook(tmp_path: Path) -> None:
    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    book.active.append(["Создано"])
    book.active.append([datetime(2026, 11, 20, 8, 15)])
    book.save(tmp_path / "mac.xlsx")
    assert '<workbookPr date1904="1"' in _part(tmp_path / "mac.xlsx", "xl/workbook.xml")

    assert list(open_table(tmp_path / "mac.xlsx").rows) == [(2, [datetime(2026, 11, 20, 8, 15)])]


def test_streamed_excel_layout_with_1904_dates(tmp_path: Path) -> None:
    rows = [["ПОС-1", datetime(2026, 11, 20, 8, 15), date(2026, 1, 2), timedelta(hours=3)]]
    path = write_excel_xlsx(tmp_path / "x.xlsx", ["a", "b", "c", "d"], lambda: rows, date1904=True)

    assert list(open_table(path).rows) == [
        (2, ["ПОС-1", datetime(2026, 11, 20, 8, 15), datetime(2026, 1, 2), timedelta(hours=3)])
    ]


def test_cells_of_every_kind(tmp_path: Path) -> None:
    """Rich text and phonetic runs, inline strings, formulas, errors, booleans, Excel's
    escapes, cells and rows without references, gaps in rows and columns."""
    strings = [
        "<si><t>Номер</t></si>",
        "<si><t>Текст</t></si>",
        '<si><r><rPr><b/></rPr><t xml:space="preserve">Жирное </t></r><r><t>и обычное</t></r>'
        '<rPh sb="0" eb="1"><t>ふりがな</t></rPh></si>',
        "<si><t>строка_x000D_\nвторая, _x005F_x000D_ как есть</t></si>",
    ]
    sheet = (
        '<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="s"><v>1</v></c>'
        '<c r="C3" t="inlineStr"><is><t>Итог</t></is></c></row>'
        '<row r="5"><c r="A5"><v>7</v></c><c r="C5" t="s"><v>2</v></c></row>'
        '<row><c t="s"><v>3</v></c><c t="str"><f>A5&amp;"!"</f><v>7!</v></c>'
        '<c t="e"><v>#N/A</v></c></row>'
        '<row r="9"><c r="B9" t="b"><v>1</v></c><c r="C9" t="inlineStr"><is><r><t>в </t></r>'
        "<r><t>строке</t></r></is></c></row>"
        '<row r="10"><c r="A10" t="d"><v>2026-11-20T08:15:00</v></c>'
        '<c r="B10"><v>1.5E3</v></c></row>'
        '<row r="11"><c r="A11"/><c r="B11" t="s"/></row>'
    )  # fmt: skip
    path = write_parts(tmp_path / "x.xlsx", sheet, strings=strings)

    table = open_table(path)

    assert (table.header_row, table.headers, table.total) == (3, ["Номер", "Текст", "Итог"], None)
    assert list(table.rows) == [
        (5, [7, None, "Жирное и обычное"]),
        (6, ["строка\r\nвторая, _x000D_ как есть", "7!"]),
        (9, [None, True, "в строке"]),
        (10, [datetime(2026, 11, 20, 8, 15), 1500.0]),
    ]


def test_old_shared_strings_come_back_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value first used long ago (a status) is read back from the temporary file."""
    monkeypatch.setattr(xlsx_strings, "WINDOW", 500)
    rows = [
        [f"ПОС-{n}", f"Текст обращения № {n}, " * 5, ("В работе", "Решено")[n % 2]]
        for n in range(300)
    ]
    path = write_excel_xlsx(tmp_path / "x.xlsx", ["Номер", "Текст", "Статус"], lambda: rows)

    assert [values for _, values in open_table(path).rows] == rows


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"word/document.xml": "<w:document/>"}, "в архиве нет книги Excel"),
        ({"notes.txt": "привет"}, "в архиве нет книги Excel"),
    ],
)
def test_a_zip_that_is_not_a_workbook(tmp_path: Path, parts: dict[str, str], message: str) -> None:
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)

    with pytest.raises(FileProblem, match=f"не таблица Excel \\({message}"):
        open_table(path)


def test_a_truncated_workbook(tmp_path: Path) -> None:
    path = write_excel_xlsx(tmp_path / "x.xlsx", POS_HEADERS, lambda: map(pos_row, range(2000)))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    with pytest.raises(FileProblem, match="Файл XLSX повреждён"):
        list(open_table(path).rows)


def test_a_sheet_cut_short_inside_the_zip(tmp_path: Path) -> None:
    path = write_parts(
        tmp_path / "x.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row><row r="2"><c',
    )

    with pytest.raises(FileProblem, match="Файл XLSX повреждён"):
        list(open_table(path).rows)


def test_an_entity_declaration_is_refused(tmp_path: Path) -> None:
    """A billion-laughs table: the declaration is refused before anything expands."""
    laughs = '<!DOCTYPE sst [<!ENTITY a "ха"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    path = write_parts(tmp_path / "x.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    _replace_part(path, "xl/sharedStrings.xml", f"{laughs}<sst><si><t>&b;</t></si></sst>")

    with pytest.raises(FileProblem, match="DOCTYPE"):
        open_table(path)


def test_a_reference_to_a_missing_shared_string(tmp_path: Path) -> None:
    path = write_parts(
        tmp_path / "x.xlsx",
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>5</v></c></row>',
        strings=["<si><t>ID</t></si>"],
    )
    with pytest.raises(FileProblem, match=r"повреждён.*общую строку № 5, а их 1"):
        list(open_table(path).rows)


def _part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode()


def _replace_part(path: Path, name: str, content: str) -> None:
    with zipfile.ZipFile(path) as old:
        parts = {n: old.read(n) for n in old.namelist()}
    parts[name] = content.encode()
    with zipfile.ZipFile(path, "w") as new:
        for n, data in parts.items():
            new.writestr(n, data)


def _long_rows(count: int) -> Iterator[list[object]]:
    """ПОС rows whose citizen text (about 350 characters, as long as a real complaint) is
    unique, as are the number, date, phone and address: each its own shared string."""
    story = (
        "Здравствуйте! Во дворе нашего дома на проезде уже третий месяц яма, в дождь она "
        "заполняется водой, машины бьют подвеску, пешеходам приходится обходить по газону. "
        "Управляющая компания на звонки не отвечает. Просим принять меры и засыпать яму до "
        "наступления холодов."
    )
    for n in range(count):
        yield [
            f"ПОС-{n:07d}",
            f"{n % 28 + 1:02d}.11.2026 {n % 24:02d}:{n % 60:02d}",
            f"Сообщение {n}. {story} Дом {n % 90 + 1}, подъезд {n % 6 + 1}.",
            "Ямы во дворах",
            ("В работе", "Дан ответ", "Решено")[n % 3],
            f"Житель {n % 9000}",
            f"+7 900 {n % 1000:03d}-{n % 100:02d}-{n % 97:02d}",
            f"г. Демо, ул. Мира, д. {n % 90 + 1}, кв. {n}",
            "",
            "",
            "нет",
        ]


def test_shared_strings_stream_in_flat_memory(tmp_path: Path) -> None:
    """Excel exports keep every text cell in the shared-strings table. Reading 200,000 rows
    whose table holds 150 MB of unique text grows the reading process no more than reading
    20,000 rows does, and by a few MB: openpyxl's read-only mode holds the whole table.

    Measured in a child process: its peak resident memory (VmHWM, which exec resets)."""
    growth = {}
    for count in (20_000, 200_000):
        path = write_excel_xlsx(tmp_path / f"{count}.xlsx", POS_HEADERS, partial(_long_rows, count))
        if count == 200_000:
            table_size = zipfile.ZipFile(path).getinfo("xl/sharedStrings.xml").file_size
            assert table_size > 140 * 2**20, table_size
        rows, growth[count] = _read_in_child(path)
        assert rows == count
        path.unlink()

    assert growth[20_000] < 16 * 2**10, f"20,000 rows: grew {growth[20_000] / 2**10:.1f} MB"
    assert growth[200_000] < 16 * 2**10, f"200,000 rows: grew {growth[200_000] / 2**10:.1f} MB"


def test_inline_strings_stream_in_flat_memory(tmp_path: Path) -> None:
    """openpyxl's saves write text inline: 200,000 such rows (150 MB of sheet XML) read in
    flat memory too."""

    def sheet() -> Iterator[str]:
        for values in chain([POS_HEADERS], _long_rows(200_000)):
            cells = "".join(
                f'<c t="inlineStr"><is><t>{escape(str(v))}</t></is></c>' for v in values
            )
            yield f"<row>{cells}</row>"

    path = write_parts(tmp_path / "x.xlsx", sheet)

    rows, growth = _read_in_child(path)

    assert rows == 200_000
    assert growth < 16 * 2**10, f"grew {growth / 2**10:.1f} MB"


def _read_in_child(path: Path) -> tuple[int, int]:
    """Rows read and the growth of peak memory (KiB) from the first row to the last."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    count, before, peak = (int(x) for x in done.stdout.split())
    return count, peak - before


SRC = Path(__file__).resolve().parents[3] / "src"
_CHILD = """
import sys
from pathlib import Path
from veche.intake.imports.readers import open_table

def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

table = open_table(Path(sys.argv[1]))
first = next(table.rows)
before = peak()
count = 1 + sum(1 for _ in table.rows)
print(count, before, peak())
"""
