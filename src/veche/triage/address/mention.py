"""What the extractor returns: one `PlaceMention` per place named in the text."""

from dataclasses import dataclass
from enum import StrEnum


class PlaceKind(StrEnum):
    STREET_ADDRESS = "street_address"
    SETTLEMENT = "settlement"
    LANDMARK = "landmark"


@dataclass(frozen=True)
class PlaceMention:
    """A place named in the text, normalised; `start:end` is its span in the text.

    `street` is the name without its type in the nominative («Мебельная», «Ленина»),
    `street_type` the full type word («улица»); `house` keeps its letter and fraction («5а»,
    «15/2»); `settlement` is «д. Минцы» (type abbreviation and name); `landmark` is
    «школа № 2». Empty strings stand for "not said".
    """

    kind: PlaceKind
    start: int
    end: int
    confidence: float
    street: str = ""
    street_type: str = ""
    house: str = ""
    building: str = ""  # корпус
    structure: str = ""  # строение
    letter: str = ""  # литера
    settlement: str = ""
    landmark: str = ""

    @property
    def street_name(self) -> str:
        """«Мебельная улица», «улица Ленина», «5-я линия»: as a postal address writes it."""
        return street_name(self.street, self.street_type)


@dataclass(frozen=True)
class AddressGuess:
    """The most likely place of the problem, put together from the mentions in one text."""

    start: int
    end: int
    confidence: float
    street: str = ""
    street_type: str = ""
    house: str = ""
    building: str = ""
    structure: str = ""
    letter: str = ""
    settlement: str = ""
    landmark: str = ""

    @property
    def street_name(self) -> str:
        return street_name(self.street, self.street_type)


_ADJECTIVE_ENDINGS = ("ая", "яя", "ий", "ый", "ой", "ое", "ее", "ие", "ые")


def street_name(street: str, street_type: str) -> str:
    if not street_type:
        return street
    if not street:
        return ""
    last = street.rsplit(" ", 1)[-1].lower()
    if last.endswith(_ADJECTIVE_ENDINGS) or last[:1].isdigit():
        return f"{street} {street_type}"
    return f"{street_type} {street}"
