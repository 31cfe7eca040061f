"""The production calendar from the database: `calendar_for` builds a municipality's
`ProductionCalendar` (shipped years, years loaded by `veche calendar import`, the
installation's overrides, then the municipality's), and `import_calendar_year` is the one
writer of `CalendarYear`. Overrides are edited in the Django admin.
"""

import logging
import threading
from datetime import date

from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet

from veche.deadlines.calendar import DayKind, ProductionCalendar, YearCalendar
from veche.deadlines.calendar_file import parse_year, shipped_years, year_document
from veche.deadlines.models import CalendarOverride, CalendarYear
from veche.org.models import Municipality, User

log = logging.getLogger(__name__)

Signature = tuple[object, ...]
_cache: dict[tuple[int | None, bool], tuple[Signature, ProductionCalendar]] = {}
_cache_lock = threading.Lock()


def calendar_for(municipality: Municipality | None, *, strict: bool = False) -> ProductionCalendar:
    """The calendar of a municipality in its time zone, or the installation's (Moscow time)
    for None. Kept per process and rebuilt when the data changes, in whatever process: the
    count and latest change of the overrides and loaded years — two cheap queries — tell a
    stale copy. `strict` raises `CalendarMissing` for a year with no data instead of falling
    back to ТК ст. 112 (`ProductionCalendar`)."""
    mine = _overrides(municipality)
    signature = (
        *mine.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk")).values(),
        *CalendarYear.objects.aggregate(n=Count("pk"), last=Max("imported_at")).values(),
        municipality.time_zone if municipality else None,
    )
    key = (municipality.pk if municipality else None, strict)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
        calendar = ProductionCalendar(
            _years(),
            overrides=_override_days(mine),
            time_zone=municipality.time_zone if municipality else "Europe/Moscow",
            strict=strict,
        )
        _cache[key] = (signature, calendar)
        return calendar


def clear_calendar_cache() -> None:
    with _cache_lock:
        _cache.clear()


def import_calendar_year(document: object, *, by: User | None = None) -> YearCalendar:
    """Check a year in the file format and load it, replacing the year loaded before and
    standing over the shipped one. A bad document raises `CalendarFileError`, nothing
    changes."""
    data = parse_year(document)
    with transaction.atomic(durable=True):
        CalendarYear.objects.update_or_create(
            year=data.year, defaults={"document": year_document(data)}
        )
    log.info("production calendar %d loaded (by %s): %s", data.year, by, data.decree)
    return data


def _years() -> dict[int, YearCalendar]:
    years = dict(shipped_years())
    for row in CalendarYear.objects.order_by("year"):
        loaded = f"загружен {row.imported_at:%d.%m.%Y} (veche calendar import)"
        years[row.year] = parse_year(row.document, source=loaded)
    return years


def _overrides(municipality: Municipality | None) -> QuerySet[CalendarOverride]:
    mine = Q(municipality__isnull=True)
    if municipality is not None:
        mine |= Q(municipality=municipality)
    return CalendarOverride.objects.filter(mine)


def _override_days(rows: QuerySet[CalendarOverride]) -> dict[date, DayKind]:
    # The installation's rows first, so that the municipality's for the same day win.
    ordered = rows.order_by(F("municipality").asc(nulls_first=True), "date")
    return {day: DayKind(kind) for day, kind in ordered.values_list("date", "kind")}
