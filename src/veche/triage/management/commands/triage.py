"""`veche triage FILE`: the triage pipeline over a file of texts, without the database.

One JSON line per input, in input order (README, «Формат veche triage»). Lines that cannot be
read get a line with their `id` and an `error`, and are listed on stderr with their numbers.
"""

import json
import sys
from argparse import ArgumentParser
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from veche.triage.batch import Item, read_items
from veche.triage.duplicates import DuplicateIndex
from veche.triage.gazetteer import Gazetteer, load_gazetteer
from veche.triage.gazetteer_file import GazetteerFileError
from veche.triage.output import as_json
from veche.triage.pipeline import analyse
from veche.triage.routing import default_model as default_routing_model

BATCH = 256


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


class Command(BaseCommand):
    help = (
        "Разобрать тексты из CSV (столбец text) или JSONL (поле text): тема, исполнитель, место,"
        " срочность…; район — столбец или поле territory (или district)"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--out", type=Path, help="куда писать JSON-строки (иначе stdout)")
        parser.add_argument("--gazetteer", type=Path, help="справочник мест (CSV или GeoJSON)")
        parser.add_argument(
            "--month", type=int, choices=range(1, 13), help="месяц для сезонной срочности"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Нет файла {path}")
        try:
            gazetteer = load_gazetteer(options["gazetteer"]) if options["gazetteer"] else None
        except (OSError, GazetteerFileError) as exc:
            raise CommandError(f"Справочник мест не прочитан: {exc}") from None
        month = options["month"] or timezone.localdate().month
        out: Path | None = options["out"]
        try:
            if out is None:
                problems = self._run(path, self.stdout, gazetteer, month, progress=False)
            else:
                with out.open("w", encoding="utf-8") as target:
                    problems = self._run(path, target, gazetteer, month, progress=True)
        except ValueError as exc:  # a file that is not CSV/JSONL of texts at all
            raise CommandError(str(exc)) from None
        for item in problems:
            self.stderr.write(f"строка {item.line}: {item.error}")

    def _run(
        self,
        path: Path,
        target: Writable,
        gazetteer: Gazetteer | None,
        month: int,
        *,
        progress: bool,
    ) -> list[Item]:
        index = DuplicateIndex()
        routing = default_routing_model()  # St Petersburg's bodies: no municipality here
        ids: list[object] = []  # the id (or line number) of each text seen, for the groups
        problems: list[Item] = []
        items = read_items(path)
        bar = tqdm(desc="triage", unit="text", disable=not progress, file=sys.stderr)
        while batch := list(islice(items, BATCH)):
            good = [i for i in batch if not i.error]
            analyses = iter(analyse([i.text for i in good], month=month, gazetteer=gazetteer,
                                    duplicates=index, routing=routing,
                                    territories=[i.territory for i in good]))  # fmt: skip
            for item in batch:
                if item.error:
                    problems.append(item)
                    line: dict[str, Any] = {"id": item.id, "error": item.error}
                else:
                    analysis = next(analyses)
                    ids.append(item.id if item.id not in (None, "") else item.line)
                    line = as_json(analysis, id=item.id, duplicate_group=ids[analysis.duplicate_of])
                target.write(json.dumps(line, ensure_ascii=False) + "\n")
            bar.update(len(batch))
        bar.close()
        return problems
