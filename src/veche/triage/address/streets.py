"""Streets: a type word or abbreviation with a name before or after it, and the house number.

«ул. Ленина, д. 5», «Ленина улица», «на Мебельной улице», «по ул. Мебельной», «во дворе дома 5
по ул. Ленина», «5-я Красноармейская ул.», «Средний пр. В.О., д. 61 лит. А», and a bare name with
a number («Ленина 5», «Лиговский 212 в») with a lower confidence.
"""

import re
from collections.abc import Iterator
from functools import lru_cache

from veche.triage.address import morph
from veche.triage.address.house import (
    HOUSE_AFTER_STREET,
    HOUSE_ALONE,
    HOUSE_BEFORE_STREET,
    NUMBER,
    House,
    house_from,
)
from veche.triage.address.lexicon import QUALIFIER, STOP_WORDS, STREET_TYPES, StreetType
from veche.triage.address.mention import PlaceKind, PlaceMention

_TYPE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(
        f"(?P<t{i}>{t.words}|{t.abbreviations})" if t.abbreviations else f"(?P<t{i}>{t.words})"
        for i, t in enumerate(STREET_TYPES)
    )
    + r")(?:(?<=\.)|(?![\w-]))",
    re.IGNORECASE,
)
_ABBREVIATION = [
    re.compile(t.abbreviations, re.IGNORECASE) if t.abbreviations else None for t in STREET_TYPES
]
_ORDINAL = re.compile(r"(\d{1,3})-?(?:я|й|ая|ий|ый|ой|ое|е|ья|ей|го|ого|му|ому|м|ом)", re.I)
_NUMBER_ONLY = re.compile(r"\d{1,2}")
_POSSESSIVE = re.compile(r"([А-ЯЁ][а-яё]+(?:ин|ын|ов|ев))(?:а|у|ым|ом|е)?")
_ETC = re.compile(r"(?:\bи|\bи\s+т\.\s*|\bт\.)\s*$", re.IGNORECASE)
_GENITIVE_ONLY = frozenset({"gent", "accs"})
_WORD_AFTER = re.compile(
    r"[ \t\xa0]*(\d{1,3}-?[а-яё]{1,3}(?![\w-])|[А-ЯЁ]\.(?=[ \t]?[А-ЯЁ])"
    r"|[А-ЯЁа-яё][А-ЯЁа-яё]*(?:-[А-ЯЁа-яё][А-ЯЁа-яё]*)*)(?![А-ЯЁа-яё-])"
)
_NUMBER_NAME = re.compile(r"[ \t\xa0]*(\d{1,2}[ \t]+(?:лет[ \t]+)?[А-ЯЁ][а-яё]+)")
_WORDS_BEFORE = re.compile(
    r"((?:(?:\d{1,3}(?:-?[а-яё]{1,3})?|[А-ЯЁа-яё][А-ЯЁа-яё]+(?:-[А-ЯЁа-яё][А-ЯЁа-яё]+)?)"
    r"[ \t\xa0]+){1,3})$"
)
_BARE = re.compile(
    r"(?<![\w.«\"“„-])(?P<name>[А-ЯЁ]?[а-яё]{3,})"
    rf"[ \t]*,?[ \t]*(?:(?:д|дом)\.?[ \t]*)?(?<![\d\w]){NUMBER}(?![\w/.:,-]\d)",
    re.IGNORECASE,
)
LONE_HOUSE = 0.3  # «у дома 5» names a place only in a settlement without streets
_PREVIOUS_WORD = re.compile(r"(?<![\w.-])([А-ЯЁ][а-яё]{2,})[ \t]+$")
_NOT_NAME_TAGS = ("VERB", "INFN", "PREP", "CONJ", "PRCL", "NPRO", "ADVB", "NUMR", "PRTS", "PRED")
_SIDE_CUE = re.compile(
    r"(?:\bсо\s+стороны|\bс\s+угла|\bугол|\bуглу|\bвход\s+с|\bвыход\s+на|\bс|\bна\s+углу)\s+$",
    re.IGNORECASE,
)
_ADDRESS_CUE = re.compile(r"адрес\w*\s*:?\s*$", re.IGNORECASE)
_ORDINAL_ENDING = {"femn": "я", "masc": "й", "neut": "е"}
_STREET_ADJECTIVE = re.compile(r"(?:ск|цк|н|в|ов|ев|ин)(?:ий|ая|ой|ый|ое|ая)$", re.I)
_NOT_STREETS_TEXT = """
    парадная подъезд этаж квартира дом корпус лестница литера офис магазин школа фото
    фотография приложение обращение заявка номер тел телефон год от до итого всего около
    пункт пункта строение сентябрь октябрь ноябрь декабрь январь февраль март апрель май
    июнь июль август площадка вход лифт подвал секция машина автобус маршрут время окно
    большая малая новая старая главная каждая целая первая вторая третья
"""
_NOT_STREETS = frozenset(_NOT_STREETS_TEXT.split())


def find_streets(text: str) -> Iterator[PlaceMention]:
    for match in _TYPE.finditer(text):
        mention = _street_at(text, match)
        if mention is not None:
            yield mention
    for match in _BARE.finditer(text):
        mention = _bare_street(text, match)
        if mention is not None:
            yield mention
    for match in HOUSE_ALONE.finditer(text):
        yield _mention(match.start(), match.end(), LONE_HOUSE, "", "", house_from(match))


def _street_at(text: str, match: re.Match[str]) -> PlaceMention | None:
    index = int((match.lastgroup or "t0")[1:])
    kind = STREET_TYPES[index]
    pattern = _ABBREVIATION[index]
    abbreviated = pattern is not None and pattern.fullmatch(match[0]) is not None
    if abbreviated and _ETC.search(text, max(0, match.start() - 8), match.start()):
        return None  # «и пр.», «т.д.»
    before = _name_before(text, match.start(), kind, match[0], abbreviated)
    after, after_end = "", match.end()
    if not QUALIFIER.match(text, match.end()):
        after, after_end = _name_after(text, match.end(), kind, abbreviated)
    if after and (abbreviated or not before):
        name, start, end = after, match.start(), after_end
    elif before:
        name, start, end = before[0], before[1], match.end()
    else:
        return None
    qualifier = QUALIFIER.match(text, end)
    if qualifier:
        end = qualifier.end()
    confidence = 0.7 if name[:1].isupper() or name[:1].isdigit() else 0.6
    house_match = HOUSE_AFTER_STREET.match(text, end)
    if house_match:
        end = house_match.end()
    else:
        house_match = HOUSE_BEFORE_STREET.search(text, max(0, start - 40), start)
        if house_match:
            start = house_match.start()
    house = house_from(house_match) if house_match else House("", "", "", "")
    if house.number:
        confidence += 0.2
    if _ADDRESS_CUE.search(text, max(0, start - 25), start):
        confidence += 0.05
    if not house.number and _SIDE_CUE.search(text, max(0, start - 25), start):
        confidence -= 0.2  # «со стороны Кемского переулка»: a neighbour of the place
    return _mention(start, end, min(confidence, 0.95), name, kind.name, house)


def _mention(
    start: int, end: int, confidence: float, street: str, street_type: str, house: House
) -> PlaceMention:
    return PlaceMention(
        PlaceKind.STREET_ADDRESS,
        start,
        end,
        round(confidence, 2),
        street=street,
        street_type=street_type,
        house=house.number,
        building=house.building,
        structure=house.structure,
        letter=house.letter,
    )


def _name_after(text: str, pos: int, kind: StreetType, abbreviated: bool) -> tuple[str, int]:
    """The name after the type: «ул. Ленина», «улица Корнея Чуковского», «ул. 50 лет Октября»."""
    numbered = _NUMBER_NAME.match(text, pos)
    if numbered:
        number, _, rest = numbered[1].partition(" ")
        if morph.is_adjective(rest, kind.gender):  # «улицы 10 Советской»
            return _normalise_before((number, rest), kind.gender), numbered.end()
        return " ".join(numbered[1].split()), numbered.end()
    words: list[str] = []
    end = pos
    lowercase = False
    while len(words) < 3:
        word = _WORD_AFTER.match(text, end)
        if word is None:
            break
        token = word[1]
        if token.lower() in STOP_WORDS or _TYPE.fullmatch(token) or not _name_word(token):
            break
        if token[:1].isdigit() and (words or not _ORDINAL.fullmatch(token)):
            break  # «пер. Банный 3а»: the number is the house
        if not (token[:1].isupper() or token[:1].isdigit()):
            if not _lowercase_name(token, words, kind):
                break
            lowercase = True
        words.append(token)
        end = word.end()
    if not words or (lowercase and not abbreviated and not HOUSE_AFTER_STREET.match(text, end)):
        return "", pos  # «на улице темно»; but «по улице парковой 14» names a street
    return _normalise_after(tuple(words), kind.gender), end


@lru_cache(maxsize=50_000)
def _name_word(word: str) -> bool:
    if word[:1].isdigit() or len(word) < 3:
        return True
    return not any(t in morph.parses(word)[0].tag for t in _NOT_NAME_TAGS)


def _lowercase_name(token: str, words: list[str], kind: StreetType) -> bool:
    """A lowercase word can be a name («пр. большевиков»), or the noun of a name after its
    adjective («Народного ополчения»)."""
    if len(token) < 3:
        return False
    if words:
        previous = words[-1]
        return (
            len(words) == 1
            and morph.is_adjective(previous)
            and "gent" in morph.noun_cases(token)
            and "gent" in morph.adjective_cases(previous)
        )
    return _name_like(token, kind.gender)


@lru_cache(maxsize=50_000)
def _name_like(word: str, gender: str) -> bool:
    if morph.is_adjective(word, gender):
        return True
    parses = morph.parses(word)
    return any(
        "NOUN" in p.tag and ("gent" in p.tag or "Surn" in p.tag or "Geox" in p.tag)
        for p in parses[:3]
    )


@lru_cache(maxsize=50_000)
def _normalise_after(words: tuple[str, ...], gender: str) -> str:
    """«по ул. Мебельной» → «Мебельная» (it agrees with the type); «ул. Чайковского» and
    «пер. Каховского» stay (a genitive name), and so does «пр. Маршала Жукова»."""
    if all(_ORDINAL.fullmatch(w) or _agrees(w, gender) for w in words) and any(
        not _ORDINAL.fullmatch(w) for w in words
    ):
        return " ".join(_nominative(w, gender) for w in words)
    if any(w[:1].isupper() for w in words):
        return " ".join(w.capitalize() if w.isupper() and len(w) > 1 else w for w in words)
    return " ".join(_capital(w) for w in words)


def _agrees(word: str, gender: str) -> bool:
    cases = {
        str(p.tag.case)
        for p in morph.parses(word)
        if "ADJF" in p.tag and "Apro" not in p.tag and (gender in p.tag or "plur" in p.tag)
    }
    return bool(cases - _GENITIVE_ONLY) or (bool(cases) and gender == "femn")


def _name_before(
    text: str, pos: int, kind: StreetType, type_word: str, abbreviated: bool
) -> tuple[str, int] | None:
    """Adjectives agreeing with the type before it: «на Мебельной улице», «5-я Советская ул.»,
    «6 Советской ул.», and possessives before a masculine type: «Апраксин переулок»."""
    found = _WORDS_BEFORE.search(text, max(0, pos - 60), pos)
    if found is None:
        return None
    cases = frozenset() if abbreviated else morph.noun_cases(type_word)
    lowercase = abbreviated or HOUSE_AFTER_STREET.match(text, pos + len(type_word)) is not None
    words = found[1].split()
    taken: list[str] = []
    for word in reversed(words):
        if _ORDINAL.fullmatch(word) or (taken and _NUMBER_ONLY.fullmatch(word)):
            taken.append(word)
            break
        if not _adjective_before(word, kind, cases, lowercase, first=not taken):
            break
        taken.append(word)
    if not taken:
        return None
    taken.reverse()
    start = found.start(1) + _offset(found[1], words, len(words) - len(taken))
    return _normalise_before(tuple(taken), kind.gender), start


def _adjective_before(
    word: str, kind: StreetType, cases: frozenset[str], lowercase: bool, *, first: bool
) -> bool:
    if word.lower() in STOP_WORDS or not (word[:1].isupper() or lowercase):
        return False
    if first and kind.gender == "masc" and _POSSESSIVE.fullmatch(word):
        return not morph.is_adjective(word) or morph.is_adjective(word, kind.gender)
    if not morph.is_adjective(word, kind.gender):
        return False
    return not cases or bool(cases & morph.adjective_cases(word))


def _offset(span: str, words: list[str], skip: int) -> int:
    offset = 0
    for word in words[:skip]:
        offset = span.index(word, offset) + len(word)
    return span.index(words[skip], offset)


@lru_cache(maxsize=50_000)
def _normalise_before(words: tuple[str, ...], gender: str) -> str:
    return " ".join(_nominative(w, gender) for w in words)


def _nominative(word: str, gender: str) -> str:
    ordinal = _ORDINAL.fullmatch(word) or _NUMBER_ONLY.fullmatch(word)
    if ordinal:
        digits = word[: len(word) - len(word.lstrip("0123456789"))]
        return f"{digits}-{_ORDINAL_ENDING[gender]}"
    if not morph.is_adjective(word):
        possessive = _POSSESSIVE.fullmatch(word)
        return possessive[1] if possessive else _capital(word)
    return _capital(morph.nominative_adjective(word, gender))


def _capital(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return word.capitalize()
    return word[:1].upper() + word[1:]


def _bare_street(text: str, match: re.Match[str]) -> PlaceMention | None:
    """«Ленина 5», «Маршала Блюхера 52», «Лиговский 212 в», and lowercase «седова д.49» after
    «по адресу» or at the start of the text: a name that looks like a street's, then a number."""
    name = match["name"]
    start = match.start()
    if name[:1].islower() and not (
        _ADDRESS_CUE.search(text, max(0, start - 25), start) or not text[:start].strip()
    ):
        return None
    if not _looks_like_street(name.lower()):
        return None
    if "ADJF" in morph.parses(name)[0].tag:
        name = morph.nominative_adjective(name)  # «по Посадской 40» → «Посадская»
    previous = _PREVIOUS_WORD.search(text, max(0, start - 30), start)
    if previous and _title_word(previous[1]):
        name, start = f"{previous[1]} {name}", previous.start(1)
    house = house_from(match)
    return _mention(start, match.end(), 0.45, _capital(name), "", house)


@lru_cache(maxsize=50_000)
def _title_word(word: str) -> bool:
    """«Маршала», «Демьяна», «Морской» before a street's name in the genitive."""
    if word.lower() in STOP_WORDS or word.lower() in _NOT_STREETS:
        return False
    return any(
        "gent" in p.tag and ("NOUN" in p.tag or "ADJF" in p.tag) for p in morph.parses(word)[:2]
    )


@lru_cache(maxsize=50_000)
def _looks_like_street(word: str) -> bool:
    if word in _NOT_STREETS or word in STOP_WORDS:
        return False
    parses = morph.parses(word)
    if not parses:
        return False
    best = parses[0].tag
    if any(t in best for t in _NOT_NAME_TAGS):
        return False
    if any(g in p.tag for p in parses[:3] for g in ("Surn", "Name", "Geox", "Patr")):
        return True
    if "NOUN" in best and "gent" in best and "plur" in best:
        return True  # «Героев 24», «Большевиков 21»
    return bool(_STREET_ADJECTIVE.search(word)) and "ADJF" in best
