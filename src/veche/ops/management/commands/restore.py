"""`veche restore FILE [--force]`: load a `veche backup` archive into this instance, migrate."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from veche.ops.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Восстановить резервную копию в пустой экземпляр (база и VECHE_VAR_DIR): архив "
        "проверяется целиком до записи, затем база, файлы и migrate. --force — стереть "
        "текущие данные. Веб и фоновые задачи на время восстановления остановите."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="архив veche backup (.tar.gz)")
        parser.add_argument(
            "--force", action="store_true", help="восстановить поверх существующих данных"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore_backup(
                Path(options["file"]), force=options["force"], say=self.stdout.write
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("Применение миграций…")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                f"Восстановлено из копии от {manifest['created_at']} "
                f"(Вече {manifest['veche_version']})."
            )
        )
