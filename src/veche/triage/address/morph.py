"""pymorphy3 behind small caches: the extractor asks about the same few thousand words."""

from functools import lru_cache
from typing import Any

from veche.cases.search import morph

GENDERS = ("masc", "femn", "neut")


@lru_cache(maxsize=100_000)
def parses(word: str) -> tuple[Any, ...]:
    return tuple(morph().parse(word.lower()))


def is_adjective(word: str, gender: str = "") -> bool:
    """The word can be a full adjective (of that gender, or plural, when one is given)."""
    return _adjective_parse(word, gender) is not None


def _adjective_parse(word: str, gender: str) -> Any:
    for parse in parses(word):
        tag = parse.tag
        if "ADJF" not in tag or "Apro" in tag or "Anum" in tag:
            continue
        if not gender or gender in tag or "plur" in tag:
            return parse
    return None


def adjective_cases(word: str) -> frozenset[str]:
    return frozenset(str(p.tag.case) for p in parses(word) if "ADJF" in p.tag)


def noun_cases(word: str) -> frozenset[str]:
    return frozenset(str(p.tag.case) for p in parses(word) if "NOUN" in p.tag)


@lru_cache(maxsize=50_000)
def nominative_adjective(word: str, gender: str = "") -> str:
    """«Мебельной» → «Мебельная» (with gender femn); the word as written when it is not one."""
    parse = _adjective_parse(word, gender)
    if parse is None:
        return word
    plural = "plur" in parse.tag and not (gender and gender in parse.tag)
    grammemes = {"nomn", "plur"} if plural else {"nomn", "sing", gender or parse.tag.gender}
    form = parse.inflect({g for g in grammemes if g})
    return _like(word, form.word) if form is not None else word


@lru_cache(maxsize=50_000)
def noun_gender(word: str) -> str:
    for parse in parses(word):
        if "NOUN" in parse.tag and parse.tag.gender:
            return str(parse.tag.gender)
    return ""


@lru_cache(maxsize=50_000)
def nominative_noun(word: str, *, name: bool = False) -> str:
    """«сада» → «сад», «поликлиники» → «поликлиника»; a place `name` already in the nominative
    stays («Кузьминки»), and its number is kept («в Ключах» → «Ключи»)."""
    nouns = [p for p in parses(word) if "NOUN" in p.tag]
    if not nouns or (name and any("nomn" in p.tag for p in nouns)):
        return word
    parse = next(
        (p for p in nouns if "Geox" in p.tag),
        next((p for p in nouns if "sing" in p.tag), nouns[0]),
    )
    number = "plur" if "plur" in parse.tag else "sing"
    form = parse.inflect({"nomn", number})
    return _like(word, form.word) if form is not None else word


def _like(original: str, word: str) -> str:
    """Keep the writer's capitalisation and «ё»."""
    if "ё" not in original.lower():
        word = word.replace("ё", "е")
    if original.isupper() and len(original) > 1:
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
