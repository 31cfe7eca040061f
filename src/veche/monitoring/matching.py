"""Does a post concern the municipality, and what about: the places of its gazetteer named in
the text (streets, settlements, landmarks, in any Russian word form — triage's extractor and
gazetteer do the work) and the watched words found as lemmas. Also the text's fingerprint
that tells a repost from new talk.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from veche.triage.gazetteer import Gazetteer, RecordKind
from veche.triage.lemmas import lemmatize
from veche.triage.places import AddressGuess, PlaceKind, extract_places

SURE = 0.8  # a gazetteer match below this score is a guess, not a mention of the place
_URL = re.compile(r"https?://\S+|www\.\S+")
_WORDS = re.compile(r"[a-zа-яё0-9]+")


@dataclass(frozen=True)
class Matched:
    places: list[str]
    keywords: list[str]

    def __bool__(self) -> bool:
        return bool(self.places or self.keywords)


def match_post(text: str, gazetteer: Gazetteer | None, words: Iterable[tuple[str, str]]) -> Matched:
    """The gazetteer's places and the watched words (`(phrase, lemmas)`) the text names."""
    places = _places(text, gazetteer) if gazetteer is not None else []
    lemmas = f" {lemmatize(text)} "
    keywords = [phrase for phrase, wanted in words if wanted and f" {wanted} " in lemmas]
    return Matched(places=places, keywords=sorted(set(keywords)))


def phrase_lemmas(phrase: str) -> str:
    """A watched phrase as the lemmas a text is compared by («нет воды» → «нет вода»)."""
    return lemmatize(phrase)


def _places(text: str, gazetteer: Gazetteer) -> list[str]:
    found: list[str] = []
    for mention in extract_places(text):
        guess = AddressGuess(
            mention.start,
            mention.end,
            mention.confidence,
            street=mention.street,
            street_type=mention.street_type,
            settlement=mention.settlement,
            landmark=mention.landmark,
        )
        match = gazetteer.match(guess)
        if match is None or match.score < SURE:
            continue
        if mention.kind != PlaceKind.SETTLEMENT and match.level == RecordKind.SETTLEMENT:
            continue  # the street is not the municipality's; its settlement alone says little
        found.append(_short(match.name, match.level))
    settlement = gazetteer.find_settlement(text)
    if settlement:
        found.append(settlement)
    return list(dict.fromkeys(found))


def _short(name: str, level: RecordKind) -> str:
    """A house is talked about as its street: «г. Краснолесск, ул. Мира, д. 12» → «…, ул. Мира»."""
    if level == RecordKind.HOUSE and ", д. " in name:
        return name.rsplit(", д. ", 1)[0]
    return name


def content_hash(text: str) -> str:
    """The same words in the same order, whatever the links, case and punctuation: a repost."""
    words = _WORDS.findall(_URL.sub(" ", text.lower().replace("ё", "е")))
    return hashlib.sha256(" ".join(words).encode()).hexdigest()
