"""Settlements named with their type: «в д. Минцы», «с. Каменка», «в посёлке Лесном»,
«СНТ «Ромашка»».

A settlement named without a type («в Берёзовке») is found by the gazetteer, which knows the
names (`Gazetteer.find_settlement`).
"""

import re
from collections.abc import Iterator
from functools import lru_cache

from veche.triage.address import morph
from veche.triage.address.lexicon import SETTLEMENT_TYPES
from veche.triage.address.mention import PlaceKind, PlaceMention

_SETTLEMENT = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(
        f"(?P<s{i}>{t.words}|{t.abbreviations})" if t.abbreviations else f"(?P<s{i}>{t.words})"
        for i, t in enumerate(SETTLEMENT_TYPES)
    )
    + r")(?:(?<=\.)|(?![\w-]))"
    r"[ \t\xa0]*(?:(?P<quoted>[«\"“„][^»\"”“\n]{1,40}[»\"”“])"
    r"|(?P<name>(?-i:[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)?)"
    r"(?:[ \t]+(?-i:[А-ЯЁ][а-яё]+))?))",
    re.IGNORECASE,
)
_SINGLE_LETTER = re.compile(r"[дсгпх]\.", re.IGNORECASE)
_BEFORE_ABBREVIATION = re.compile(r"(?:\d|\bт\.|\bи\s?т\.|\bт\.\s?[дпн]\.)\s*$", re.IGNORECASE)
_NOT_NAMES = ("VERB", "INFN", "PREP", "CONJ", "PRCL", "NPRO", "ADVB", "PRED", "Apro")


def find_settlements(text: str) -> Iterator[PlaceMention]:
    for match in _SETTLEMENT.finditer(text):
        index = next(i for i in range(len(SETTLEMENT_TYPES)) if match[f"s{i}"] is not None)
        kind = SETTLEMENT_TYPES[index]
        type_word = match[f"s{index}"]
        if match["quoted"]:
            name = "«" + match["quoted"][1:-1].strip() + "»"
        else:
            if _SINGLE_LETTER.fullmatch(type_word) and not _plausible(text, match):
                continue
            name = _normalise(tuple(match["name"].split()), kind.gender)
        confidence = 0.7 if len(type_word) <= 4 else 0.8
        yield PlaceMention(
            PlaceKind.SETTLEMENT,
            match.start(),
            match.end(),
            confidence,
            settlement=f"{kind.abbreviation} {name}",
        )


def _plausible(text: str, match: re.Match[str]) -> bool:
    """«д.», «с.», «п.», «г.» mark a settlement only before a name, not in «т.д. Прошу»."""
    if _BEFORE_ABBREVIATION.search(text, max(0, match.start() - 8), match.start()):
        return False
    first = match["name"].split()[0]
    return not any(t in morph.parses(first)[0].tag for t in _NOT_NAMES)


@lru_cache(maxsize=20_000)
def _normalise(words: tuple[str, ...], type_gender: str) -> str:
    """«Лесном» → «Лесной», «Малой Берёзовке» → «Малая Берёзовка», «Минцы» stays."""
    nouns = [w for w in words if not morph.is_adjective(w)]
    gender = morph.noun_gender(nouns[0]) if nouns else type_gender
    return " ".join(
        morph.nominative_adjective(w, gender or type_gender)
        if morph.is_adjective(w)
        else morph.nominative_noun(w, name=True)
        for w in words
    )
