"""The production calendar against the official calendars: every expected date below is
written down from DOMAIN.md §6 (the decrees) or from the published calendars, never computed
by the code under test."""

import json
import logging
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.personas import World
from veche.deadlines.calendar import (
    CalendarMissing,
    DayKind,
    DayOffRule,
    ProductionCalendar,
    statutory_year,
)
from veche.deadlines.calendar_file import shipped_years
from veche.deadlines.calendar_store import calendar_for
from veche.deadlines.models import CalendarOverride, CalendarYear

MSK = "Europe/Moscow"


def _cal(time_zone: str = MSK) -> ProductionCalendar:
    return ProductionCalendar(shipped_years(), time_zone=time_zone, strict=True)


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- days: DOMAIN.md §6.2, every row ----------------------------------------------------------

DOMAIN_TABLE = [
    ("2024-04-27", True),  # Sat, working
    ("2024-04-29", False),
    ("2024-04-30", False),
    ("2024-05-10", False),
    ("2024-12-30", False),
    ("2024-12-31", False),
    ("2024-11-02", True),  # Sat, working
    ("2024-12-28", True),  # Sat, working
    ("2025-02-24", True),  # Mon: 23 Feb moved to 8 May, not to the Monday
    ("2025-03-10", True),  # Mon: 8 Mar moved to 13 Jun
    ("2025-05-02", False),
    ("2025-05-08", False),
    ("2025-06-13", False),
    ("2025-11-01", True),  # Sat, working
    ("2025-11-03", False),
    ("2025-12-31", False),
    ("2026-01-09", False),
    ("2026-03-09", False),
    ("2026-05-11", False),
    ("2026-12-31", False),
]


@pytest.mark.parametrize(("day", "working"), DOMAIN_TABLE)
def test_day_is_working_as_the_decrees_say(day: str, working: bool) -> None:
    assert _cal().is_working_day(_d(day)) is working


# DOMAIN.md §6.1: the non-working periods the 2025 and 2026 decrees list.
DECREE_PERIODS = [
    ("2024-12-29", "2025-01-08"),
    ("2025-02-22", "2025-02-23"),
    ("2025-03-08", "2025-03-09"),
    ("2025-05-01", "2025-05-04"),
    ("2025-05-08", "2025-05-11"),
    ("2025-06-12", "2025-06-15"),
    ("2025-11-02", "2025-11-04"),
    ("2025-12-31", "2026-01-11"),
    ("2026-02-21", "2026-02-23"),
    ("2026-03-07", "2026-03-09"),
    ("2026-05-01", "2026-05-03"),
    ("2026-05-09", "2026-05-11"),
    ("2026-06-12", "2026-06-14"),
    ("2026-11-04", "2026-11-04"),
]  # 31.12.2026 runs into the next year's holidays: in DOMAIN_TABLE


@pytest.mark.parametrize(("first", "last"), DECREE_PERIODS)
def test_decree_periods_are_days_off_with_working_days_around(first: str, last: str) -> None:
    calendar = _cal()
    period = [_d(first) + timedelta(days=i) for i in range((_d(last) - _d(first)).days + 1)]

    assert [d for d in period if calendar.is_working_day(d)] == []
    assert calendar.is_working_day(period[0] - timedelta(days=1))
    assert calendar.is_working_day(period[-1] + timedelta(days=1))


@pytest.mark.parametrize(("year", "working_days"), [(2024, 248), (2025, 247), (2026, 247)])
def test_working_days_per_year(year: int, working_days: int) -> None:
    assert _cal().summary(year).working_days == working_days


# The published calendars (see the "note" of each shipped file): ТК ст. 95, the working day
# before a holiday; 28.12.2024 and 30.12.2025 precede a moved day off, not a holiday.
SHORTENED = {
    2024: ["2024-02-22", "2024-03-07", "2024-05-08", "2024-06-11", "2024-11-02"],
    2025: ["2025-03-07", "2025-04-30", "2025-06-11", "2025-11-01"],
    2026: ["2026-04-30", "2026-05-08", "2026-06-11", "2026-11-03"],
}


@pytest.mark.parametrize("year", sorted(SHORTENED))
def test_shortened_days_are_the_published_ones(year: int) -> None:
    shortened = _cal().summary(year).shortened_days

    assert [d.isoformat() for d in shortened] == SHORTENED[year]


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        ("2025-04-29", 8),  # Tue, plain
        ("2025-04-30", 7),  # Wed before 1 May
        ("2025-05-01", 0),
        ("2025-11-01", 7),  # working Saturday standing in for 3 Nov, the eve of 4 Nov
        ("2025-12-30", 8),  # before 31 Dec, a moved day off
        ("2025-11-02", 0),  # Sun
    ],
)
def test_working_hours_of_a_day(day: str, hours: int) -> None:
    assert _cal().working_hours(_d(day)) == hours


# --- clocks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # New Year 2026: 31.12.2025–11.01.2026 off.
        ("2025-12-30T07:00", 1, "2026-01-12T07:00"),
        ("2025-12-30T07:00", 5, "2026-01-16T07:00"),
        # New Year 2025: Sat 28.12.2024 works, 29.12–08.01 off.
        ("2024-12-27T07:00", 1, "2024-12-28T07:00"),
        ("2024-12-27T07:00", 2, "2025-01-09T07:00"),
        # May 2025: 1–4 and 8–11 off (2 May moved from 4 Jan, 8 May from 23 Feb).
        ("2025-04-30T07:00", 1, "2025-05-05T07:00"),
        ("2025-04-30T07:00", 4, "2025-05-12T07:00"),
        # May 2026: 1–3 and 9–11 off.
        ("2026-05-08T07:00", 1, "2026-05-12T07:00"),
        # Backwards, for warnings ahead of a due day.
        ("2026-01-12T07:00", -1, "2025-12-30T07:00"),
        ("2026-01-12T07:00", 0, "2026-01-12T07:00"),
    ],
)
def test_add_working_days(start: str, days: int, due: str) -> None:
    assert _cal().add_working_days(_utc(start), days) == _utc(due)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Fri 17.10.2025 16:00 MSK + 4 h: 2 h on Friday, 2 h on Monday → Mon 11:00 MSK.
        ("2025-10-17T13:00", 4, "2025-10-20T08:00"),
        # Before lunch: Mon 12:00 + 2 h → 12–13 and 14–15 → 15:00 MSK.
        ("2025-10-20T09:00", 2, "2025-10-20T12:00"),
        # Shortened Wed 30.04.2025 ends at 17:00: 15:00 + 3 h → 2 h, then Mon 5 May 10:00.
        ("2025-04-30T12:00", 3, "2025-05-05T07:00"),
        # The same on a plain Tuesday ends the same day at 18:00.
        ("2025-04-29T12:00", 3, "2025-04-29T15:00"),
        # Started on a Saturday night: counts from Monday 9:00.
        ("2025-10-18T20:00", 8, "2025-10-20T15:00"),
        # Up to closing time exactly: 18:00 that day, not 9:00 the next.
        ("2025-10-20T14:00", 1, "2025-10-20T15:00"),
    ],
)
def test_add_working_hours(start: str, hours: float, due: str) -> None:
    assert _cal().add_working_hours(_utc(start), hours) == _utc(due)


def test_add_calendar_days_keeps_local_time() -> None:
    # 59-ФЗ ст. 12 ч. 1: 30 days from registration, calendar days.
    registered = _utc("2025-04-08T12:00")

    assert _cal().add_calendar_days(registered, 30) == _utc("2025-05-08T12:00")


@pytest.mark.parametrize(
    ("rule", "due"),
    [
        (DayOffRule.PREVIOUS_WORKING_DAY, "2025-05-07"),
        (DayOffRule.NEXT_WORKING_DAY, "2025-05-12"),
        (DayOffRule.KEEP, "2025-05-08"),
    ],
)
def test_a_due_day_off_moves_by_the_deployments_rule(rule: DayOffRule, due: str) -> None:
    # 30 days from 08.04.2025 end on 8 May, a day off (moved from 23 Feb) before 9–11 May.
    assert _cal().due_day(_d("2025-05-08"), rule=rule) == _d(due)


def test_due_day_on_a_working_day_stays() -> None:
    assert _cal().due_day(_d("2025-05-07"), rule=DayOffRule.NEXT_WORKING_DAY) == _d("2025-05-07")


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2025-12-30", "2026-01-12", 1),
        ("2025-10-20", "2025-10-22", 2),
        ("2025-10-22", "2025-10-20", -2),
        ("2025-10-20", "2025-10-20", 0),
    ],
)
def test_working_days_between(start: str, end: str, days: int) -> None:
    assert _cal().working_days_between(_d(start), _d(end)) == days


def test_working_time_between_skips_the_night_and_lunch() -> None:
    # Mon 20.10.2025 17:00 MSK → Tue 10:00 MSK: 1 h on Monday, 1 h on Tuesday.
    spent = _cal().working_time_between(_utc("2025-10-20T14:00"), _utc("2025-10-21T07:00"))

    assert spent == timedelta(hours=2)


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="часового пояса"):
        _cal().add_working_hours(datetime(2025, 10, 20, 9), 1)  # noqa: DTZ001


# --- time zones -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_moment_is_a_different_day_east_and_west(world: World) -> None:
    world.municipality.time_zone = "Asia/Vladivostok"  # UTC+10
    world.municipality.save()
    world.neighbour.time_zone = "Europe/Kaliningrad"  # UTC+2
    world.neighbour.save()
    east, west = calendar_for(world.municipality), calendar_for(world.neighbour)
    moment = _utc("2026-01-11T23:30")  # Mon 12.01 09:30 in Vladivostok, 01:30 in Kaliningrad

    assert east.local_date(moment) == _d("2026-01-12")
    assert west.local_date(moment) == _d("2026-01-12")
    assert east.add_working_hours(moment, 1) == _utc("2026-01-12T00:30")  # 10:30 local
    assert west.add_working_hours(moment, 1) == _utc("2026-01-12T08:00")  # 10:00 local
    evening = _utc("2026-01-11T15:00")  # Mon 01:00 in Vladivostok, still Sunday in Kaliningrad
    assert east.is_working_day(east.local_date(evening))
    assert not west.is_working_day(west.local_date(evening))
    assert east.end_of_day(_d("2026-01-12")) == _utc("2026-01-12T14:00")
    assert west.end_of_day(_d("2026-01-12")) == _utc("2026-01-12T22:00")


# --- overrides --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_regional_holiday_is_a_day_off_in_its_municipality_only(world: World) -> None:
    holiday = _d("2026-03-20")  # Fri: «Ураза-байрам» by a republic's law
    CalendarOverride.objects.create(
        municipality=world.municipality,
        date=holiday,
        kind=CalendarOverride.Kind.DAY_OFF,
        reason="Закон республики о праздниках",
    )

    assert not calendar_for(world.municipality).is_working_day(holiday)
    assert calendar_for(world.neighbour).is_working_day(holiday)
    assert calendar_for(None).is_working_day(holiday)
    assert calendar_for(world.municipality).add_working_days(_utc("2026-03-19T07:00"), 1) == _utc(
        "2026-03-23T07:00"
    )


@pytest.mark.django_db
def test_the_municipalitys_override_wins_over_the_installations(world: World) -> None:
    day = _d("2026-05-04")  # Mon
    CalendarOverride.objects.create(
        date=day, kind=CalendarOverride.Kind.DAY_OFF, reason="Поздний указ"
    )
    CalendarOverride.objects.create(
        municipality=world.municipality,
        date=day,
        kind=CalendarOverride.Kind.SHORTENED,
        reason="Местное решение",
    )

    assert calendar_for(world.municipality).day_kind(day) is DayKind.SHORTENED
    assert calendar_for(world.neighbour).day_kind(day) is DayKind.DAY_OFF


@pytest.mark.django_db
def test_a_cached_calendar_sees_an_override_added_later(world: World) -> None:
    day = _d("2026-06-15")
    assert calendar_for(world.municipality).is_working_day(day)

    row = CalendarOverride.objects.create(
        municipality=world.municipality, date=day, kind="day_off", reason="Указ губернатора"
    )
    assert not calendar_for(world.municipality).is_working_day(day)

    row.kind = CalendarOverride.Kind.WORKING
    row.save()
    assert calendar_for(world.municipality).is_working_day(day)

    row.delete()
    assert calendar_for(world.municipality).day_kind(day) is DayKind.WORKING


# --- a year with no data ----------------------------------------------------------------------


def test_a_year_with_no_data_is_an_error_when_strict() -> None:
    with pytest.raises(CalendarMissing, match="2030"):
        _cal().is_working_day(_d("2030-05-06"))


def test_a_year_with_no_data_falls_back_to_the_labour_code_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calendar = ProductionCalendar(shipped_years())
    with caplog.at_level(logging.WARNING):
        summary = calendar.summary(2030)

    assert summary.provisional
    assert "no production calendar for 2030" in caplog.text
    # ТК ст. 112 for 2030: 1 Jan is a Tuesday; 23 Feb a Saturday → Mon 25 Feb; 9 Jun a
    # Sunday → no; 12 Jun a Wednesday; 4 Nov a Monday.
    assert _d("2030-02-25") in summary.days_off
    assert _d("2030-06-12") in summary.days_off
    assert _d("2030-06-11") in summary.shortened_days


def test_the_labour_code_alone_does_not_move_january_holidays() -> None:
    # 2028: 1 Jan is a Saturday, 8 Jan too; January weekend holidays are not moved by ТК ст. 112.
    off = statutory_year(2028).days_off

    assert sorted(d for d in off if d.month == 1) == [_d(f"2028-01-0{n}") for n in range(3, 8)]


# --- the command ------------------------------------------------------------------------------


def _run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_calendar_json_is_exactly_the_official_year() -> None:
    expected = (
        '{"days_off": ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07", '
        '"2025-01-08", "2025-05-01", "2025-05-02", "2025-05-08", "2025-05-09", "2025-06-12", '
        '"2025-06-13", "2025-11-03", "2025-11-04", "2025-12-31"], '
        '"working_weekend_days": ["2025-11-01"], '
        '"shortened_days": ["2025-03-07", "2025-04-30", "2025-06-11", "2025-11-01"]}\n'
    )

    assert _run("2025", "--json") == expected


@pytest.mark.django_db
def test_calendar_json_of_a_municipality_holds_its_overrides(world: World) -> None:
    CalendarOverride.objects.create(
        municipality=world.municipality, date=_d("2026-03-20"), kind="day_off", reason="Праздник"
    )
    CalendarOverride.objects.create(
        municipality=world.municipality, date=_d("2026-03-21"), kind="working", reason="Отработка"
    )

    printed = json.loads(_run("2026", "--json", "--municipality", world.municipality.oktmo))
    other = json.loads(_run("2026", "--json", "--municipality", world.neighbour.oktmo))

    assert "2026-03-20" in printed["days_off"]
    assert printed["working_weekend_days"] == ["2026-03-21"]
    assert other["working_weekend_days"] == []
    assert "2026-03-20" not in other["days_off"]


@pytest.mark.django_db
def test_calendar_shows_the_year_for_people() -> None:
    text = _run("2024")

    assert "Рабочих дней: 248" in text
    assert "Рабочие субботы и воскресенья (3): 27.04 (сб), 02.11 (сб), 28.12 (сб)" in text
    assert "№ 1306" in text


@pytest.mark.django_db
def test_calendar_of_a_year_with_no_data_fails() -> None:
    with pytest.raises(CommandError, match="Нет производственного календаря на 2031 год"):
        _run("2031")


YEAR_2028: dict[str, Any] = {
    "year": 2028,
    "decree": "Постановление Правительства РФ (проверочное)",
    "days_off": [
        "2028-01-03",
        "2028-01-04",
        "2028-01-05",
        "2028-01-06",
        "2028-01-07",
        "2028-02-23",
        "2028-03-08",
        "2028-05-01",
        "2028-05-09",
        "2028-06-12",
    ],
    "working_weekend_days": [],
    "shortened_days": ["2028-02-22", "2028-03-07", "2028-05-08", "2028-06-09", "2028-11-03"],
}


@pytest.mark.django_db
def test_import_loads_a_new_year(tmp_path: Path) -> None:
    path = tmp_path / "2028.json"
    path.write_text(json.dumps(YEAR_2028), encoding="utf-8")

    said = _run("import", str(path))

    assert "Календарь на 2028 год загружен" in said
    printed = json.loads(_run("2028", "--json"))
    assert printed["days_off"] == YEAR_2028["days_off"]
    assert printed["shortened_days"] == YEAR_2028["shortened_days"]


@pytest.mark.django_db
def test_import_replaces_a_shipped_year(tmp_path: Path) -> None:
    fixed = json.loads(_run("2027", "--json"))
    fixed["year"] = 2027
    fixed["days_off"].append("2027-11-08")  # a later decree adds a Monday
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(fixed), encoding="utf-8")

    _run("import", str(path))

    assert "2027-11-08" in json.loads(_run("2027", "--json"))["days_off"]


@pytest.mark.django_db
def test_import_refuses_a_bad_year_and_keeps_nothing(tmp_path: Path) -> None:
    bad = {
        **YEAR_2028,
        "days_off": ["2028-01-01", "2028-13-01", *YEAR_2028["days_off"][1:]],
        "working_weekend_days": ["2028-01-10"],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        _run("import", str(path))

    message = str(refused.value)
    assert "2028-01-01 в «days_off» — суббота или воскресенье" in message
    assert "'2028-13-01' — не дата ГГГГ-ММ-ДД" in message
    assert "2028-01-10 в «working_weekend_days» — не суббота и не воскресенье" in message
    assert "2028-01-03 — праздник по ТК РФ ст. 112, его нет в «days_off»" in message
    assert CalendarYear.objects.count() == 0
