"""Landmarks: «у школы № 2», «возле детского сада № 15», «около больницы», «ТЦ «Радуга»»,
«остановка «Площадь Мира»», «в парке Победы»."""

import re
from collections.abc import Iterator
from functools import lru_cache

from veche.triage.address import morph
from veche.triage.address.lexicon import LANDMARK_HEADS
from veche.triage.address.mention import PlaceKind, PlaceMention

_LANDMARK = re.compile(
    r"(?<![\w-])(?P<adjectives>(?:[а-яё]+(?:ого|его|ой|ей|ая|яя|ий|ый|ое|ее|ом|ем|ую|юю|ым|им"
    r"|ому|ему)[ \t\xa0]+){0,2})(?P<head>"
    + "|".join(f"(?P<h{i}>{pattern})" for i, (_, pattern) in enumerate(LANDMARK_HEADS))
    + r")(?![\w-])(?P<qualifier>[ \t\xa0]*(?:№[ \t]*(?P<number>\d{1,4}[а-я]?)"
    r"|(?P<bare>\d{1,3})(?![\d.,:/\w-])"
    r"|(?P<quoted>[«\"“„][^»\"”“\n]{1,40}[»\"”“])"
    r"|(?P<name>(?-i:[А-ЯЁ][а-яё]+(?:[ \t]+[А-ЯЁ][а-яё]+)?))))?",
    re.IGNORECASE,
)
_NUMBERED = frozenset({"школа", "детский сад", "садик", "больница", "поликлиника"})
_NAMED = frozenset(
    {"парк", "сквер", "стадион", "памятник", "мост", "пруд", "церковь", "библиотека",
     "Дом культуры", "станция метро", "торговый центр", "рынок", "кладбище"}
)  # fmt: skip
_NEAR = re.compile(
    r"(?:\bу|\bвозле|\bоколо|\bрядом\s+с|\bнапротив|\bза|\bперед|\bв\s+районе|\bна\s+территории"
    r"|\bвблизи|\bнедалеко\s+от|\bвдоль|\bот|\bдо)\s+$",
    re.IGNORECASE,
)
_IN = re.compile(r"\b(?:в|во|на)\s+$", re.IGNORECASE)


def find_landmarks(text: str) -> Iterator[PlaceMention]:
    for match in _LANDMARK.finditer(text):
        index = next(i for i in range(len(LANDMARK_HEADS)) if match[f"h{i}"] is not None)
        canonical = LANDMARK_HEADS[index][0]
        qualifier, end = _qualifier(match, canonical)
        start = match.start("head")
        adjectives = _adjectives(match["adjectives"], match["head"], canonical)
        if adjectives:
            start = match.start("adjectives") + match["adjectives"].index(adjectives[0])
        head = _head(match["head"], canonical)
        name = " ".join((*_nominative_adjectives(tuple(adjectives), head), head, qualifier))
        yield PlaceMention(
            PlaceKind.LANDMARK,
            start,
            end,
            _confidence(text, start, qualifier),
            landmark=name.strip(),
        )


def _qualifier(match: re.Match[str], canonical: str) -> tuple[str, int]:
    if match["number"]:
        return f"№ {match['number']}", match.end()
    if match["bare"] and canonical in _NUMBERED:
        return f"№ {match['bare']}", match.end()
    if match["quoted"]:
        return "«" + match["quoted"][1:-1].strip() + "»", match.end()
    if match["name"] and canonical in _NAMED:
        return match["name"], match.end()
    return "", match.end("head")


def _adjectives(words: str, head: str, canonical: str) -> list[str]:
    taken: list[str] = []
    for word in reversed(words.split()):
        if not morph.is_adjective(word):
            break
        taken.append(word)
    return list(reversed(taken))


def _head(head: str, canonical: str) -> str:
    if " " in head.strip() or "/" in head:
        return canonical
    if head[:2].isupper():
        return re.sub(r"(?<=[А-ЯЁ])[а-яё]+$", "", head)
    if head[:1].isupper() and canonical in ("Дом культуры",):
        return canonical
    return morph.nominative_noun(head).lower()


@lru_cache(maxsize=20_000)
def _nominative_adjectives(adjectives: tuple[str, ...], head: str) -> tuple[str, ...]:
    gender = morph.noun_gender(head.split()[-1]) if " " not in head else "masc"
    if head in ("детский сад", "торговый центр", "Дом культуры"):
        gender = "masc"
    elif head in ("станция метро", "хоккейная коробка", "лыжная база"):
        gender = "femn"
    return tuple(morph.nominative_adjective(w, gender) for w in adjectives)


def _confidence(text: str, start: int, qualifier: str) -> float:
    if qualifier:
        return 0.75
    if _NEAR.search(text, max(0, start - 20), start):
        return 0.55
    if _IN.search(text, max(0, start - 5), start):
        return 0.45
    return 0.35
