"""House numbers: «д. 5», «дом 5а», «5/2», «д.47 к.1», «корпус 2», «стр. 3», «литера А»."""

import re
from dataclasses import dataclass

# A number that is a floor, an entrance, a flat, a date or an amount is not a house.
_NOT_A_HOUSE = (
    r"(?!\s*(?:-?(?:й|я|ий|ый|ой|ая|ом|ем|ей|го|му|х)\b|этаж|эт\.|подъезд|подьезд|парадн|кв\b"
    r"|кв\.|квартир|лет\b|года?\b|г\.|раз\b|шт|км\b|метр|м\b|см\b|мин|час|руб|р\.|%|[.,:]\d"
    r"|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря))"
)
_LETTER = (
    r"(?:(?P<letter>[а-яё])(?![а-яё\d]|\.\s?\d)"
    r"|\s(?P<spaced>[а-яё])(?=\s*(?:[,;:)!?]|\.(?!\s?\d)|$|к\.?\s*\d|корп)))"
)
NUMBER = (
    rf"(?P<number>\d{{1,4}}(?!\d)){_NOT_A_HOUSE}{_LETTER}?"
    r"(?:\s*/\s*(?P<fraction>\d{1,4}[а-яё]?(?![а-яё\d])))?"
    r"(?:\s*-\s*(?P<range>\d{1,4})(?![\d-]))?"
    r"(?:\s*,?\s*(?:к|кор|корп|корпус)\.?\s*(?P<building>\d{1,3})(?!\d))?"
    r"(?:\s*,?\s*(?:стр|строение)\.?\s*(?P<structure>\d{1,3})(?!\d))?"
    r"(?:\s*,?\s*(?:лит|литер|литера)\.?\s*(?P<litera>[а-яё])(?![а-яё]))?"
)
# After a street: «, д. 5», « дом № 5», « 5а».
HOUSE_AFTER_STREET = re.compile(
    rf"[ \t]*[,-]?[ \t]*(?:(?:д|дом|дома)\.?[ \t]*№?[ \t]*|№[ \t]*"
    r"|(?:у|возле|около|напротив|в[ \t]+районе)[ \t]+(?:д\.|дома)[ \t]*№?[ \t]*)?"
    rf"{NUMBER}",
    re.IGNORECASE,
)
# Before a street: «во дворе дома 5 по », «в доме № 55 на », «9 по ».
HOUSE_BEFORE_STREET = re.compile(
    rf"(?:(?P<marker>\b(?:д\.|дом[а-я]{{0,2}}))\s*№?\s*)?(?<![\d/-]){NUMBER}"
    r"\s*,?\s*(?:по|на)\s+$",
    re.IGNORECASE,
)
# A house alone, in a settlement without streets: «д. Минцы, д. 5», «в доме 12».
HOUSE_ALONE = re.compile(rf"\b(?:д\.|дом[а-я]{{0,2}})\s*№?\s*{NUMBER}", re.IGNORECASE)


@dataclass(frozen=True)
class House:
    number: str  # «5а», «15/2», «15-17»
    building: str
    structure: str
    letter: str


def house_from(match: re.Match[str]) -> House:
    number = match["number"]
    letter = match["letter"] or match["spaced"]
    if letter:
        number += letter.lower()
    if match["fraction"]:
        number += "/" + match["fraction"].lower()
    if match["range"]:
        number += "-" + match["range"]
    litera = (match["litera"] or "").upper()
    return House(number, match["building"] or "", match["structure"] or "", litera)
