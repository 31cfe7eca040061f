"""The destruction act as a spreadsheet to print and sign: the act's content in the form of
Приказ РКН от 28.10.2022 № 179 on the first sheet, the list of destroyed records on the
second (the «выгрузка из журнала» for automated processing)."""

from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from veche.cases.workflow import Status
from veche.privacy.models import DestructionAct


def act_xlsx(act: DestructionAct) -> bytes:
    zone = ZoneInfo(act.municipality.time_zone)
    book = Workbook()
    sheet = book.active
    sheet.title = "Акт"
    sheet.append([f"АКТ № {act.number} об уничтожении персональных данных"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    destroyed = act.finished_at or act.started_at
    for label, value in (
        ("Оператор", act.operator),
        ("Информационная система", act.information_system),
        ("Субъекты персональных данных", f"заявители, записей: {act.subjects_count}"),
        ("Обращений", act.cases_count),
        ("Файлов вложений", act.files_count),
        ("Категории уничтоженных персональных данных", "; ".join(act.categories)),
        ("Способ уничтожения", act.method),
        ("Причина уничтожения", act.reason),
        ("Дата уничтожения", f"{destroyed.astimezone(zone):%d.%m.%Y %H:%M}"),
        ("Ответственный (ФИО, должность)", act.responsible_name),
        ("Подпись", "____________________"),
    ):
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 45
    sheet.column_dimensions["B"].width = 90
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    items = book.create_sheet("Перечень")
    items.append(
        [
            "№ п/п",
            "Рег. номер обращения",
            "Запись заявителя №",
            "Итоговый статус",
            "Итоговый статус с",
            "Уничтожено",
        ]
    )
    for n, item in enumerate(act.items.order_by("pk").iterator(), start=1):
        items.append(
            [
                n,
                item.number,
                item.citizen_ref or "",
                Status(item.final_status).label,
                f"{item.final_at.astimezone(zone):%d.%m.%Y}",
                f"{item.purged_at.astimezone(zone):%d.%m.%Y %H:%M}",
            ]
        )
    for column, width in zip("ABCDEF", (8, 24, 20, 24, 18, 18), strict=True):
        items.column_dimensions[column].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()
