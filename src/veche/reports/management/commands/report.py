"""`veche report quarterly|monthly [--period 2026-Q3|2026-10] [--municipality OKTMO]`: build a
report in this process with a progress bar, put it in the archive and print where its files
are. Without --period: the last whole quarter or month (what cron wants on the 1st); without
--municipality: every municipality. Exits non-zero when a report fails."""

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from veche.analytics.params import InvalidParams
from veche.analytics.rollups import update_rollups
from veche.org.command_args import municipalities_named
from veche.reports import services
from veche.reports.models import Report, ReportKind
from veche.reports.template import default_period, parse_period, period_label


class Command(BaseCommand):
    help = "Сформировать отчёт в ЦУР (quarterly) или оценку качества ответов ПОС и ИМ (monthly)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in ReportKind])
        parser.add_argument("--period", help="2026-Q3 для квартального, 2026-10 для месячного")
        parser.add_argument("--municipality", help="ОКТМО или id МО; без него — все МО")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = ReportKind(options["kind"])
        try:
            period = (
                parse_period(kind, options["period"])
                if options["period"]
                else default_period(kind, timezone.localdate())
            )
        except InvalidParams as exc:
            raise CommandError(exc.message) from None
        municipalities = municipalities_named(options["municipality"])
        update_rollups()  # the figures include the events written up to now
        failed = 0
        for municipality in municipalities:
            report = services.request_report(
                municipality, kind, period, by=None, now=timezone.now()
            )
            title = f"{municipality} · {period_label(period)}"
            report = _generate(report, title, quiet=options["verbosity"] < 1)
            if report.state == Report.State.DONE:
                self.stdout.write(f"{municipality}: {report.xlsx.path}\n{' ' * 4}{report.pdf.path}")
            else:
                failed += 1
                self.stderr.write(f"{municipality}: {report.error}")
        if failed:
            raise CommandError(f"Не сформировано отчётов: {failed}.")


def _generate(report: Report, title: str, *, quiet: bool) -> Report:
    with tqdm(total=100, desc=title, unit="%", file=sys.stderr, disable=quiet) as bar:

        def progress(percent: int, step: str) -> None:
            bar.set_postfix_str(step[:40])
            bar.update(percent - bar.n)

        return services.generate(report.pk, progress=progress)
