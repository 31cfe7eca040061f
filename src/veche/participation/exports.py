"""Poll results as CSV and XLSX. Free-text answers are residents' text: a cell that a
spreadsheet would read as a formula (=, +, -, @, tab, CR) is prefixed with an apostrophe
(`veche.web.cells`)."""

import csv
import io

from openpyxl import Workbook

from veche.participation.results import PollResults
from veche.web.cells import csv_text


def safe_cell(value: object) -> object:
    return csv_text(value) if isinstance(value, str) else value


def result_rows(results: PollResults) -> list[list[object]]:
    rows: list[list[object]] = [["Вопрос", "Вариант / ответ", "Голосов", "%"]]
    for q in results.questions:
        rows.extend([q.question.text, c.label, c.count, c.percent] for c in q.choices)
        rows.extend([q.question.text, text, "", ""] for text in q.texts)
    rows.append(["Всего бюллетеней", "", results.ballots, ""])
    rows.append(["Из них с подозрением", "", results.flagged, ""])
    return [[safe_cell(v) for v in row] for row in rows]


def results_csv(results: PollResults) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(result_rows(results))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def results_xlsx(results: PollResults) -> bytes:
    book = Workbook()
    sheet = book.create_sheet("Итоги", 0)
    for extra in book.worksheets[1:]:
        book.remove(extra)
    sheet.title = "Итоги"
    for row in result_rows(results):
        sheet.append(row)
    sheet.column_dimensions["A"].width = 50
    sheet.column_dimensions["B"].width = 50
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
