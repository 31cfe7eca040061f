"""The demo municipality's gazetteer (`veche/triage/data/demo_gazetteer.csv`) from `places`.

Settlements sit where `structure` puts their territories. The streets of the town are its
own; a village of 100 people or more gets every generic village street (the demo picks a random
few of them when it is built, so the gazetteer holds a superset); a hamlet has none. A street's
point is its settlement's centre moved by a fixed offset derived from its name, inside the spread
the demo uses for case points. Landmarks are the objects residents name in `places`.
Regenerate with `python -m veche.demo.gazetteer`.
"""

import zlib
from pathlib import Path

from veche.demo import places
from veche.triage.gazetteer import DEMO_GAZETTEER, GazetteerRecord, RecordKind, write_gazetteer
from veche.triage.places import extract_places

TERRITORIAL_SUFFIX = "территориальный отдел"  # orgchart.TERRITORIAL_SUFFIX, without Django


def demo_records() -> list[GazetteerRecord]:
    records: list[GazetteerRecord] = []
    lat0, lon0 = places.CENTRE
    for unit in places.UNITS:
        territory = f"{unit.name} {TERRITORIAL_SUFFIX}"
        centre = (lat0 + unit.offset[0], lon0 + unit.offset[1])
        for spec in unit.settlements:
            lat = round(centre[0] + spec.offset[0], 5)
            lon = round(centre[1] + spec.offset[1], 5)
            records.append(
                GazetteerRecord(RecordKind.SETTLEMENT, spec.name, "", "", "", lat, lon, territory)
            )
            records += _streets(spec, lat, lon)
            records += _landmarks(spec, lat, lon)
    return records


def _is_town(spec: places.SettlementSpec) -> bool:
    return spec.name.endswith(places.TOWN)


def _streets(spec: places.SettlementSpec, lat: float, lon: float) -> list[GazetteerRecord]:
    if _is_town(spec):
        streets: tuple[str, ...] = places.TOWN_STREETS
    elif spec.population >= 100:
        streets = places.VILLAGE_STREETS
    else:
        streets = ()
    spread = 0.012 if _is_town(spec) else 0.004
    return [
        GazetteerRecord(
            RecordKind.STREET, street, spec.name, "", "", *_near(lat, lon, street, spread)
        )
        for street in streets
    ]


def _landmarks(spec: places.SettlementSpec, lat: float, lon: float) -> list[GazetteerRecord]:
    if _is_town(spec):
        names = [gen for forms in places.TOWN_OBJECTS.values() for gen, _ in forms]
    else:
        names = [gen for gen, _ in places.VILLAGE_OBJECTS.values()]
    spread = 0.012 if _is_town(spec) else 0.004
    return [
        GazetteerRecord(
            RecordKind.LANDMARK,
            _nominative(name),
            spec.name,
            "",
            "",
            *_near(lat, lon, name, spread),
        )
        for name in names
    ]


def _nominative(genitive: str) -> str:
    """«школы № 1» → «школа № 1», «Дома культуры» → «Дом культуры»: as the extractor names it."""
    mentions = extract_places(f"у {genitive}")
    if not mentions or not mentions[0].landmark:
        return genitive
    return mentions[0].landmark + genitive[mentions[0].end - 2 :]


def _near(lat: float, lon: float, name: str, spread: float) -> tuple[float, float]:
    """A fixed point near (lat, lon): the same name always lands on the same spot."""
    seed = zlib.crc32(name.encode())
    dlat = ((seed & 0xFFFF) / 0xFFFF * 2 - 1) * spread
    dlon = (((seed >> 16) & 0xFFFF) / 0xFFFF * 2 - 1) * 1.7 * spread
    return round(lat + dlat, 6), round(lon + dlon, 6)


def main(path: Path = DEMO_GAZETTEER) -> None:
    write_gazetteer(demo_records(), path)


if __name__ == "__main__":
    main()
