"""`veche citizen_export --citizen ID --by USERNAME [--out FILE]`: everything Veche holds
about one citizen, as a ZIP (data.json, report.html, files/), for a subject's request
(152-ФЗ ст. 14, ст. 20). `--by` is the officer answering the request: the export is logged
in their name, and they must manage the citizen's municipality."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from veche.cases.models import Citizen
from veche.org.command_args import active_user
from veche.privacy.errors import PrivacyError
from veche.privacy.export import write_subject_export


class Command(BaseCommand):
    help = "Выгрузить всё, что хранится об одном заявителе (запрос субъекта ПДн), в ZIP."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--citizen", type=int, required=True, help="номер записи заявителя")
        parser.add_argument("--by", required=True, help="логин сотрудника, отвечающего на запрос")
        parser.add_argument("--out", help="файл ZIP; по умолчанию citizen-ID.zip")

    def handle(self, *args: Any, **options: Any) -> None:
        citizen = Citizen.objects.select_related("municipality").filter(pk=options["citizen"])
        found = citizen.first()
        if found is None:
            raise CommandError(f"Заявитель № {options['citizen']} не найден.")
        by = active_user(options["by"])
        out = Path(options["out"] or f"citizen-{found.pk}.zip")
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("wb") as target:
                summary = write_subject_export(found, target, by=by, now=timezone.now())
        except PrivacyError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(exc.message) from None
        partial.replace(out)
        self.stdout.write(
            f"{out}: обращений {summary.cases}, файлов {summary.files}"
            + (f", отсутствуют на диске {summary.missing_files}" if summary.missing_files else "")
        )
