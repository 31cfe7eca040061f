"""The shipped calendar files against the `holidays` package, a second reading of the same
decrees. Veche does not use the package at run time (the files are the truth); this catches
a slip in a file, and a package release that reads a decree differently shows up here to be
checked against the decree. Where the files are right and the package is not, the day goes
in CORRECTIONS with the reason."""

from datetime import date, timedelta

import pytest

from veche.deadlines.calendar_file import shipped_years

holidays = pytest.importorskip("holidays")

# date → why the shipped file differs from `holidays` (none with 0.108 for 2024–2027).
CORRECTIONS: dict[date, str] = {}


def _package_days(year: int) -> tuple[set[date], set[date]]:
    russia = holidays.Russia(years=year)
    days = [date(year, 1, 1) + timedelta(days=i) for i in range(366)]
    weekdays_off = {d for d in days if d.year == year and d.weekday() < 5 and d in russia}
    return weekdays_off, set(russia.weekend_workdays)


@pytest.mark.parametrize("year", sorted(shipped_years()))
def test_shipped_year_agrees_with_holidays_but_for_known_corrections(year: int) -> None:
    shipped = shipped_years()[year]
    days_off, working_weekend = _package_days(year)

    differ = (shipped.days_off ^ days_off) | (shipped.working_weekend_days ^ working_weekend)

    assert differ <= CORRECTIONS.keys()


def test_every_year_from_2024_is_shipped() -> None:
    assert {2024, 2025, 2026, 2027} <= shipped_years().keys()
