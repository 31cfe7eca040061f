"""`veche import pos|im FILE`: import a ПОС or Инцидент Менеджмент export from the terminal,
with a progress bar, then print the summary and the problems.

Exits non-zero when the file itself cannot be read (corrupt, unknown headers); bad rows are
reported, and every good row is imported all the same.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from tqdm import tqdm

from veche.intake.imports import service
from veche.intake.imports.report import report_lines
from veche.intake.models import ColumnMapping, ImportKind, ImportProblem, ImportRun
from veche.org.models import Municipality

SHOWN = 50


class Command(BaseCommand):
    help = "Загрузить выгрузку ПОС или Инцидент Менеджмента (XLSX или CSV)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in ImportKind])
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", help="id, ОКТМО или префикс номера МО")
        parser.add_argument("--mapping", type=int, help="id сохранённого сопоставления столбцов")
        parser.add_argument("--report", type=Path, help="записать отчёт об ошибках в CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        municipality = _municipality(options["municipality"])
        kind = ImportKind(options["kind"])
        with path.open("rb") as handle:
            run = service.start_import(
                municipality, File(handle, name=path.name), kind=kind, by=None, now=timezone.now()
            )
        if options["mapping"]:
            run.mapping = ColumnMapping.objects.filter(
                pk=options["mapping"], municipality=municipality
            ).first()
            if run.mapping is None:
                raise CommandError(f"Сопоставление {options['mapping']} не найдено в этом МО.")
            run.save(update_fields=["mapping"])
        try:
            self._check(run, kind)
        except CommandError as exc:
            ImportRun.objects.filter(pk=run.pk).update(
                state=ImportRun.State.FAILED, error=str(exc), finished_at=timezone.now()
            )
            raise
        run = self._run(run)
        self._summary(run)
        if options["report"]:
            options["report"].write_text("".join(report_lines(run)), encoding="utf-8")
        if run.state == ImportRun.State.FAILED:
            raise CommandError(run.error)

    def _check(self, run: ImportRun, kind: ImportKind) -> None:
        found = service.inspect_run(run)
        if found.error:
            raise CommandError(found.error)
        if found.detected is None:
            raise CommandError(
                "Заголовки не распознаны; сопоставьте столбцы на странице загрузки или "
                "укажите --mapping. Заголовки файла: " + " | ".join(found.headers)
            )
        if found.detected.kind != kind:
            raise CommandError(f"Это {found.detected.kind.label}, а не {kind.label}.")
        self.stdout.write(f"Формат: {found.format}; {len(found.headers)} столбцов.")

    def _run(self, run: ImportRun) -> ImportRun:
        with tqdm(unit=" строк", desc=run.file_name, dynamic_ncols=True) as bar:

            def progress(done: int, total: int | None) -> None:
                bar.total = max(total or 0, done) or None
                bar.update(done - bar.n)

            return service.run_import(run, progress=progress)

    def _summary(self, run: ImportRun) -> None:
        self.stdout.write(
            f"Строк: {run.rows_done}; создано {run.created}, обновлено {run.updated}, "
            f"без изменений {run.unchanged}, не загружено {run.failed}."
        )
        problems = ImportProblem.objects.filter(run=run).order_by("row", "pk")
        for p in problems[:SHOWN]:
            mark = "не загружена" if p.row_skipped else "загружена"
            self.stdout.write(f"  строка {p.row} ({mark}) · {p.column or '—'}: {p.reason}")
        if (more := problems.count() - SHOWN) > 0:
            self.stdout.write(f"  … и ещё {more}; полный отчёт: --report FILE")


def _municipality(value: str | None) -> Municipality:
    if value is None:
        only = list(Municipality.objects.all()[:2])
        if len(only) != 1:
            raise CommandError("Укажите --municipality (id, ОКТМО или префикс номера).")
        return only[0]
    query = Q(oktmo=value) | Q(case_number_prefix=value)
    if value.isdigit():
        query |= Q(pk=int(value))
    found = list(Municipality.objects.filter(query)[:2])
    if len(found) != 1:
        raise CommandError(f"МО «{value}» не найдено или не однозначно.")
    return found[0]
