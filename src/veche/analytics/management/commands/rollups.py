"""`veche rollups [--rebuild]`: count new events into the daily rollups, or all of them again."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from veche.analytics.rollups import rebuild_rollups, update_rollups


class Command(BaseCommand):
    help = (
        "Свёртки аналитики: учесть новые события; с --rebuild — удалить свёртки и пересчитать "
        "их по всем событиям."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="пересчитать всё заново")

    def handle(self, *args: Any, **options: Any) -> None:
        count = rebuild_rollups() if options["rebuild"] else update_rollups()
        self.stdout.write(f"Учтено событий: {count}.")
