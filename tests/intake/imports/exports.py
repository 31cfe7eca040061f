"""Export files built at test time: an ИМ export with its real 42-column header and
real-looking (invented) values, and ПОС-style files with a header of our own."""

import csv
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, to_excel

from veche.intake.imports.presets import IM_HEADERS

POS_HEADERS = (
    "Номер сообщения",
    "Дата создания",
    "Текст сообщения",
    "Категория",
    "Статус",
    "ФИО заявителя",
    "Телефон",
    "Адрес",
    "Текст ответа",
    "Дата ответа",
    "Обращение по 59-ФЗ",
)


def im_row(
    incident_id: int,
    *,
    step: str = "Готово",
    department: str = "Комитет ЖКХ",
    topic: str = "Отопление (тест)",
    answer: str = "Специалисты устранили течь в тепловом узле, отопление восстановлено 23.11.",
    created: str = "20.11.2026 08:15",
    text: str = "Третий день нет отопления в доме на Ленина 5, в квартирах +15.",
) -> list[object]:
    values: dict[str, object] = dict.fromkeys(IM_HEADERS, "")
    values |= {
        "Кабинет": "Омская область",
        "ID": incident_id,
        "Номер инцидента": f"IM-{incident_id}",
        "Отдел": department,
        "Исполнитель": "Петрова А. В.",
        "Общее время первого ответа": "0 days 00:42:10.000000",
        "Общий текст первого ответа": "Здравствуйте. Вопрос будет передан специалисту.",
        "Время с даты создания инцидента до времени первого ответа": "0 days 00:42:10.103000",
        IM_HEADERS[8]: "0 days 00:42:10",  # «…до времени первого ответа, рабочее время»
        "Время назначения последнего исполнителя": "20.11.2026 09:02",
        "Время 1го ответа ПИ": "0 days 12:30:37.103000",
        "Первая реакция с момента назн. ПИ": "0 days 03:10:00",
        "Уложились или нет после назн. ПИ": "Да",
        "Время с начала создания инцидента до окончания": "2 days 04:11:09.500000",
        "Время отправки первого ответа ПИ на согласование": "20.11.2026 21:00",
        "Время, которое первый ответ ПИ находился на согласовании": "0 days 00:15:00",
        "Текущий шаг инцидента": step,
        "Дата создания": created,
        "Дата окончания": "22.11.2026 12:26" if step == "Готово" else "",
        "Группа тем": "ЖКХ",
        "Тема": topic,
        "Регион": "Омская область",
        "Муниципалитет": "Демо муниципальный округ",
        "Населенный пункт": "г. Демо",
        "Улица": "ул. Ленина",
        "Дом": "5",
        "Тип инцидента": "Решаемый",
        "Итог": "Решено" if step == "Готово" else "",
        "Есть медиафайл в ответе": "Нет",
        "Есть медиафайл в сообщении": "Да",
        "Текст инцидента": text,
        "1ый ответ ПИ": answer,
        "Причина закрытия": "Автор доволен" if step == "Готово" else "",
        "Аудитория": 1520,
        "Вовлеченность": 37,
        "Теги": "отопление",
        "Опрос отправлен": "Да",
    }
    return [values[h] for h in IM_HEADERS]


def pos_row(number: int, *, status: str = "В работе", when: datetime | None = None) -> list[object]:
    # Exports write local time without an offset: a naive datetime is what they hold.
    at = when or datetime(2026, 11, 20, 10, 0) + timedelta(minutes=number)  # noqa: DTZ001
    return [
        f"ПОС-{number:07d}",
        at.strftime("%d.%m.%Y %H:%M"),
        f"Во дворе дома {number % 90 + 1} по ул. Мира яма на проезде, сообщение {number}.",
        "Ямы во дворах (тест)",
        status,
        "Сидоров Пётр Ильич",
        "+7 900 000-00-00",
        f"г. Демо, ул. Мира, д. {number % 90 + 1}",
        "",
        "",
        "нет",
    ]


def write_xlsx(path: Path, headers: Sequence[object], rows: Iterable[Sequence[object]]) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Выгрузка")
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_csv(
    path: Path,
    headers: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ";",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# Cell styles of `write_excel_xlsx`: 0 General, 1 date and time (built-in 22), 2 date
# (built-in 14), 3 a duration (built-in 46, [h]:mm:ss), 4 a custom «ДД.ММ.ГГГГ чч:мм».
STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy\\ hh:mm"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/>'
    '<xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="46" applyNumberFormat="1"/>'
    '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def write_parts(
    path: Path,
    sheet_data: str | Callable[[], Iterable[str]],
    *,
    strings: Iterable[str] = (),
    styles: str = STYLES,
    sheet_name: str = "Выгрузка",
    date1904: bool = False,
    dimension: str | Callable[[], str] = "",
    sheet_path: str = "worksheets/sheet1.xml",
) -> Path:
    """An XLSX made of its XML parts: `sheet_data` is what goes inside <sheetData> (or a
    function giving it in pieces, streamed), `strings` the <si> elements of the
    shared-strings table (written first: a `dimension` function is called after them)."""
    sheet_type = f"{_TYPE}.worksheet+xml"
    parts = {
        "[Content_Types].xml": (
            f'<Types xmlns="{_PACKAGE}/content-types">'
            f'<Default Extension="rels" ContentType="{_PACKAGE[:-5]}package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/{sheet_path}" ContentType="{sheet_type}"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<workbookPr date1904="{int(date1904)}"/>'
            f'<sheets><sheet name={quoteattr(sheet_name)} sheetId="1" r:id="rId7"/></sheets>'
            "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PACKAGE}/relationships">'
            f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId7" Type="{_REL}/worksheet" Target="/xl/{sheet_path}"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": styles,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for name, content in parts.items():
            book.writestr(name, content)
        with book.open("xl/sharedStrings.xml", "w") as table:
            table.write(f'<sst xmlns="{_MAIN}">'.encode())
            for item in strings:
                table.write(item.encode())
            table.write(b"</sst>")
        with book.open(f"xl/{sheet_path}", "w") as sheet:
            ref = dimension if isinstance(dimension, str) else dimension()
            head = f'<dimension ref="{ref}"/>' if ref else ""
            sheet.write(f'<worksheet xmlns="{_MAIN}">{head}<sheetData>'.encode())
            for piece in [sheet_data] if isinstance(sheet_data, str) else sheet_data():
                sheet.write(piece.encode())
            sheet.write(b"</sheetData></worksheet>")
    return path


class _Strings:
    """Shared-string numbers as Excel gives them: in the order cells first use them, a short
    repeated value (a status, a topic) once. Deterministic, so the table and the sheet,
    written in two passes, agree; bounded, so a big file costs no memory to write."""

    def __init__(self) -> None:
        self.count = 0
        self.known: dict[str, int] = {}

    def number(self, value: str) -> tuple[int, bool]:
        if value in self.known:
            return self.known[value], False
        if len(value) <= 40 and len(self.known) < 10_000:
            self.known[value] = self.count
        self.count += 1
        return self.count - 1, True


def _si(value: str) -> str:
    return f'<si><t xml:space="preserve">{escape(value)}</t></si>'


def _cell(ref: str, value: object, strings: _Strings, epoch: datetime) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="s"><v>{strings.number(value)[0]}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="1"><v>{to_excel(value, epoch)}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{to_excel(value, epoch)}</v></c>'
    if isinstance(value, timedelta):
        return f'<c r="{ref}" s="3"><v>{to_excel(value, epoch)}</v></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def write_excel_xlsx(
    path: Path,
    headers: Sequence[object],
    rows: Callable[[], Iterable[Sequence[object]]],
    *,
    date1904: bool = False,
) -> Path:
    """An XLSX laid out as Excel saves one: every text cell in the shared-strings table,
    dates as serial numbers with a date style, row and cell references, a <dimension>.

    Streamed, for files of any size: `rows()` is called twice (the strings, then the
    sheet) and nothing is held between rows."""
    epoch = CALENDAR_MAC_1904 if date1904 else WINDOWS_EPOCH
    letters = [get_column_letter(i) for i in range(1, 16_385)]
    size = [0, 1]  # rows, columns: known once the table is written, before the sheet

    def table() -> Iterator[str]:
        strings = _Strings()
        for values in _with_header(headers, rows):
            size[0] += 1
            size[1] = max(size[1], len(values))
            for value in values:
                if isinstance(value, str) and strings.number(value)[1]:
                    yield _si(value)

    def sheet() -> Iterator[str]:
        strings = _Strings()
        for n, values in enumerate(_with_header(headers, rows), start=1):
            cells = "".join(
                _cell(f"{letters[i]}{n}", v, strings, epoch)
                for i, v in enumerate(values)
                if v is not None
            )
            yield f'<row r="{n}">{cells}</row>'

    return write_parts(
        path,
        sheet,
        strings=table(),
        date1904=date1904,
        dimension=lambda: f"A1:{letters[size[1] - 1]}{size[0]}",
    )


def _with_header(
    headers: Sequence[object], rows: Callable[[], Iterable[Sequence[object]]]
) -> Iterator[Sequence[object]]:
    yield headers
    yield from rows()
