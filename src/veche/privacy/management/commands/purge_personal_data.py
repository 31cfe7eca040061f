"""`veche purge_personal_data [--municipality ОКТМО] [--dry-run] [--today YYYY-MM-DD]
[--by USERNAME]`: destroy the personal data of finished cases whose retention term ran out
and print the act's number (DOMAIN.md §7.1, §8 item 20). `--dry-run` lists the due cases and
changes nothing. Without `--municipality`: every municipality; without `--today`: each
municipality's local today. Safe to run again: what was purged is never taken twice."""

from argparse import ArgumentParser
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from veche.org.command_args import active_user, municipalities_named
from veche.privacy.purge import purge_personal_data


class Command(BaseCommand):
    help = "Уничтожить персональные данные обращений с истёкшим сроком хранения (с актом)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--municipality", help="ОКТМО или id МО; без него — все МО")
        parser.add_argument("--dry-run", action="store_true", help="только показать, что истекло")
        parser.add_argument("--today", help="считать сегодняшней дату YYYY-MM-DD")
        parser.add_argument("--by", help="логин ответственного (попадает в акт)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["today"])
        by = None if options["by"] is None else active_user(options["by"])
        now = timezone.now()
        for municipality in municipalities_named(options["municipality"]):
            day = today or now.astimezone(ZoneInfo(municipality.time_zone)).date()
            result = purge_personal_data(
                municipality, today=day, by=by, now=now, dry_run=options["dry_run"]
            )
            if options["dry_run"]:
                self.stdout.write(f"{municipality}: к уничтожению {len(result.due)}")
                for due in result.due:
                    final = due.final_at.astimezone(ZoneInfo(municipality.time_zone))
                    self.stdout.write(
                        f"  {due.number}\t{due.final_status}\t{final:%d.%m.%Y}\t{due.days} дн."
                    )
            elif result.act is None:
                self.stdout.write(f"{municipality}: нечего уничтожать")
            else:
                self.stdout.write(
                    f"{municipality}: акт № {result.act.number}: обращений {result.cases}, "
                    f"субъектов {result.subjects}, файлов {result.files}"
                )


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Дата «{value}»: нужен формат YYYY-MM-DD.") from None
