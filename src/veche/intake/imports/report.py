"""The import report as CSV: one line per problem, for Excel in a Russian locale («;», BOM)."""

import csv
from collections.abc import Iterator

from veche.intake.models import ImportProblem, ImportRun
from veche.web.cells import csv_text

HEADER = ("Строка", "Столбец", "Значение", "Причина", "Строка загружена")


class _Echo:
    def write(self, value: str) -> str:
        return value


def report_lines(run: ImportRun) -> Iterator[str]:
    """The report line by line, read from the database in chunks (memory stays flat)."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(HEADER)
    problems = ImportProblem.objects.filter(run=run).order_by("row", "pk")
    for p in problems.iterator(chunk_size=2000):
        loaded = "нет" if p.row_skipped else "да, значение пропущено"
        yield writer.writerow((p.row, p.column, _safe(p.value), p.reason, loaded))


def _safe(value: str) -> str:
    """A cell that starts like a formula is shown as text in Excel (CSV injection)."""
    return csv_text(value)
