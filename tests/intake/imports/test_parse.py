"""Values as Russian systems write them (pure functions, table-driven)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from veche.intake.imports.parse import ValueProblem, parse_datetime, parse_duration, parse_flag

MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("23.11.2026 14:05", datetime(2026, 11, 23, 14, 5, tzinfo=MSK)),
        ("23.11.2026 14:05:33", datetime(2026, 11, 23, 14, 5, 33, tzinfo=MSK)),
        ("23.11.2026", datetime(2026, 11, 23, tzinfo=MSK)),
        ("23.11.26 9:05", datetime(2026, 11, 23, 9, 5, tzinfo=MSK)),
        (" 23.11.2026\u00a014:05 ", datetime(2026, 11, 23, 14, 5, tzinfo=MSK)),
        ("2026-11-23T14:05:00", datetime(2026, 11, 23, 14, 5, tzinfo=MSK)),
        ("2026-11-23 11:05:00+00:00", datetime(2026, 11, 23, 11, 5, tzinfo=UTC)),
        ("2026-11-23T11:05:00Z", datetime(2026, 11, 23, 11, 5, tzinfo=UTC)),
        (datetime(2026, 11, 23, 14, 5), datetime(2026, 11, 23, 14, 5, tzinfo=MSK)),  # noqa: DTZ001
        (46349.5, datetime(2026, 11, 23, 12, 0, tzinfo=MSK)),
        (None, None),
        ("", None),
    ],
)
def test_dates(raw: object, expected: datetime | None) -> None:
    assert parse_datetime(raw, MSK) == expected


@pytest.mark.parametrize("raw", ["32.13.2026", "вчера", "12345", 7, "23/11"])
def test_bad_dates(raw: object) -> None:
    with pytest.raises(ValueProblem):
        parse_datetime(raw, MSK)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "0 days 12:30:37.103000",
            timedelta(hours=12, minutes=30, seconds=37, microseconds=103000),
        ),
        ("2 days 04:11:09.500000", timedelta(days=2, hours=4, minutes=11, seconds=9.5)),
        ("-1 days +23:59:59", timedelta(seconds=-1)),
        ("1 day, 02:00:00", timedelta(days=1, hours=2)),
        ("3 дня 01:00:00", timedelta(days=3, hours=1)),
        ("12:30:37", timedelta(hours=12, minutes=30, seconds=37)),
        ("12:30", timedelta(hours=12, minutes=30)),
        (time(1, 2, 3), timedelta(hours=1, minutes=2, seconds=3)),
        (0.5, timedelta(hours=12)),
        (None, None),
    ],
)
def test_durations(raw: object, expected: timedelta | None) -> None:
    assert parse_duration(raw) == expected


def test_bad_duration() -> None:
    with pytest.raises(ValueProblem, match="длительность не распознана"):
        parse_duration("полдня")


@pytest.mark.parametrize(
    ("raw", "expected"), [("Да", True), ("нет", False), ("59-ФЗ", True), (None, False), (1, True)]
)
def test_flags(raw: object, expected: bool) -> None:
    assert parse_flag(raw) is expected
