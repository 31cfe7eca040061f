"""The production calendar's file format: one year per JSON file, as shipped in
`deadlines/data/calendar-YEAR.json` and as `veche calendar import` takes it (README,
«Производственный календарь»).

    {"year": 2026,
     "decree": "Постановление Правительства РФ от … № … «О переносе выходных дней в 2026 году»",
     "note": "…", "transfers": [{"from": "2026-01-03", "to": "2026-01-09"}, …],
     "days_off": ["2026-01-01", …], "working_weekend_days": [], "shortened_days": [...]}

`days_off` are the Monday-to-Friday days that are not working days (holidays and the days off
moved onto weekdays); `working_weekend_days` the Saturdays and Sundays that are;
`shortened_days` the working days one hour shorter (ТК ст. 95). `decree`, `note` and
`transfers` are for people and are not read by the calendar.
"""

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from veche.deadlines.calendar import STATUTORY_HOLIDAYS, YearCalendar

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = "поставка Вече"
LISTS = ("days_off", "working_weekend_days", "shortened_days")
TEXTS = ("decree", "note")
KNOWN = {"year", *LISTS, *TEXTS, "transfers"}


class CalendarFileError(ValueError):
    """A calendar file that does not hold a valid year; the message says what is wrong."""


def parse_year(document: Any, *, source: str = "") -> YearCalendar:
    """Check a year document and read it; every problem found is listed in the error."""
    if not isinstance(document, dict):
        raise CalendarFileError("Файл календаря должен быть объектом JSON с полем «year».")
    problems = [f"неизвестное поле «{key}»" for key in document if key not in KNOWN]
    year = document.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise CalendarFileError(f"Поле «year» должно быть годом, а не {year!r}.")
    lists = {name: _dates(document, name, year, problems) for name in LISTS}
    texts = {name: document.get(name, "") for name in TEXTS}
    problems += [
        f"поле «{n}» должно быть строкой" for n, v in texts.items() if not isinstance(v, str)
    ]
    problems += _inconsistencies(year, **lists)
    if problems:
        raise CalendarFileError(f"Календарь на {year} год не принят: " + "; ".join(problems) + ".")
    return YearCalendar(
        year,
        frozenset(lists["days_off"]),
        frozenset(lists["working_weekend_days"]),
        frozenset(lists["shortened_days"]),
        decree=texts["decree"],
        note=texts["note"],
        source=source,
    )


def read_year(path: Path, *, source: str = "") -> YearCalendar:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CalendarFileError(f"Не удалось прочитать {path.name}: {exc}") from None
    return parse_year(document, source=source)


def year_document(data: YearCalendar) -> dict[str, Any]:
    """The year in the file format, as `parse_year` reads it back."""
    return {
        "year": data.year,
        "decree": data.decree,
        "note": data.note,
        "days_off": _iso(data.days_off),
        "working_weekend_days": _iso(data.working_weekend_days),
        "shortened_days": _iso(data.shortened_days),
    }


@cache
def shipped_years() -> dict[int, YearCalendar]:
    """The years shipped with this release of Veche, read once per process."""
    years = (read_year(p, source=SHIPPED) for p in sorted(DATA.glob("calendar-*.json")))
    return {y.year: y for y in years}


def _dates(document: dict[str, Any], name: str, year: int, problems: list[str]) -> list[date]:
    values = document.get(name)
    if not isinstance(values, list):
        problems.append(f"нет списка «{name}»")
        return []
    days = []
    for value in values:
        try:
            day = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            problems.append(f"«{name}»: {value!r} — не дата ГГГГ-ММ-ДД")
        elif day.year != year:
            problems.append(f"«{name}»: {value} — не {year} год")
        else:
            days.append(day)
    if len(set(days)) != len(days):
        problems.append(f"«{name}»: даты повторяются")
    return days


def _inconsistencies(
    year: int, days_off: list[date], working_weekend_days: list[date], shortened_days: list[date]
) -> list[str]:
    off = set(days_off)
    problems = [f"{d} в «days_off» — суббота или воскресенье" for d in days_off if d.weekday() >= 5]
    problems += [
        f"{d} в «working_weekend_days» — не суббота и не воскресенье"
        for d in working_weekend_days
        if d.weekday() < 5
    ]
    working = {d for d in shortened_days if d.weekday() < 5 and d not in off}
    working |= set(working_weekend_days) & set(shortened_days)
    problems += [
        f"{d} в «shortened_days» — не рабочий день" for d in shortened_days if d not in working
    ]
    # ТК ст. 112 holidays are days off in every year: a weekday one missing is a typo.
    holidays = (date(year, month, day) for month, day in STATUTORY_HOLIDAYS)
    problems += [
        f"{d} — праздник по ТК РФ ст. 112, его нет в «days_off»"
        for d in holidays
        if d.weekday() < 5 and d not in off
    ]
    return problems


def _iso(days: frozenset[date]) -> list[str]:
    return [d.isoformat() for d in sorted(days)]
