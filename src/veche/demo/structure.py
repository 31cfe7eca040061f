"""Create the demo municipality: territories, blocks, departments, and links to topic groups."""

import random
from dataclasses import dataclass, field

from veche.catalog.models import Topic
from veche.demo import orgchart, places
from veche.org.models import Block, Department, Municipality, Territory


@dataclass(frozen=True)
class Settlement:
    """A settlement as the case generator sees it: where it is, who answers, its streets."""

    territory_id: int
    name: str
    prep: str
    population: int
    lat: float
    lon: float
    unit_department_id: int
    streets: tuple[str, ...]

    @property
    def is_town(self) -> bool:
        return self.name.endswith(places.TOWN)


@dataclass
class Structure:
    municipality: Municipality
    departments: dict[str, Department] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)
    settlements: list[Settlement] = field(default_factory=list)


def build_structure(rng: random.Random) -> Structure:
    municipality = Municipality.objects.create(
        name=places.MUNICIPALITY_NAME,
        short_name=places.MUNICIPALITY_SHORT,
        oktmo=places.OKTMO,
        time_zone=places.TIME_ZONE,
        case_number_prefix=places.CASE_PREFIX,
    )
    structure = Structure(municipality)
    _create_blocks(structure)
    _create_outside_departments(structure)
    _create_territories(structure, rng)
    return structure


def _department(
    structure: Structure, spec: orgchart.DepartmentSpec, block: Block | None, number: int
) -> Department:
    department = Department.objects.create(
        municipality=structure.municipality,
        block=block,
        kind=spec.kind,
        name=spec.name,
        short_name=spec.short_name,
        phone=f"+7 (49444) 2-{10 + number:02d}-{(37 * number) % 90 + 10:02d}",
        email=f"{spec.key}@krasnolesskiy.example",
        address=f"{places.TOWN}, ул. Советская, д. {1 + number % 5}",
    )
    structure.departments[spec.key] = department
    return department


def _create_blocks(structure: Structure) -> None:
    number = 0
    for spec in orgchart.BLOCKS:
        block = Block.objects.create(municipality=structure.municipality, name=spec.name)
        structure.blocks[spec.key] = block
        block.topics.add(*Topic.objects.filter(parent=None, name__in=spec.topic_groups))
        for department in spec.departments:
            number += 1
            _department(structure, department, block, number)


def _create_outside_departments(structure: Structure) -> None:
    for number, spec in enumerate(orgchart.OUTSIDE_BLOCKS, start=30):
        _department(structure, spec, None, number)


def _create_territories(structure: Structure, rng: random.Random) -> None:
    municipality = structure.municipality
    lat0, lon0 = places.CENTRE
    district = Territory.objects.create(
        municipality=municipality,
        kind=Territory.Kind.DISTRICT,
        name=places.MUNICIPALITY_NAME,
        lat=lat0,
        lon=lon0,
    )
    for number, unit in enumerate(places.UNITS, start=60):
        lat, lon = lat0 + unit.offset[0], lon0 + unit.offset[1]
        unit_territory = Territory.objects.create(
            municipality=municipality,
            parent=district,
            kind=Territory.Kind.UNIT,
            name=f"{unit.name} {orgchart.TERRITORIAL_SUFFIX}",
            lat=lat,
            lon=lon,
        )
        spec = orgchart.DepartmentSpec(
            unit.username,
            f"{unit.name} {orgchart.TERRITORIAL_SUFFIX}",
            f"{unit.name} ТО",
            Department.Kind.TERRITORIAL,
        )
        department = _department(structure, spec, structure.blocks["city"], number)
        department.territory = unit_territory
        department.save(update_fields=["territory"])
        for settlement in unit.settlements:
            _create_settlement(structure, unit_territory, (lat, lon), department, settlement, rng)


def _create_settlement(
    structure: Structure,
    unit_territory: Territory,
    centre: tuple[float, float],
    department: Department,
    spec: places.SettlementSpec,
    rng: random.Random,
) -> None:
    lat = round(centre[0] + spec.offset[0], 5)
    lon = round(centre[1] + spec.offset[1], 5)
    territory = Territory.objects.create(
        municipality=structure.municipality,
        parent=unit_territory,
        kind=Territory.Kind.SETTLEMENT,
        name=spec.name,
        lat=lat,
        lon=lon,
    )
    structure.settlements.append(
        Settlement(
            territory_id=territory.pk,
            name=spec.name,
            prep=spec.prep,
            population=spec.population,
            lat=lat,
            lon=lon,
            unit_department_id=department.pk,
            streets=_streets(spec, rng),
        )
    )


def _streets(spec: places.SettlementSpec, rng: random.Random) -> tuple[str, ...]:
    """The town has its own streets; a village gets a few generic ones; a hamlet none."""
    if spec.name.endswith(places.TOWN):
        return places.TOWN_STREETS
    if spec.population < 100:
        return ()
    count = min(len(places.VILLAGE_STREETS), 2 + spec.population // 150)
    return tuple(rng.sample(places.VILLAGE_STREETS, count))
