"""The organisation the benchmark works in: one municipality, its blocks, departments,
districts, staff with memberships, and the topics of the corpus families."""

from dataclasses import dataclass

from veche.catalog.models import Channel, Topic
from veche.org.models import Block, Department, Membership, Municipality, Role, Territory, User

from .corpus import STREETS
from .families import FAMILIES

OKTMO = "99000000001"
OPERATOR = "bench_operator"
EXECUTOR_DEPARTMENT = "housing"

BLOCKS = {
    "city": "Городское хозяйство",
    "transport": "Транспорт и дороги",
    "social": "Социальная политика",
    "territory": "Развитие территории",
}
# key: (name, block key or "", is territorial)
DEPARTMENTS: dict[str, tuple[str, str, bool]] = {
    "housing": ("Комитет ЖКХ", "city", False),
    "landscaping": ("Управление благоустройства", "city", False),
    "waste": ("Отдел по обращению с отходами", "city", False),
    "roads": ("Комитет по дорогам", "transport", False),
    "transport": ("Комитет по транспорту", "transport", False),
    "education": ("Управление образования", "social", False),
    "social": ("Управление социальной защиты", "social", False),
    "ecology": ("Комитет по экологии", "territory", False),
    "architecture": ("Управление архитектуры и градостроительства", "territory", False),
    "safety": ("Отдел ГО и ЧС", "", False),
    "north": ("Территориальный отдел «Северный»", "", True),
    "south": ("Территориальный отдел «Южный»", "", True),
}
DISTRICTS = ("Ленинский", "Дзержинский", "Индустриальный", "Свердловский", "Мотовилихинский",
             "Кировский")  # fmt: skip


@dataclass(frozen=True)
class World:
    municipality: Municipality
    operator: User
    executor: User
    departments: dict[str, int]  # department key → id
    executors: dict[int, int]  # department id → its executor's user id
    territorial: tuple[int, ...]  # ids of the territorial departments
    district_of_street: tuple[int, ...]  # territory id per corpus street (corpus.STREETS order)
    topics: dict[str, int]  # family key → topic id
    channels: dict[str, Channel]


def build_world() -> World:
    muni = Municipality.objects.create(
        name="Бенчмарк городской округ", oktmo=OKTMO, case_number_prefix="БЕН"
    )
    blocks = {k: Block.objects.create(municipality=muni, name=n) for k, n in BLOCKS.items()}
    departments = {
        key: Department.objects.create(
            municipality=muni,
            name=name,
            block=blocks.get(block),
            kind=Department.Kind.TERRITORIAL if territorial else Department.Kind.UNIT,
        )
        for key, (name, block, territorial) in DEPARTMENTS.items()
    }
    districts = [
        Territory.objects.create(municipality=muni, kind=Territory.Kind.DISTRICT, name=name).pk
        for name in DISTRICTS
    ]
    operator = _user(OPERATOR, muni, Role.IM_OFFICER)
    executors = {
        d.pk: _user(f"bench_executor_{key}", muni, Role.EXECUTOR, d).pk
        for key, d in departments.items()
    }
    return World(
        municipality=muni,
        operator=operator,
        executor=User.objects.get(pk=executors[departments[EXECUTOR_DEPARTMENT].pk]),
        departments={k: d.pk for k, d in departments.items()},
        executors=executors,
        territorial=tuple(d.pk for d in departments.values() if d.kind == "territorial"),
        district_of_street=tuple(districts[i % len(districts)] for i in range(len(STREETS))),
        topics=_family_topics(),
        channels={c.code: c for c in Channel.objects.all()},
    )


def find_actors() -> tuple[Municipality, User, User]:
    """The municipality and the two measured actors of an existing benchmark database."""
    muni = Municipality.objects.get(oktmo=OKTMO)
    operator = User.objects.get(username=OPERATOR)
    executor = User.objects.get(username=f"bench_executor_{EXECUTOR_DEPARTMENT}")
    return muni, operator, executor


def executor_department(executor: User) -> int:
    membership = Membership.objects.get(user=executor, role=Role.EXECUTOR)
    assert membership.department_id is not None
    return membership.department_id


def _user(
    username: str, muni: Municipality, role: Role, department: Department | None = None
) -> User:
    # No password: hashing one costs half a second and nobody signs in.
    user = User.objects.create(username=username, last_name=username)
    Membership.objects.create(user=user, municipality=muni, role=role, department=department)
    return user


def _family_topics() -> dict[str, int]:
    """The seeded rubricator topic of each family; created under «Прочее» if renamed away."""
    topics: dict[str, int] = {}
    for family in FAMILIES:
        if not family.topic:
            continue
        topic = Topic.objects.filter(parent__isnull=False, name=family.topic).first()
        if topic is None:
            group, _ = Topic.objects.get_or_create(parent=None, name="Прочее")
            topic = Topic.objects.create(parent=group, name=family.topic)
        topics[family.key] = topic.pk
    return topics
