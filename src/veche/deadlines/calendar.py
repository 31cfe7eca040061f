"""The production calendar: which days are working days, how long each is, and the clock
arithmetic on top of it (working days, working hours, calendar days) in a municipality's time
zone. Pure: no ORM. The year data comes from `calendar_file` (shipped with Veche or imported),
the overrides and the cache per municipality from `calendar_store.calendar_for`.

Moments go in and come out as aware datetimes in UTC; days are counted in the calendar's time
zone, since Russia spans eleven of them (DOMAIN.md §6.1).
"""

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
SHORTENING = HOUR  # ТК РФ ст. 95: the working day before a holiday is one hour shorter

# ТК РФ ст. 112: the non-working public holidays (month, day).
STATUTORY_HOLIDAYS = (
    *((1, day) for day in range(1, 9)),  # 1–6 and 8 January, 7 January (Christmas)
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
)


class DayKind(StrEnum):
    DAY_OFF = "day_off"
    WORKING = "working"
    SHORTENED = "shortened"  # a working day one hour shorter


class DayOffRule(StrEnum):
    """Where a deadline that falls on a non-working day goes. 59-ФЗ does not say (DOMAIN.md
    §1.1): regional office-work instructions say «не позднее рабочего дня, предшествующего
    нерабочему», prosecutors' practice takes the next working day (as ГК РФ ст. 193 does for
    civil-law terms). A deployment chooses; alerts default to the earlier day (§8 item 2)."""

    PREVIOUS_WORKING_DAY = "previous"
    NEXT_WORKING_DAY = "next"
    KEEP = "keep"  # the day as it falls, working or not


DEFAULT_DAY_OFF_RULE = DayOffRule.PREVIOUS_WORKING_DAY  # DOMAIN.md §8 item 2: the safe default


class CalendarMissing(LookupError):
    """No production calendar for the year: the decree is not in the data yet."""

    def __init__(self, year: int):
        super().__init__(
            f"Нет производственного календаря на {year} год: загрузите его командой "
            f"«veche calendar import ФАЙЛ» (README, «Производственный календарь»)."
        )
        self.year = year


@dataclass(frozen=True)
class YearCalendar:
    """One year as the Government's decree sets it, in the file format's terms."""

    year: int
    days_off: frozenset[date]  # Monday to Friday days that are not working days
    working_weekend_days: frozenset[date]  # Saturdays and Sundays that are
    shortened_days: frozenset[date]  # working days one hour shorter (ТК ст. 95)
    decree: str = ""
    note: str = ""
    source: str = ""  # where the data came from, for `veche calendar`
    provisional: bool = False  # computed from ТК ст. 112 alone, no decree known

    def kind(self, day: date) -> DayKind:
        if day in self.days_off or (day.weekday() >= 5 and day not in self.working_weekend_days):
            return DayKind.DAY_OFF
        return DayKind.SHORTENED if day in self.shortened_days else DayKind.WORKING


def statutory_year(year: int) -> YearCalendar:
    """The year by ТК РФ ст. 112 alone, for a year whose decree is not in the data: holidays
    off, a holiday on a weekend moves to the next working day except in January, the day
    before a holiday is shortened. The decree usually moves more days than that, so this is
    a stand-in, marked provisional."""
    holidays = {date(year, month, day) for month, day in STATUTORY_HOLIDAYS}
    off = {d for d in holidays if d.weekday() < 5}
    for holiday in sorted(holidays):
        if holiday.weekday() >= 5 and holiday.month != 1:
            moved = holiday
            while moved.weekday() >= 5 or moved in off:
                moved += timedelta(days=1)
            off.add(moved)
    holidays.add(date(year + 1, 1, 1))
    shortened = {
        d
        for d in _days_of(year)
        if d.weekday() < 5 and d not in off and d + timedelta(days=1) in holidays
    }
    return YearCalendar(
        year,
        frozenset(off),
        frozenset(),
        frozenset(shortened),
        source="ТК РФ ст. 112 без постановления о переносе (предварительно)",
        provisional=True,
    )


def _on(t: time) -> datetime:
    return datetime.combine(date.min, t)


@dataclass(frozen=True)
class Workday:
    """Office hours of a full working day in local time; a shortened day ends an hour
    earlier. DOMAIN.md sets none; 9:00–18:00 with lunch 13:00–14:00 (8 hours, the 40-hour
    week of ТК ст. 91) is the common municipal schedule."""

    start: time = time(9)
    end: time = time(18)
    lunch: tuple[time, time] | None = (time(13), time(14))

    def __post_init__(self) -> None:
        last = _on(self.end) - SHORTENING
        bounds = [_on(self.start), *(_on(t) for t in self.lunch or ()), last]
        if bounds != sorted(bounds) or bounds[0] >= last:
            raise ValueError(f"Неверный рабочий день: {self}")

    def intervals(self, day: date, *, shortened: bool) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as naive local datetimes."""
        end = datetime.combine(day, self.end) - (SHORTENING if shortened else timedelta())
        start = datetime.combine(day, self.start)
        if self.lunch is None:
            return [(start, end)]
        lunch_start, lunch_end = (datetime.combine(day, t) for t in self.lunch)
        return [(start, lunch_start), (lunch_end, end)]


DEFAULT_WORKDAY = Workday()


@dataclass(frozen=True)
class YearSummary:
    """What `veche calendar YEAR` shows, overrides applied."""

    year: int
    days_off: list[date]  # Monday to Friday non-working days
    working_weekend_days: list[date]
    shortened_days: list[date]
    working_days: int
    sources: list[str] = field(default_factory=list)
    provisional: bool = False


class ProductionCalendar:
    """Working days and hours for one place: the years' data, then the overrides (a
    municipality's over the installation's, already merged by the caller), in one time zone.

    A year with no data raises `CalendarMissing` when `strict`; otherwise it is computed by
    ТК ст. 112 (`statutory_year`) with a warning in the log, so that a deadline running into
    a year whose decree nobody has loaded yet is still close, not weekends-only."""

    def __init__(
        self,
        years: Mapping[int, YearCalendar],
        *,
        overrides: Mapping[date, DayKind] | None = None,
        time_zone: str | ZoneInfo = "Europe/Moscow",
        workday: Workday = DEFAULT_WORKDAY,
        strict: bool = False,
    ):
        self.years = dict(years)
        self.overrides = dict(overrides or {})
        self.zone = time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)
        self.workday = workday
        self.strict = strict

    # --- days ---------------------------------------------------------------------------------

    def year(self, year: int) -> YearCalendar:
        known = self.years.get(year)
        if known is not None:
            return known
        if self.strict:
            raise CalendarMissing(year)
        log.warning("no production calendar for %d: using ТК ст. 112 without the decree", year)
        self.years[year] = provisional = statutory_year(year)
        return provisional

    def day_kind(self, day: date) -> DayKind:
        return self.overrides.get(day) or self.year(day.year).kind(day)

    def is_working_day(self, day: date) -> bool:
        return self.day_kind(day) is not DayKind.DAY_OFF

    def working_hours(self, day: date) -> float:
        """8 on a full day, 7 on a shortened one, 0 on a day off (with the default workday)."""
        return sum((b - a for a, b in self._local_intervals(day)), timedelta()) / HOUR

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        return self.working_day_after(day, 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day before `day`."""
        return self.working_day_after(day, -1)

    def working_day_after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (before it when n < 0); `day` itself never
        counts, and n = 0 is `day`."""
        step = timedelta(days=1 if n >= 0 else -1)
        left = abs(n)
        while left:
            day += step
            left -= self.is_working_day(day)
        return day

    def due_day(self, day: date, *, rule: DayOffRule = DEFAULT_DAY_OFF_RULE) -> date:
        """The last day of a term counted in calendar days, moved off a non-working day by
        the deployment's rule (see `DayOffRule`)."""
        if rule is DayOffRule.KEEP or self.is_working_day(day):
            return day
        if rule is DayOffRule.NEXT_WORKING_DAY:
            return self.next_working_day(day)
        return self.previous_working_day(day)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (so Monday → Wednesday of a
        plain week is 2); negative when `end` is before `start`."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(self.is_working_day(d) for d in _range(start + timedelta(days=1), end))

    def summary(self, year: int) -> YearSummary:
        data = self.year(year)
        kinds = {d: self.day_kind(d) for d in _days_of(year)}
        weekend = {d for d in kinds if d.weekday() >= 5}
        return YearSummary(
            year,
            [d for d, k in kinds.items() if k is DayKind.DAY_OFF and d not in weekend],
            [d for d, k in kinds.items() if k is not DayKind.DAY_OFF and d in weekend],
            [d for d, k in kinds.items() if k is DayKind.SHORTENED],
            sum(k is not DayKind.DAY_OFF for k in kinds.values()),
            [s for s in (data.source, data.decree, data.note) if s],
            data.provisional,
        )

    # --- moments (UTC in, UTC out) ------------------------------------------------------------

    def local_date(self, moment: datetime) -> date:
        return _aware(moment).astimezone(self.zone).date()

    def start_of_day(self, day: date) -> datetime:
        """Local midnight starting `day`, in UTC."""
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)

    def end_of_day(self, day: date) -> datetime:
        """Local midnight ending `day`, in UTC: «до конца дня»."""
        return self.start_of_day(day + timedelta(days=1))

    def add_calendar_days(self, start: datetime, days: int) -> datetime:
        """The same local time `days` days later (59-ФЗ terms are calendar days)."""
        local = _aware(start).astimezone(self.zone)
        return self._utc(local.replace(tzinfo=None) + timedelta(days=days))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same local time on the `days`-th working day after the local day of `start`
        (the day of `start` itself never counts)."""
        local = _aware(start).astimezone(self.zone)
        day = self.working_day_after(local.date(), days)
        return self._utc(datetime.combine(day, local.time()))

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_working_time(start, timedelta(hours=hours))

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when `duration` of office time has passed since `start`: nights, lunch,
        days off and the lost hour of shortened days do not count. A start outside office
        hours counts from the next opening; a zero duration returns `start` itself."""
        start = _aware(start).astimezone(UTC)
        left = duration
        if left <= timedelta():
            return start
        for begin, end in self._intervals_from(start):
            begin = max(begin, start)
            if end - begin >= left:
                return begin + left
            left -= end - begin
        raise AssertionError("unreachable: the intervals never end")  # pragma: no cover

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time from `start` to `end` (for response times in working hours)."""
        start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
        if end <= start:
            return timedelta()
        total = timedelta()
        for begin, finish in self._intervals_from(start):
            if begin >= end:
                break
            total += min(finish, end) - max(begin, start)
        return total

    # --- helpers ------------------------------------------------------------------------------

    def _local_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        kind = self.day_kind(day)
        if kind is DayKind.DAY_OFF:
            return []
        return self.workday.intervals(day, shortened=kind is DayKind.SHORTENED)

    def _intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals in UTC, from the one holding `start` or the next, on and on."""
        day = start.astimezone(self.zone).date()
        while True:
            for begin, end in self._local_intervals(day):
                utc_begin, utc_end = self._utc(begin), self._utc(end)
                if utc_end > start:
                    yield utc_begin, utc_end
            day += timedelta(days=1)

    def _utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.zone).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"Момент без часового пояса: {moment}")
    return moment


def _range(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _days_of(year: int) -> Iterator[date]:
    return _range(date(year, 1, 1), date(year, 12, 31))
