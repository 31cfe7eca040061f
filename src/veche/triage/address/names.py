"""Comparable keys for street and settlement names: type words, «ё», case and ordinal endings
dropped, so that «Мебельная улица», «ул. Мебельная» and «МЕБЕЛЬНАЯ ул.» compare equal."""

import re
from functools import lru_cache

from rapidfuzz import fuzz

from veche.triage.address.lexicon import SETTLEMENT_TYPES, STREET_TYPES

_STREET_TYPE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(f"{t.words}|{t.abbreviations}" if t.abbreviations else t.words for t in STREET_TYPES)
    + r")(?:(?<=\.)|(?![\w-]))",
    re.IGNORECASE,
)
_SETTLEMENT_TYPE = re.compile(
    r"^\s*(?:"
    + "|".join(
        f"{t.words}|{t.abbreviations}" if t.abbreviations else t.words for t in SETTLEMENT_TYPES
    )
    + r"|пос[её]лок|деревня|село|город)(?:(?<=\.)|(?![\w-]))",
    re.IGNORECASE,
)
_QUALIFIERS = re.compile(r"\b(?:в\.\s?о\.?|п\.\s?с\.?|во|пс)(?!\w)", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(\d{1,3})-?[а-я]{1,3}\b")
_FUZZY_SAME = 88  # a typo or a dropped letter still names the same street


_TYPES = [
    (t.name, re.compile(rf"(?<![\w-])(?:{t.words}|{t.abbreviations or t.words})", re.IGNORECASE))
    for t in STREET_TYPES
]


@lru_cache(maxsize=10_000)
def street_type_of(name: str) -> str:
    """«ул. Мира» → «улица»; «» when the name has no type word."""
    return next((kind for kind, pattern in _TYPES if pattern.search(name)), "")


def has_street_type(text: str) -> bool:
    return _STREET_TYPE.search(text) is not None


@lru_cache(maxsize=100_000)
def street_key(name: str) -> str:
    """«Мебельная улица», «ул. Мебельная» → «мебельная»; «5-я линия В.О.» → «5»."""
    key = name.lower().replace("ё", "е")
    key = _STREET_TYPE.sub(" ", _QUALIFIERS.sub(" ", key))
    key = _ORDINAL.sub(r"\1", key)
    return " ".join(re.sub(r"[^\w-]+", " ", key).split())


@lru_cache(maxsize=20_000)
def settlement_key(name: str) -> str:
    """«с. Берёзовка», «село Берёзовка», «Березовка» → «березовка»; quotes are dropped."""
    key = _SETTLEMENT_TYPE.sub(" ", name).lower().replace("ё", "е")
    return " ".join(re.sub(r"[^\w-]+", " ", key).split())


def same_street(a: str, b: str) -> bool:
    """Two spellings of one street: equal keys, a typo, or one name inside the other
    («Жукова» in «Маршала Жукова»)."""
    first, second = street_key(a), street_key(b)
    if not first or not second:
        return False
    if first == second or fuzz.ratio(first, second) >= _FUZZY_SAME:
        return True
    short, long = sorted((first.split(), second.split()), key=len)
    return short[-1] == long[-1] and set(short) <= set(long)


def house_key(house: str) -> str:
    """«5 А», «5а», «5А» → «5а»; «15 / 2» → «15/2»."""
    return re.sub(r"\s+", "", house.lower().replace("ё", "е"))
