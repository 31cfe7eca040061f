"""`veche gazetteer import|export|show`: a municipality's gazetteer from a file, back to a
file, and what it holds (README, «Справочник мест (газеттир)»).

`import` exits non-zero when the file cannot be read or holds no good row (the gazetteer is
then left as it was); bad rows are listed with their numbers and reasons either way.
"""

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from veche.org.models import Municipality
from veche.triage.gazetteer_file import GazetteerFileError
from veche.triage.gazetteer_store import (
    ImportReport,
    export_lines,
    import_gazetteer,
    kind_counts,
)

SHOWN = 50
KIND_NAMES = {
    "settlement": "населённых пунктов",
    "street": "улиц",
    "house": "домов",
    "landmark": "объектов",
}


class Command(BaseCommand):
    help = "Справочник мест МО: загрузить из CSV/GeoJSON, выгрузить в CSV, показать."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="import|export|show")
        load = actions.add_parser("import", help="загрузить справочник из CSV или GeoJSON")
        load.add_argument("file", type=Path)
        load.add_argument("--municipality", help="ОКТМО или id МО")
        load.add_argument(
            "--append", action="store_true", help="добавить к справочнику, а не заменить его"
        )
        dump = actions.add_parser("export", help="выгрузить справочник в CSV")
        dump.add_argument("file", type=Path, nargs="?", help="куда (иначе stdout)")
        dump.add_argument("--municipality", help="ОКТМО или id МО")
        show = actions.add_parser("show", help="сколько мест каждого вида")
        show.add_argument("--municipality", help="ОКТМО или id МО (иначе все)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._import(options["file"], _municipality(options["municipality"]), options)
        elif action == "export":
            self._export(options["file"], _municipality(options["municipality"]))
        else:
            self._show(options["municipality"])

    def _import(self, path: Path, municipality: Municipality, options: dict[str, Any]) -> None:
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        bar = tqdm(unit=" строк", desc=path.name, disable=options["verbosity"] < 1, file=sys.stderr)
        try:
            with path.open("rb") as stream:
                report = import_gazetteer(
                    municipality,
                    stream,
                    replace=not options["append"],
                    progress=lambda done: bar.update(done - bar.n),
                )
        except GazetteerFileError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self._report(report, municipality)
        if not report.imported:
            raise CommandError("Ни одной годной строки: справочник не изменён.")

    def _report(self, report: ImportReport, municipality: Municipality) -> None:
        self.stdout.write(
            f"{municipality.name}: {report.format}; загружено мест {report.imported}, "
            f"отклонено {report.rejected}, заменено прежних {report.removed}."
        )
        for problem in report.problems[:SHOWN]:
            mark = "загружена" if problem.loaded else "не загружена"
            self.stdout.write(f"  {report.unit} {problem.number} ({mark}): {problem.reason}")
        if (more := report.problem_count - SHOWN) > 0:
            self.stdout.write(f"  … и ещё замечаний: {more}")

    def _export(self, path: Path | None, municipality: Municipality) -> None:
        if path is None:
            for line in export_lines(municipality):
                self.stdout.write(line, ending="")
            return
        with path.open("w", encoding="utf-8", newline="") as out:
            out.writelines(export_lines(municipality))
        self.stderr.write(f"Справочник «{municipality.name}» записан в {path}")

    def _show(self, value: str | None) -> None:
        municipalities = (
            [_municipality(value)] if value else list(Municipality.objects.order_by("name"))
        )
        for municipality in municipalities:
            counts = kind_counts(municipality)
            parts = ", ".join(f"{KIND_NAMES[k]} {n}" for k, n in counts.items())
            total = sum(counts.values())
            self.stdout.write(f"{municipality.name} ({municipality.oktmo}): мест {total} — {parts}")


def _municipality(value: str | None) -> Municipality:
    if value is None:
        only = list(Municipality.objects.all()[:2])
        if len(only) != 1:
            raise CommandError("Укажите --municipality (ОКТМО или id МО).")
        return only[0]
    found = Municipality.objects.filter(oktmo=value).first()
    if found is None and value.isdigit():
        found = Municipality.objects.filter(pk=int(value)).first()
    if found is None:
        raise CommandError(f"МО «{value}» не найдено: укажите ОКТМО или id.")
    return found
