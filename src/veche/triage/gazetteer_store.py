"""Each municipality's gazetteer in the database: the import from a file (`import_gazetteer`,
the one writer of `GazetteerPlace`), the export back to the file format, the counts and the
search of the gazetteer page, and the in-memory `Gazetteer` the pipeline matches against
(`gazetteer_for`).

The file is read by `gazetteer_file`, the parser `veche triage --gazetteer` uses as well. A
row's territory is a name in the file and an `org.Territory` here: it is resolved by name
(case, «ё» and spaces aside) among the municipality's territories, and a name that is not
found loads the place without a territory and is reported.
"""

import csv
import logging
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count, Max, QuerySet

from veche.org.access import Action
from veche.org.models import Municipality, Territory, User
from veche.org.selectors import actor_scope
from veche.triage.address.names import settlement_key
from veche.triage.gazetteer import Gazetteer
from veche.triage.gazetteer_file import (
    FIELDS,
    GazetteerRecord,
    Readable,
    RecordKind,
    RowProblem,
    SourceRow,
    csv_row,
    parse_record,
    read_source,
)
from veche.triage.models import GazetteerPlace

log = logging.getLogger(__name__)

BATCH = 2000
SHOWN_PROBLEMS = 1000  # kept in the report; the rest are only counted
Progress = Callable[[int], None]  # rows read so far


@dataclass(frozen=True)
class Problem:
    number: int  # the row (CSV, as a spreadsheet numbers it) or the feature (GeoJSON, from 1)
    reason: str
    loaded: bool = False  # the place went in all the same, without what the reason is about


@dataclass
class ImportReport:
    format: str
    unit: str  # «строка» or «объект»: what `Problem.number` counts
    imported: int = 0
    rejected: int = 0
    removed: int = 0  # places of the previous gazetteer replaced by this one
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)  # the first SHOWN_PROBLEMS

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(problem)


def import_gazetteer(
    municipality: Municipality,
    file: Readable,
    *,
    replace: bool = True,
    by: User | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Load the file's places into the municipality's gazetteer, every good row of it, and
    report each bad row with its number and reason. `replace` swaps the whole gazetteer for
    the file's in one transaction; a file with no good row changes nothing. A file that
    cannot be read at all raises `GazetteerFileError`, and nothing changes either."""
    source = read_source(file)
    report = ImportReport(source.format, source.unit)
    territories = _territory_index(municipality)
    with transaction.atomic(durable=True):
        # Two imports of one municipality at once would interleave their deletes and inserts.
        list(Municipality.objects.select_for_update().filter(pk=municipality.pk).values("pk"))
        batch: list[GazetteerPlace] = []
        read = 0
        for read, row in enumerate(source.rows, start=1):
            place = _place(municipality, row, territories, report)
            if place is not None:
                batch.append(place)
            if len(batch) >= BATCH:
                _save(municipality, batch, report, replace=replace)
                if progress is not None:
                    progress(read)
        _save(municipality, batch, report, replace=replace)
    if progress is not None:
        progress(read)
    log.info(
        "gazetteer of %s: %d places imported, %d rows rejected, %d places replaced (by %s)",
        municipality.oktmo, report.imported, report.rejected, report.removed, by,
    )  # fmt: skip
    return report


def _save(
    municipality: Municipality, batch: list[GazetteerPlace], report: ImportReport, *, replace: bool
) -> None:
    if not batch:
        return
    if replace and report.imported == 0:  # the first good rows: now the old ones may go
        report.removed, _ = GazetteerPlace.objects.filter(municipality=municipality).delete()
    GazetteerPlace.objects.bulk_create(batch)
    report.imported += len(batch)
    batch.clear()


def _place(
    municipality: Municipality,
    row: SourceRow,
    territories: dict[str, list[int]],
    report: ImportReport,
) -> GazetteerPlace | None:
    try:
        if row.error:
            raise RowProblem(row.error)
        record = parse_record(row.values)
    except RowProblem as exc:
        report.rejected += 1
        report.add(Problem(row.number, str(exc)))
        return None
    territory_id = None
    if record.territory:
        found = territories.get(_territory_key(record.territory), [])
        if len(found) == 1:
            territory_id = found[0]
        else:
            why = "не найдена среди территорий МО" if not found else "есть в МО не одна"
            reason = f"территория «{record.territory}» {why}: место загружено без территории"
            report.add(Problem(row.number, reason, loaded=True))
    return GazetteerPlace(
        municipality=municipality,
        kind=record.kind,
        name=record.name,
        settlement=record.settlement,
        street=record.street,
        house=record.house,
        lat=record.lat,
        lon=record.lon,
        territory_id=territory_id,
    )


def _territory_key(name: str) -> str:
    return " ".join(name.casefold().replace("ё", "е").split())


def _territory_index(municipality: Municipality) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for pk, name in Territory.objects.filter(municipality=municipality).values_list("pk", "name"):
        index[_territory_key(name)].append(pk)
    return index


# --- reads ------------------------------------------------------------------------------------


def gazetteer_municipalities(actor: User | AnonymousUser) -> QuerySet[Municipality]:
    """Where the actor may see and change the gazetteer (Action.CONFIGURE)."""
    ids = actor_scope(actor).municipality_ids(Action.CONFIGURE)
    return Municipality.objects.filter(id__in=ids).order_by("name")


def gazetteer_records(municipality: Municipality) -> Iterator[GazetteerRecord]:
    """The places in import order, with their territories' names, streamed."""
    rows = (
        GazetteerPlace.objects.filter(municipality=municipality)
        .order_by("pk")
        .values_list(
            "kind",
            "name",
            "settlement",
            "street",
            "house",
            "lat",
            "lon",
            "territory__name",
            "territory_id",
        )
    )
    for kind, name, settlement, street, house, lat, lon, territory, tid in rows.iterator(5000):
        yield GazetteerRecord(
            RecordKind(kind), name, settlement, street, house, lat, lon, territory or "", tid
        )


_cache: dict[int, tuple[tuple[int, int | None], Gazetteer]] = {}
_cache_lock = threading.Lock()


def gazetteer_for(municipality: Municipality) -> Gazetteer | None:
    """The municipality's gazetteer in memory, or None when it has none. Kept per process
    and rebuilt when the places change: an import (in whatever process) deletes or adds
    rows, so their count and largest id — one cheap query — tell a stale copy."""
    signature = GazetteerPlace.objects.filter(municipality=municipality).aggregate(
        count=Count("pk"), last=Max("pk")
    )
    key = (signature["count"], signature["last"])
    with _cache_lock:
        cached = _cache.get(municipality.pk)
        if cached is not None and cached[0] == key:
            return cached[1]
        if not key[0]:
            _cache.pop(municipality.pk, None)
            return None
        gazetteer = Gazetteer(gazetteer_records(municipality))
        _cache[municipality.pk] = (key, gazetteer)
        return gazetteer


def export_lines(municipality: Municipality) -> Iterator[str]:
    """The gazetteer as CSV lines in the file format, for a download or a file."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    yield writer.writerow(FIELDS)
    for record in gazetteer_records(municipality):
        yield writer.writerow(csv_row(record))


class _Echo:
    def write(self, value: str) -> str:
        return value


def kind_counts(municipality: Municipality) -> dict[RecordKind, int]:
    rows = GazetteerPlace.objects.filter(municipality=municipality).values_list("kind")
    found = dict(rows.annotate(n=Count("pk")).order_by().values_list("kind", "n"))
    return {kind: found.get(kind, 0) for kind in RecordKind}


@dataclass(frozen=True)
class TerritoryCount:
    name: str  # "" for places with no territory
    kinds: dict[RecordKind, int]

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


def territory_counts(municipality: Municipality) -> list[TerritoryCount]:
    """Places by territory and kind; a place without a territory of its own counts in its
    settlement's, as matching reads it (`Gazetteer._result`)."""
    places = GazetteerPlace.objects.filter(municipality=municipality)
    of_settlement = {
        settlement_key(name): tid
        for name, tid in places.filter(kind=RecordKind.SETTLEMENT).values_list(
            "name", "territory_id"
        )
    }
    groups = (
        places.values_list("kind", "territory_id", "settlement").annotate(n=Count("pk")).order_by()
    )
    counts: dict[int | None, Counter[RecordKind]] = defaultdict(Counter)
    for kind, tid, settlement, n in groups:
        counts[tid or of_settlement.get(settlement_key(settlement))][RecordKind(kind)] += n
    names = dict(
        Territory.objects.filter(pk__in=[t for t in counts if t]).values_list("pk", "name")
    )
    rows = [
        TerritoryCount(names.get(tid, "") if tid else "", {k: c[k] for k in RecordKind})
        for tid, c in counts.items()
    ]
    return sorted(rows, key=lambda r: (not r.name, r.name))


def find_places(
    municipality: Municipality, query: str, *, limit: int
) -> tuple[list[GazetteerRecord], int]:
    """Places whose name, settlement, street and house hold every word of the query (case
    and «ё» aside): the first `limit` of them and how many there are."""
    gazetteer = gazetteer_for(municipality)
    words = _WORD.findall(_fold(query))
    if gazetteer is None or not words:
        return [], 0
    found = [r for r in gazetteer.records if _holds(_fold(_label(r)), words)]
    return found[:limit], len(found)


def _label(record: GazetteerRecord) -> str:
    return " ".join((record.name, record.settlement, record.street, record.house))


_WORD = re.compile(r"\w+")


def _holds(label: str, words: list[str]) -> bool:
    return all(w in label for w in words)


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е")
