"""The municipality's places with coordinates, and matching an extracted address against them.

File format (CSV, UTF-8 or Windows-1251, a header row; or a GeoJSON FeatureCollection of Points
with the same properties; read and checked by `gazetteer_file`; README, «Справочник мест»):

    kind,name,settlement,street,house,lat,lon,territory

- `kind` is `settlement`, `street`, `house` or `landmark`;
- `name`: «с. Берёзовка», «ул. Мира», «школа № 2» (for a house, optional: the full address);
- `settlement`: the settlement of a street, house or landmark, spelt as its settlement row;
- `street`, `house`: for a house row («ул. Мира», «12а»), optional for a landmark;
- `lat`, `lon`: WGS 84 degrees; may be empty for a street (its settlement's point is used);
- `territory`: the Territory the place belongs to (the territorial department's name); empty
  rows take their settlement's.

Each municipality's gazetteer lives in the database (`gazetteer_store`: the import, and
`gazetteer_for`, which builds this class from it); `load_gazetteer` reads a file without one.

`match` looks for a house, else the street, else the settlement, with rapidfuzz for typos, «ё»
and abbreviations, and says `unsure` when it had to guess or fell back to a coarser place.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from rapidfuzz import fuzz

from veche.triage.address import morph
from veche.triage.address.names import house_key, settlement_key, street_key, street_type_of
from veche.triage.gazetteer_file import (
    FIELDS,
    GazetteerFileError,
    GazetteerRecord,
    RecordKind,
    read_records,
    write_gazetteer,
)
from veche.triage.places import AddressGuess, best_address

__all__ = [
    "DEMO_GAZETTEER",
    "FIELDS",
    "Gazetteer",
    "GazetteerFileError",
    "GazetteerRecord",
    "Match",
    "RecordKind",
    "load_gazetteer",
    "write_gazetteer",
]

DEMO_GAZETTEER = Path(__file__).parent / "data" / "demo_gazetteer.csv"
_NAME_CUTOFF = 78.0  # rapidfuzz ratio below which two names are different places
_SURE = 0.85
_NUMBER = re.compile(r"№\s*(\d+)")


@dataclass(frozen=True)
class Match:
    lat: float
    lon: float
    territory: str
    name: str  # the gazetteer's name of what was matched: «г. Краснолесск, ул. Мира, д. 12»
    score: float  # 0..1
    unsure: bool
    level: RecordKind  # house, street, landmark or settlement: how precise the point is
    territory_id: int | None = None  # the org.Territory of `territory`, for a gazetteer read
    # from the database (`gazetteer_store.gazetteer_for`)


class Gazetteer:
    """Places in memory, indexed by comparable keys (`veche.triage.address.names`)."""

    def __init__(self, records: Iterable[GazetteerRecord]) -> None:
        self.records = tuple(records)
        self.settlements = {
            settlement_key(r.name): r for r in self.records if r.kind == RecordKind.SETTLEMENT
        }
        self.streets = [r for r in self.records if r.kind == RecordKind.STREET]
        self.landmarks = [r for r in self.records if r.kind == RecordKind.LANDMARK]
        self.houses = {
            (settlement_key(r.settlement), street_key(r.street), house_key(r.house)): r
            for r in self.records
            if r.kind == RecordKind.HOUSE
        }

    def match(self, guess: AddressGuess) -> Match | None:
        settlement, settlement_score = self._settlement(guess.settlement)
        if guess.street:
            found = self._street_match(guess, settlement)
            if found is not None:
                return found
        if guess.landmark:
            found = self._landmark_match(guess.landmark, settlement)
            if found is not None:
                return found
        if settlement is None:
            return None
        unsure = settlement_score < _SURE or bool(guess.street or guess.landmark or guess.house)
        return self._result(settlement, settlement.name, settlement_score, unsure=unsure)

    def locate(self, text: str) -> Match | None:
        """`best_address` of the text matched here; a settlement named without its type
        («в Берёзовке») is found by its name."""
        guess = best_address(text) or AddressGuess(0, 0, 0.0)
        if not guess.settlement:
            guess = replace(guess, settlement=self.find_settlement(text))
        return self.match(guess)

    def find_settlement(self, text: str) -> str:
        """The first settlement of the gazetteer named in the text in any case form
        («в Верхних Ключах» → «д. Верхние Ключи»); longer names win over their parts."""
        words = [_lemmas(w) for w in _capitalised_words(text)]
        for i in range(len(words)):
            for lemmas, name in self._settlement_lemmas:
                window = words[i : i + len(lemmas)]
                if len(window) == len(lemmas) and all(
                    a & b for a, b in zip(lemmas, window, strict=True)
                ):
                    return name
        return ""

    @cached_property
    def _settlement_lemmas(self) -> list[tuple[tuple[frozenset[str], ...], str]]:
        names = [
            (tuple(_lemmas(w) for w in settlement_key(r.name).split()), r.name)
            for r in self.settlements.values()
        ]
        return sorted(names, key=lambda pair: -len(pair[0]))

    def _settlement(self, name: str) -> tuple[GazetteerRecord | None, float]:
        key = settlement_key(name)
        if not key:
            return None, 0.0
        if key in self.settlements:
            return self.settlements[key], 1.0
        best = max(self.settlements, key=lambda k: fuzz.ratio(key, k), default="")
        score = fuzz.ratio(key, best) if best else 0.0
        if score < _NAME_CUTOFF:
            return None, 0.0
        return self.settlements[best], score / 100

    def _street_match(
        self, guess: AddressGuess, settlement: GazetteerRecord | None
    ) -> Match | None:
        candidates = [
            s
            for s in self.streets
            if settlement is None or settlement_key(s.settlement) == settlement_key(settlement.name)
        ]
        key = street_key(guess.street_name)
        scored = sorted(
            ((self._street_score(key, guess.street_type, s), s) for s in candidates),
            key=lambda pair: -pair[0],
        )
        if not scored or scored[0][0] < _NAME_CUTOFF:
            return None
        score, street = scored[0]
        ambiguous = sum(1 for other, _ in scored if other >= score - 1) > 1
        unsure = ambiguous or score < _SURE * 100
        house = self.houses.get(
            (settlement_key(street.settlement), street_key(street.name), house_key(guess.house))
        )
        if house is not None:
            return self._result(house, _house_name(house), score / 100, unsure=unsure)
        point = street if street.lat is not None else self._settlement_of(street)
        if point is None:
            return None
        name = f"{street.settlement}, {street.name}" if street.settlement else street.name
        return self._result(point, name, score / 100, unsure=unsure or point is not street)

    @staticmethod
    def _street_score(key: str, street_type: str, street: GazetteerRecord) -> float:
        score = fuzz.ratio(key, street_key(street.name))
        if street_type and street_type != street_type_of(street.name):
            score -= 5  # «пер. Лесной» asked, «ул. Лесная» found
        return score

    def _landmark_match(self, name: str, settlement: GazetteerRecord | None) -> Match | None:
        candidates = [
            r
            for r in self.landmarks
            if settlement is None or settlement_key(r.settlement) == settlement_key(settlement.name)
        ]
        scored = sorted(
            ((_landmark_score(name, r.name), r) for r in candidates), key=lambda pair: -pair[0]
        )
        if not scored or scored[0][0] < _NAME_CUTOFF:
            return None
        score, landmark = scored[0]
        ambiguous = sum(1 for other, _ in scored if other >= score - 1) > 1
        label = f"{landmark.settlement}, {landmark.name}" if landmark.settlement else landmark.name
        return self._result(landmark, label, score / 100, unsure=ambiguous or score < _SURE * 100)

    def _settlement_of(self, record: GazetteerRecord) -> GazetteerRecord | None:
        return self.settlements.get(settlement_key(record.settlement))

    def _result(
        self, record: GazetteerRecord, name: str, score: float, *, unsure: bool
    ) -> Match | None:
        point = record if record.lat is not None else self._settlement_of(record)
        if point is None or point.lat is None or point.lon is None:
            return None
        owner = record if record.territory else self._settlement_of(record)
        territory, territory_id = (owner.territory, owner.territory_id) if owner else ("", None)
        return Match(
            point.lat, point.lon, territory, name, round(score, 3), unsure, record.kind,
            territory_id,
        )  # fmt: skip


def _landmark_score(wanted: str, known: str) -> float:
    """«детская школа» is «детская школа искусств»; «школа № 2» is never «школа № 1»."""
    a, b = (" ".join(n.lower().replace("ё", "е").split()) for n in (wanted, known))
    numbers_a, numbers_b = _NUMBER.findall(a), _NUMBER.findall(b)
    if numbers_a and numbers_a != numbers_b:
        return 0.0
    score = max(fuzz.token_sort_ratio(a, b), fuzz.token_set_ratio(a, b) - 10)
    return score - 15 if numbers_b and not numbers_a else score


def _house_name(house: GazetteerRecord) -> str:
    return house.name or f"{house.settlement}, {house.street}, д. {house.house}"


def _capitalised_words(text: str) -> list[str]:
    return [w.strip("«»\"'.,;:!?()") for w in text.split() if w[:1].isupper()]


def _lemmas(word: str) -> frozenset[str]:
    forms = {str(p.normal_form).replace("ё", "е") for p in morph.parses(word)}
    return frozenset(forms or {word.lower()})


def load_gazetteer(path: Path | str) -> Gazetteer:
    """A CSV (`FIELDS` columns) or a GeoJSON FeatureCollection, without the database (`veche
    triage --gazetteer`); a bad row stops it with `GazetteerFileError` naming the row."""
    with Path(path).open("rb") as stream:
        return Gazetteer(read_records(stream))
