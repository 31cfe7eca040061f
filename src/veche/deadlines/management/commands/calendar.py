"""`veche calendar YEAR [--municipality OKTMO] [--json]` and `veche calendar import FILE`: the
production calendar of a year, to check against the official one, and a new year's calendar
from a file (README, «Производственный календарь»).

`--json` prints exactly `{"days_off": [...], "working_weekend_days": [...], "shortened_days":
[...]}` with ISO dates; other tools read it. A year with no data is an error here, not the
ТК ст. 112 stand-in the deadline clocks fall back to.
"""

import json
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from veche.deadlines.calendar import CalendarMissing, YearSummary
from veche.deadlines.calendar_file import CalendarFileError
from veche.deadlines.calendar_store import calendar_for, import_calendar_year
from veche.org.models import Municipality

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


class Command(BaseCommand):
    help = (
        "Производственный календарь: «veche calendar ГОД» — нерабочие, рабочие выходные и "
        "сокращённые дни года; «veche calendar import ФАЙЛ» — загрузить календарь года из JSON."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("what", metavar="ГОД|import", help="год (2026) или import")
        parser.add_argument("file", nargs="?", type=Path, help="для import: файл JSON")
        parser.add_argument("--municipality", help="ОКТМО или id МО (с его исключениями)")
        parser.add_argument("--json", action="store_true", help="вывести JSON для программ")

    def handle(self, *args: Any, **options: Any) -> None:
        what, path = options["what"], options["file"]
        if what == "import":
            if path is None or options["municipality"] or options["json"]:
                raise CommandError("Использование: veche calendar import ФАЙЛ")
            self._import(path)
            return
        if path is not None or not what.isdigit():
            raise CommandError(f"Укажите год числом или import, а не «{what}».")
        municipality = _municipality(options["municipality"])
        try:
            summary = calendar_for(municipality, strict=True).summary(int(what))
        except CalendarMissing as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(as_json(summary)))
        else:
            self._show(summary, municipality)

    def _import(self, path: Path) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            data = import_calendar_year(document)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"Не удалось прочитать {path}: {exc}") from None
        except CalendarFileError as exc:
            raise CommandError(str(exc)) from None
        summary = calendar_for(None, strict=True).summary(data.year)
        self.stdout.write(
            f"Календарь на {data.year} год загружен: рабочих дней {summary.working_days}. "
            f"Проверьте: veche calendar {data.year}"
        )

    def _show(self, summary: YearSummary, municipality: Municipality | None) -> None:
        where = (
            f"{municipality.name}, {municipality.time_zone}" if municipality else "вся установка"
        )
        self.stdout.write(f"Производственный календарь на {summary.year} год ({where})")
        for line in summary.sources:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Рабочих дней: {summary.working_days}")
        for title, days in (
            ("Нерабочие дни с понедельника по пятницу", summary.days_off),
            ("Рабочие субботы и воскресенья", summary.working_weekend_days),
            ("Сокращённые на час (предпраздничные) дни", summary.shortened_days),
        ):
            self.stdout.write(f"{title} ({len(days)}): {_days(days) or '—'}")


def as_json(summary: YearSummary) -> dict[str, list[str]]:
    return {
        "days_off": [d.isoformat() for d in summary.days_off],
        "working_weekend_days": [d.isoformat() for d in summary.working_weekend_days],
        "shortened_days": [d.isoformat() for d in summary.shortened_days],
    }


def _days(days: list[date]) -> str:
    return ", ".join(f"{d:%d.%m} ({WEEKDAYS[d.weekday()]})" for d in days)


def _municipality(value: str | None) -> Municipality | None:
    if value is None:
        return None
    found = Municipality.objects.filter(oktmo=value).first()
    if found is None and value.isdigit():
        found = Municipality.objects.filter(pk=int(value)).first()
    if found is None:
        raise CommandError(f"МО «{value}» не найдено: укажите ОКТМО или id.")
    return found
