"""Hypothesis strategies shared by the fuzz tests: garbage, valid export rows, mutations.

Valid data is generated, never copied from real exports: Cyrillic and Latin words, numbers
and punctuation as citizens write them, dates inside the years the importers accept.
"""

# ruff: noqa: DTZ001 - exports hold local time without an offset: naive datetimes

from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import strategies as st

# Characters of real cells: letters of both alphabets, digits, punctuation, «ё», quotes and
# the delimiters themselves (a «;» inside a cell must be quoted, not split).
_ALPHABET = st.sampled_from(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    " .,;:!?-–—()«»\"'/№%+"
)


def words(min_size: int = 1, max_size: int = 60) -> st.SearchStrategy[str]:
    """Text a cell can hold and give back unchanged: no edge whitespace, no inner runs."""
    return (
        st.text(_ALPHABET, min_size=min_size, max_size=max_size)
        .map(lambda s: " ".join(s.split()))
        .filter(lambda s: len(s) >= min_size)
    )


def local_moments() -> st.SearchStrategy[datetime]:
    """Minutes of local time the importers accept (years 1990–2100), no seconds: the
    «ДД.ММ.ГГГГ ЧЧ:ММ» exports write."""
    return st.datetimes(min_value=datetime(1991, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)
    )


def garbage_bytes(max_size: int = 2048) -> st.SearchStrategy[bytes]:
    """Random bytes, often starting like a real format so the parsers go past the sniffing."""
    prefixes = st.sampled_from(
        [
            b"",
            b"PK\x03\x04",
            b"\xef\xbb\xbf",
            b"\xff\xfe",
            b"{",
            b"<?xml version='1.0'?>",
            b"\xd0\xcf\x11\xe0",
        ]
    )
    return st.tuples(prefixes, st.binary(max_size=max_size)).map(lambda p: p[0] + p[1])


def garbage_text(max_size: int = 2048) -> st.SearchStrategy[str]:
    """Any Unicode (surrogates excluded: they cannot be encoded to a file at all)."""
    return st.text(st.characters(exclude_categories=["Cs"]), max_size=max_size)


@dataclass(frozen=True)
class ValidRow:
    """One good export row, as the test expects to find its case afterwards."""

    key: str
    received_at: datetime
    text: str
    street: str
    house: str


def valid_rows(min_size: int = 1, max_size: int = 6) -> st.SearchStrategy[list[ValidRow]]:
    row = st.builds(
        ValidRow,
        key=st.integers(1, 10**12).map(str),
        received_at=local_moments(),
        text=words(1, 300),
        street=words(1, 40),
        house=st.integers(1, 300).map(str),
    )
    return st.lists(row, min_size=min_size, max_size=max_size, unique_by=lambda r: r.key)


# A broken row: what is done to it, and whether the row must then be refused (True) or kept
# with the value reported (False). `None`: a valid value in an odd form (kept, no problem).
MUTATIONS: dict[str, bool | None] = {
    "garbage_date": True,
    "empty_key": True,
    "empty_text": True,
    "huge_key": True,
    "truncated": True,
    "year_out_of_range": True,
    "garbage_optional_date": False,
    "garbage_duration": False,
    "formula_text": None,
    "number_text": None,
    "huge_text": None,
}


def mutations() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(MUTATIONS))


def garbage_dates() -> st.SearchStrategy[str]:
    """Strings that are not a date in any format the importers read."""
    return st.one_of(
        st.sampled_from(["32.13.2026 25:61", "завтра", "00.00.0000", "2026-02-30", "##########"]),
        words(1, 20).filter(lambda s: not any(c.isdigit() for c in s)),
    )


def shifted(moment: datetime, minutes: int) -> datetime:
    return moment + timedelta(minutes=minutes)
