"""Where a problem is: the phrase a citizen writes, the address and a point on the map."""

import random
from dataclasses import dataclass

from veche.demo import places
from veche.demo.people import Person
from veche.demo.structure import Settlement


@dataclass(frozen=True)
class Place:
    phrase: str  # «Во дворе дома 12 по ул. Мира»; empty when the text names no place
    address: str  # «г. Краснолесск, ул. Мира, д. 12»
    lat: float
    lon: float
    territory_id: int


def place_for(
    where: str,
    settlement: Settlement,
    person: Person | None,
    rng: random.Random,
    prefixes: tuple[str, ...] = (),
    *,
    spot: tuple[str, int] | None = None,
) -> Place:
    """`where` is a Problem's: yard, house, street, settlement, none or object:<kind>; `spot`
    pins the street and house (a recurring problem at one address)."""
    kind, _, obj = where.partition(":")
    street, house = spot or _home(settlement, person, rng)
    if kind == "object":
        phrase, address = _object(obj, settlement, rng, prefixes or _OBJECT_FORMS)
    elif kind in ("yard", "house", "street"):
        phrase, address = _address_phrase(kind, settlement, street, house, rng)
    elif kind == "settlement":
        phrase, address = _settlement_phrase(settlement, street, rng), settlement.name
    else:
        phrase, address = "", ""
    spread = 0.012 if settlement.is_town else 0.004
    return Place(
        phrase=phrase,
        address=address,
        lat=round(settlement.lat + rng.uniform(-spread, spread), 6),
        lon=round(settlement.lon + rng.uniform(-1.7 * spread, 1.7 * spread), 6),
        territory_id=settlement.territory_id,
    )


def _home(settlement: Settlement, person: Person | None, rng: random.Random) -> tuple[str, int]:
    """Residents mostly write about their own house and yard."""
    if person is not None and person.settlement == settlement and rng.random() < 0.7:
        return person.street, person.house
    street = rng.choice(settlement.streets) if settlement.streets else ""
    return street, rng.randint(1, 60 if settlement.is_town else 40)


_TOWN_FORMS = {
    "yard": (
        "Во дворе дома {h} по {st}", "Во дворе дома № {h} на {st}", "У дома {h} по {st}",
        "По адресу {st}, д. {h},", "Возле подъезда {p} дома {h} по {st}", "{st}, {h}, во дворе",
    ),
    "house": (
        "В доме {h} по {st}", "В доме № {h} на {st}", "В нашем доме ({st}, {h})",
        "По адресу {st}, д. {h},", "В подъезде {p} дома {h} по {st}",
    ),
    "street": (
        "На {st}", "На {st} у дома {h}", "На {st} в районе дома {h}",
        "На участке {st} от дома {h} до перекрёстка", "По {st} возле дома {h}",
    ),
}  # fmt: skip
_VILLAGE_FORMS = {
    "yard": (
        "{prep} на {st} у дома {h}", "{Prep}, {st}, у дома {h}", "{Prep} возле дома {h} на {st}",
    ),
    "house": ("{Prep} в доме {h} на {st}", "{Prep}, {st}, д. {h},"),
    "street": ("{Prep} на {st}", "{Prep} по {st}", "{Prep} на {st} возле дома {h}"),
}  # fmt: skip
_HAMLET_FORMS = {
    "yard": ("{Prep} у дома {h}", "{Prep} возле дома № {h}"),
    "house": ("{Prep} в доме {h}",),
    "street": ("{Prep} на дороге через деревню", "{Prep} на въезде в деревню"),
}  # fmt: skip


def _address_phrase(
    kind: str, settlement: Settlement, street: str, house: int, rng: random.Random
) -> tuple[str, str]:
    if settlement.is_town:
        forms = _TOWN_FORMS[kind]
    elif street:
        forms = _VILLAGE_FORMS[kind]
    else:
        forms = _HAMLET_FORMS[kind]
    prep = settlement.prep
    phrase = rng.choice(forms).format(
        st=street, h=house, p=rng.randint(1, 6), prep=prep, Prep=_cap(prep)
    )
    parts = [settlement.name, street, f"д. {house}"]
    return phrase.rstrip(","), ", ".join(p for p in parts if p)


def _settlement_phrase(settlement: Settlement, street: str, rng: random.Random) -> str:
    if settlement.is_town:
        return rng.choice(("На {st}", "В районе {st}", "У нас в городе", "В Краснолесске")).format(
            st=street
        )
    return rng.choice(("{Prep}", "У нас {prep}", "{Prep}")).format(
        prep=settlement.prep, Prep=_cap(settlement.prep)
    )


_OBJECT_FORMS = ("Возле {obj}", "Около {obj}", "У {obj}", "На территории {obj}")


def object_names(obj: str, settlement: Settlement, rng: random.Random) -> tuple[str, str]:
    """(genitive, prepositional) names of a municipal object in the settlement."""
    if settlement.is_town:
        return rng.choice(places.TOWN_OBJECTS[obj])
    gen, prep = places.VILLAGE_OBJECTS[obj]
    return f"{gen} {settlement.prep}", f"{prep} {settlement.prep}"


def _object(
    obj: str, settlement: Settlement, rng: random.Random, forms: tuple[str, ...]
) -> tuple[str, str]:
    gen, prep = object_names(obj, settlement, rng)
    phrase = rng.choice(forms).format(obj=gen, obj_prep=prep)
    return phrase, f"{settlement.name}, район {gen}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
