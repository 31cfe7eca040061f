"""How well `best_address` finds the street and house the portal attached to a message.

Over the «Наш Санкт-Петербург» messages (../shared/data/spb-gorod, see its README) the gold is
the portal's normalised `address` («г.Санкт-Петербург, Мебельная улица, дом 47, корпус 1,
литера А»). Most citizens do not repeat the address in the text (the portal asks for it in a
separate field), so coverage is low by nature; the match rates say how often what is extracted is
right. Run: `python -m veche.triage.address_eval [messages.jsonl.gz]`.
"""

import gzip
import json
import re
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veche.triage.address.names import has_street_type, same_street
from veche.triage.places import PlaceKind, best_of, extract_places

DEFAULT_MESSAGES = Path("/work/shared/data/spb-gorod/messages.jsonl.gz")

_HOUSE_PARTS = {"дом": "house", "корпус": "building", "литера": "letter", "строение": "structure"}


@dataclass(frozen=True)
class GoldAddress:
    street: str  # «Мебельная улица»
    house: str
    building: str


@dataclass
class AddressMatchRates:
    messages: int = 0  # messages whose gold address has a street
    with_street: int = 0  # best_address found a street
    street_right: int = 0
    with_house: int = 0  # best_address found a street and a house
    house_right: int = 0  # street and house both right
    any_street_right: int = 0  # the gold street is among all the streets extracted
    seconds: float = 0.0

    @property
    def coverage(self) -> float:
        return _rate(self.with_street, self.messages)

    @property
    def street_match_rate(self) -> float:
        return _rate(self.street_right, self.with_street)

    @property
    def street_house_match_rate(self) -> float:
        return _rate(self.house_right, self.with_house)

    @property
    def street_recall(self) -> float:
        return _rate(self.street_right, self.messages)

    def report(self) -> str:
        speed = self.messages / self.seconds if self.seconds else 0.0
        return (
            f"messages with a gold street: {self.messages}\n"
            f"coverage (a street extracted): {self.coverage:.3f} ({self.with_street})\n"
            f"street match rate: {self.street_match_rate:.3f} ({self.street_right})\n"
            f"street+house match rate: {self.street_house_match_rate:.3f} "
            f"({self.house_right} of {self.with_house} with a house)\n"
            f"street recall: {self.street_recall:.3f}; gold street among all mentions: "
            f"{_rate(self.any_street_right, self.messages):.3f}\n"
            f"speed: {speed:.0f} texts/s\n"
        )


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def parse_gold(address: str) -> GoldAddress | None:
    """«г.Санкт-Петербург, Мебельная улица, дом 47, корпус 1» → street, house, building."""
    fields = {"street": "", "house": "", "building": ""}
    for part in (p.strip() for p in address.split(",")[1:]):
        head, _, value = part.partition(" ")
        if head in _HOUSE_PARTS:
            fields[_HOUSE_PARTS[head]] = value.strip()
        elif has_street_type(part):
            fields["street"] = part
    fields.pop("letter", None)
    fields.pop("structure", None)
    if not fields["street"]:
        return None
    return GoldAddress(fields["street"], fields["house"], fields["building"])


def same_house(house: str, building: str, gold: GoldAddress) -> bool:
    """«15/2» is also how people write «дом 15, корпус 2»; the letter is not compared."""
    number, _, fraction = house.partition("/")
    gold_number, _, gold_fraction = gold.house.partition("/")
    if _digits(number) != _digits(gold_number):
        return False
    if fraction and not gold_fraction:
        return _digits(fraction) == gold.building
    if building and gold.building:
        return building == gold.building
    return not fraction or _digits(fraction) == _digits(gold_fraction)


def _digits(value: str) -> str:
    found = re.match(r"\d+", value.strip())
    return found[0] if found else ""


def address_match_rates(messages: Iterable[Mapping[str, Any]]) -> AddressMatchRates:
    """Compare `best_address(text)` with the gold `address` of each message that has a street."""
    rates = AddressMatchRates()
    started = time.perf_counter()
    for message in messages:
        gold = parse_gold(message.get("address") or "")
        if gold is None:
            continue
        rates.messages += 1
        text = message.get("text") or ""
        mentions = extract_places(text)
        guess = best_of(mentions)
        if any(
            same_street(m.street_name, gold.street)
            for m in mentions
            if m.kind == PlaceKind.STREET_ADDRESS and m.street
        ):
            rates.any_street_right += 1
        if guess is None or not guess.street:
            continue
        rates.with_street += 1
        street_right = same_street(guess.street_name, gold.street)
        rates.street_right += street_right
        if guess.house and gold.house:
            rates.with_house += 1
            rates.house_right += street_right and same_house(guess.house, guess.building, gold)
    rates.seconds = time.perf_counter() - started
    return rates


address_match_rate = address_match_rates  # the name in the issue


def read_messages(path: Path) -> Iterable[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_MESSAGES
    if not path.exists():
        sys.stderr.write(f"no messages at {path}\n")
        return 2
    sys.stdout.write(address_match_rates(read_messages(path)).report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
