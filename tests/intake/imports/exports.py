"""Export files built at test time: an ИМ export with its real 42-column header and
real-looking (invented) values, and ПОС-style files with a header of our own."""

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

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


_OOXML = "http://schemas.openxmlformats.org"
_REL = f"{_OOXML}/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-"
_PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{_OOXML}/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="{_TYPE}package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        f'ContentType="{_TYPE}officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="{_TYPE}officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_OOXML}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_OOXML}/spreadsheetml/2006/main" xmlns:r="{_REL}">'
        '<sheets><sheet name="Выгрузка" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_OOXML}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    ),
}


def write_big_xlsx(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """A minimal XLSX with inline strings, written fast (openpyxl's writer takes minutes for
    200,000 rows); openpyxl and Excel read it like any other workbook."""
    import zipfile
    from xml.sax.saxutils import escape

    def line(values: Sequence[object]) -> str:
        cells = "".join(f'<c t="inlineStr"><is><t>{escape(str(v))}</t></is></c>' for v in values)
        return f"<row>{cells}</row>"

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, content in _PARTS.items():
            book.writestr(name, content)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{_OOXML}/spreadsheetml/2006/main"><sheetData>'.encode())
            sheet.write(line(headers).encode())
            for row in rows:
                sheet.write(line(row).encode())
            sheet.write(b"</sheetData></worksheet>")
    return path
