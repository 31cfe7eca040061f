"""`veche backup [FILE] [--keep N]`: one archive of the database and the files (ops/backup.py)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from veche.ops.backup import BackupError, create_backup, rotate


class Command(BaseCommand):
    help = (
        "Резервная копия: база (снимок pg_dump или SQLite online backup) и файлы VECHE_VAR_DIR "
        "в одном архиве .tar.gz с manifest.json. Без FILE — в VECHE_BACKUP_DIR."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", nargs="?", help="куда записать архив (.tar.gz)")
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="оставить N последних архивов veche-*.tar.gz в папке архива, старые удалить",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keep"] < 0:
            raise CommandError("--keep: число не меньше 0.")
        target = Path(options["file"]) if options["file"] else None
        try:
            path, manifest = create_backup(target, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["row_counts"].values())
        files = len(manifest["members"]) - 1
        self.stdout.write(
            self.style.SUCCESS(f"Копия готова: {path} (строк {rows}, файлов {files}).")
        )
        if options["keep"]:
            for old in rotate(path.parent, options["keep"]):
                self.stdout.write(f"Удалена старая копия {old.name}.")
