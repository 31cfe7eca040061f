"""Personal data in a citizen's text, found and masked (issue «Triage», item 6; DOMAIN.md §7).

`find_pii` returns non-overlapping spans of phones, e-mails, СНИЛС, passports, personal ИНН,
bank cards, full names and the parts of addresses that point to a person (a flat number, or
what follows «проживаю по адресу»). Numbers with a check digit (СНИЛС, ИНН, cards) are taken
only when it is right, or for СНИЛС and passports when the word stands next to them. Full names
are two or three capitalised words that pymorphy3 can read as surname, first name and
patronymic, or a surname with initials. A street named after a person («ул. Гагарина») is a
single surname and stays.

`mask` replaces each span with a typed placeholder («[телефон]») and then checks its own result:
whatever still looks like a phone or an e-mail is masked again, so the masked text never matches
`PHONE` or `EMAIL`. `veche.cases.masking` keeps part of a known value visible for pages
(«Иванов И. И.»); this module removes values it has to find in free text.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise

from veche.cases.search import morph


class PiiKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    SNILS = "snils"
    PASSPORT = "passport"
    INN = "inn"
    CARD = "card"
    NAME = "name"
    ADDRESS = "address"


PLACEHOLDERS = {
    PiiKind.PHONE: "[телефон]",
    PiiKind.EMAIL: "[e-mail]",
    PiiKind.SNILS: "[СНИЛС]",
    PiiKind.PASSPORT: "[паспорт]",
    PiiKind.INN: "[ИНН]",
    PiiKind.CARD: "[карта]",
    PiiKind.NAME: "[ФИО]",
    PiiKind.ADDRESS: "[адрес]",
}


# When spans overlap, the union is kept under the kind that comes first here: numbers with a
# check digit are the surest.
PRIORITY = [
    PiiKind.SNILS,
    PiiKind.INN,
    PiiKind.CARD,
    PiiKind.PASSPORT,
    PiiKind.PHONE,
    PiiKind.EMAIL,
    PiiKind.ADDRESS,
    PiiKind.NAME,
]


@dataclass(frozen=True, slots=True)
class PiiSpan:
    kind: PiiKind
    start: int
    end: int


_SEP = r"[\s\-–—.]*"
PHONE = re.compile(
    rf"(?<![\d\w+])(?:"
    rf"(?:\+\s*7|8|7){_SEP}\(?{_SEP}\d{{3}}{_SEP}\)?{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}"
    rf"|\(\s*\d{{3,5}}\s*\){_SEP}\d{{1,3}}{_SEP}\d{{2}}{_SEP}\d{{2}}"
    rf"|9\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}"
    rf")(?!\d)"
)
# A short city number is a phone only next to the word: «тел. 23-45-67».
LOCAL_PHONE = re.compile(
    r"(?:тел(?:ефон)?\w*|т|моб\w*|сот\w*)\.?\s*:?\s*(\d{1,3}[\s\-]\d{2}[\s\-]\d{2})(?!\d)",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-zа-я]{2,}", re.IGNORECASE)
# «ivanov собака mail.ru», «ivanov (at) mail (dot) ru»
SPOKEN_EMAIL = re.compile(
    r"[\w.+\-]+\s*(?:\(at\)|\[at\]|\s(?:at|собака)\s)\s*[\w\-]+(?:\s*(?:\.|\(dot\)|\sточка\s)\s*"
    r"[\w\-]+)*\s*(?:\.|\(dot\)|\sточка\s)\s*(?:ru|com|net|org|рф|su|info|me|io|biz)\b",
    re.IGNORECASE,
)
SPOKEN_AT = re.compile(r"собака|\Wat\W", re.IGNORECASE)
# A cheap test first: every match of PHONE or LOCAL_PHONE holds five digits apart only by
# the separators these patterns allow.
FIVE_DIGITS = re.compile(r"\d(?:[\s\-–—.()]*\d){4}")
SNILS = re.compile(r"(?<!\d)(\d{3})[\s\-]?(\d{3})[\s\-]?(\d{3})[\s\-]?(\d{2})(?!\d)")
SNILS_WORD = re.compile(r"снилс|страхов\w+\s+номер", re.IGNORECASE)
PASSPORT = re.compile(
    r"(?:паспорт\w*(?:\s+(?:рф|гражданина\s+рф))?[\s:,]*(?:серия\s*)?|серия\s*)"
    r"(?:№\s*)?(\d{2}\s?\d{2})[\s,]*(?:(?:№|номер|n|#)\s*)?(\d{6})(?!\d)",
    re.IGNORECASE,
)
DIGITS_12 = re.compile(r"(?<!\d)\d{12}(?!\d)")
# 13–19 digits written together or in fours («4276 3800 …»), not «782 997 857 2811».
CARD = re.compile(r"(?<![\d\-])(?:\d{13,19}|\d{4}(?:[ \-]\d{4}){2,3}(?:[ \-]\d{1,4})?)(?![\d\-])")
CAPITALISED = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?|[А-ЯЁ]\.")
RESIDENCE = re.compile(
    r"(?:(?:прожива|живу|живущ|прописан|зарегистрирован)\w*\s+по\s+адресу|мой\s+адрес|"
    r"адрес\s+(?:проживания|регистрации|для\s+ответа|для\s+переписки))\s*:?\s*",
    re.IGNORECASE,
)
HOUSE_OR_FLAT = re.compile(
    r"(?:\b(?:кв|квартир\w*|д|дом\w*|корп|корпус|стр|к)\.?\s*№?\s*)?\d+(?:\s?[а-яА-Я]\b)?(?:/\d+)?",
)
FLAT = re.compile(
    r"\b(?:кв\.?|квартир[аеуыо]й?\b)\s*№?\s*\d+[а-яА-Я]?\b"
    r"|\b\d+(?:-?(?:я|й|ю|ой|ей))?\s+квартир(?:[аеуы]|ой)\b",
    re.IGNORECASE,
)
# A sentence ends at a full stop after a number or a long word: «ул.», «д.», «кв.» go on.
ADDRESS_STOP = re.compile(r"[\n!?;]|(?:(?<=\d)|(?<=[а-яё]{5}))\.(?:\s|$)")
FIRST_PERSON_ADDRESS_LIMIT = 120


def find_pii(text: str) -> list[PiiSpan]:
    spans = [
        *_emails(text),
        *_passports(text),
        *_snils(text),
        *_inn(text),
        *_cards(text),
        *_phones(text),
        *_names(text),
        *_addresses(text),
    ]
    return _merged(spans)


def mask(text: str) -> str:
    for _ in range(3):
        spans = find_pii(text)
        if not spans:
            return text
        parts, at = [], 0
        for s in spans:
            parts += [text[at : s.start], PLACEHOLDERS[s.kind]]
            at = s.end
        text = "".join([*parts, text[at:]])
        if not (_phones(text) or ("@" in text and EMAIL.search(text))):
            return text
    return text


def _emails(text: str) -> list[PiiSpan]:
    spans = _matches(PiiKind.EMAIL, EMAIL, text) if "@" in text else []
    if SPOKEN_AT.search(text):
        spans += _matches(PiiKind.EMAIL, SPOKEN_EMAIL, text)
    return spans


def _phones(text: str) -> list[PiiSpan]:
    if not FIVE_DIGITS.search(text):
        return []
    return [
        *_matches(PiiKind.PHONE, PHONE, text),
        *_matches(PiiKind.PHONE, LOCAL_PHONE, text, group=1),
    ]


def _matches(kind: PiiKind, pattern: re.Pattern[str], text: str, group: int = 0) -> list[PiiSpan]:
    return [PiiSpan(kind, m.start(group), m.end(group)) for m in pattern.finditer(text)]


def _digits(s: str) -> list[int]:
    return [int(ch) for ch in s if ch.isdigit()]


def snils_valid(number: str) -> bool:
    d = _digits(number)
    if len(d) != 11:
        return False
    total = sum(x * w for x, w in zip(d[:9], range(9, 0, -1), strict=True))
    check = total % 101 if total > 101 else total
    return (0 if check == 100 else check) == d[9] * 10 + d[10]


def inn_valid(number: str) -> bool:
    """The two check digits of a 12-digit ИНН of a person."""
    d = _digits(number)
    if len(d) != 12:
        return False
    w11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    w12 = (3, *w11)
    c11 = sum(x * w for x, w in zip(d[:10], w11, strict=True)) % 11 % 10
    c12 = sum(x * w for x, w in zip(d[:11], w12, strict=True)) % 11 % 10
    return c11 == d[10] and c12 == d[11]


def luhn_valid(number: str) -> bool:
    d = _digits(number)
    total = 0
    for i, x in enumerate(reversed(d)):
        if i % 2:
            x = x * 2 - 9 if x > 4 else x * 2
        total += x
    return bool(d) and total % 10 == 0


def _passports(text: str) -> list[PiiSpan]:
    return [PiiSpan(PiiKind.PASSPORT, m.start(1), m.end(2)) for m in PASSPORT.finditer(text)]


def _snils(text: str) -> list[PiiSpan]:
    spans = []
    for m in SNILS.finditer(text):
        named = SNILS_WORD.search(text, max(0, m.start() - 25), m.start())
        if named or snils_valid(m.group()):
            spans.append(PiiSpan(PiiKind.SNILS, m.start(), m.end()))
    return spans


def _inn(text: str) -> list[PiiSpan]:
    return [
        PiiSpan(PiiKind.INN, m.start(), m.end())
        for m in DIGITS_12.finditer(text)
        if inn_valid(m.group())
    ]


def _cards(text: str) -> list[PiiSpan]:
    return [
        PiiSpan(PiiKind.CARD, m.start(), m.end())
        for m in CARD.finditer(text)
        if luhn_valid(m.group()) and 13 <= len(_digits(m.group())) <= 19
    ]


@lru_cache(maxsize=100_000)
def _name_parts(word: str) -> frozenset[str]:
    """Which of Surn, Name, Patr pymorphy3 can read the word as."""
    parts: set[str] = set()
    for p in morph().parse(word.lower()):
        parts |= {g for g in ("Surn", "Name", "Patr") if g in p.tag}
    return frozenset(parts)


NAME_SHAPES = (
    ("Surn", "Name", "Patr"),
    ("Name", "Patr", "Surn"),
    ("Surn", "Init", "Init"),
    ("Init", "Init", "Surn"),
    ("Name", "Patr"),
    ("Surn", "Name"),
    ("Name", "Surn"),
    ("Surn", "Init"),
    ("Init", "Surn"),
)


# «ул. Софьи Ковалевской», «пр. Ю. Гагарина», «школа имени …» name a place, not a person.
NAMED_PLACE = re.compile(
    r"(?:\b(?:ул|улиц\w*|пр|просп\w*|пр-т|пер|переул\w*|б-р|бульвар\w*|пл|площад\w*|наб|"
    r"набережн\w*|ш|шоссе|проезд\w*|мост\w*|сквер\w*|парк\w*|им|имени|памятник\w*|"
    r"метро|станци\w*)\.?\s*)$",
    re.IGNORECASE,
)

HOUSE_AFTER = re.compile(r"\s*,?\s*(?:д\.|дом\b|\d)", re.IGNORECASE)


def _names(text: str) -> list[PiiSpan]:
    """Runs of capitalised words and initials separated by spaces only, read against shapes."""
    return [
        s
        for s in _name_runs(text)
        if not NAMED_PLACE.search(text, max(0, s.start - 20), s.start)
        and not HOUSE_AFTER.match(text, s.end)
    ]


def _name_runs(text: str) -> list[PiiSpan]:
    words = list(CAPITALISED.finditer(text))
    spans, i = [], 0
    while i < len(words):
        for shape in NAME_SHAPES:
            run = words[i : i + len(shape)]
            if len(run) == len(shape) and _adjacent(text, run) and _fits(run, shape):
                spans.append(PiiSpan(PiiKind.NAME, run[0].start(), run[-1].end()))
                i += len(shape)
                break
        else:
            i += 1
    return spans


def _adjacent(text: str, run: list[re.Match[str]]) -> bool:
    return all(text[a.end() : b.start()] in ("", " ") for a, b in pairwise(run))


def _fits(run: list[re.Match[str]], shape: tuple[str, ...]) -> bool:
    for m, part in zip(run, shape, strict=True):
        word = m.group()
        if part == "Init":
            if not word.endswith("."):
                return False
        elif word.endswith(".") or part not in _name_parts(word):
            return False
    return True


def _addresses(text: str) -> list[PiiSpan]:
    spans = [PiiSpan(PiiKind.ADDRESS, m.start(), m.end()) for m in FLAT.finditer(text)]
    for m in RESIDENCE.finditer(text):
        tail = text[m.end() : m.end() + FIRST_PERSON_ADDRESS_LIMIT]
        stop = ADDRESS_STOP.search(tail)
        tail = tail[: stop.start()] if stop else tail
        numbers = list(HOUSE_OR_FLAT.finditer(tail))
        if numbers:
            spans.append(PiiSpan(PiiKind.ADDRESS, m.end(), m.end() + numbers[-1].end()))
    return spans


def _merged(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Overlapping spans become one, of the kind that comes first in `PRIORITY`."""
    merged: list[PiiSpan] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and s.start < merged[-1].end:
            last = merged[-1]
            kind = min(last.kind, s.kind, key=PRIORITY.index)
            merged[-1] = PiiSpan(kind, last.start, max(last.end, s.end))
        else:
            merged.append(s)
    return merged
