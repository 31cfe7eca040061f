"""Values as Russian federal systems write them into XLSX and CSV exports. Pure functions.

Dates: «23.11.2026 14:05», «23.11.2026 14:05:33», «23.11.2026», «23.11.26», ISO 8601 with or
without an offset, an Excel date cell (already a `datetime`) or an Excel serial number.
A date without an offset is the municipality's local time. Durations: the pandas form ИМ
writes («0 days 12:30:37.103000», «-1 days +23:59:59»), «12:30:37», «1 день 02:00:00»,
an Excel time cell, or a number of days.
"""

import re
from datetime import date, datetime, time, timedelta, tzinfo

from openpyxl.utils.datetime import from_excel


class ValueProblem(ValueError):
    """A value that cannot be read; its message is the reason shown to the officer."""


_DATE_FORMATS = (
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d.%m.%y %H:%M:%S",
    "%d.%m.%y %H:%M",
    "%d.%m.%y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)
_DURATION = re.compile(
    r"^(?:(?P<days>[+-]?\d+)\s*(?:days?|дн(?:я|ей)?|день|d)\s*,?\s*)?"
    r"(?P<sign>[+-])?(?P<h>\d+):(?P<m>\d{1,2})(?::(?P<s>\d{1,2})(?P<frac>\.\d+)?)?$",
    re.IGNORECASE,
)
_TRUE = frozenset({"да", "true", "1", "yes", "+", "обращение", "59-фз", "59 фз", "фз-59"})
_FALSE = frozenset({"нет", "false", "0", "no", "-", "сообщение", ""})
# Excel serial numbers of plausible dates (1990–2100): a bare number elsewhere is an error.
_SERIAL_RANGE = (32874, 73051)


def text(value: object) -> str:
    """A cell as text: None is empty, a float that is an integer loses its «.0» (IDs)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


EARLIEST_YEAR, LATEST_YEAR = 1990, 2100


def parse_datetime(value: object, tz: tzinfo) -> datetime | None:
    """An aware datetime, or None for an empty cell. Years outside 1990–2100 are typos (and
    the far ends overflow when turned into UTC)."""
    moment = _parse_datetime(value, tz)
    if moment is not None and not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueProblem(f"год {moment.year} вне {EARLIEST_YEAR}–{LATEST_YEAR}")
    return moment


def _parse_datetime(value: object, tz: tzinfo) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=tz)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return _aware(from_excel(value), tz)
        raise ValueProblem(f"число {value} не похоже на дату")
    raw = " ".join(str(value).replace("\u00a0", " ").split())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueProblem("дата не распознана (ожидается ДД.ММ.ГГГГ ЧЧ:ММ)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _aware(value: object, tz: tzinfo) -> datetime:
    if not isinstance(value, datetime):
        raise ValueProblem("дата не распознана")
    return value.replace(tzinfo=tz)


def parse_duration(value: object) -> timedelta | None:
    try:
        return _parse_duration(value)
    except (OverflowError, ValueError) as exc:  # 1e12 days, NaN: not a ValueProblem yet
        if isinstance(exc, ValueProblem):
            raise
        raise ValueProblem("длительность вне допустимого диапазона") from None


def _parse_duration(value: object) -> timedelta | None:
    if value is None or value == "":
        return None
    if isinstance(value, timedelta):
        return value
    if isinstance(value, time):
        return timedelta(
            hours=value.hour,
            minutes=value.minute,
            seconds=value.second,
            microseconds=value.microsecond,
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(days=value)  # Excel stores durations as fractions of a day
    match = _DURATION.match(str(value).strip())
    if match is None:
        raise ValueProblem("длительность не распознана (ожидается «0 days 12:30:37»)")
    sign = -1 if match["sign"] == "-" else 1
    clock = timedelta(
        hours=int(match["h"]),
        minutes=int(match["m"]),
        seconds=int(match["s"] or 0),
        microseconds=round(float(match["frac"] or 0) * 1_000_000),
    )
    return timedelta(days=int(match["days"] or 0)) + sign * clock


def parse_flag(value: object) -> bool:
    raw = text(value).casefold()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueProblem("ожидается «да» или «нет»")
