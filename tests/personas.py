"""The people of the tests, in one place (STYLE.md habit 10).

Two municipalities: «Демо» (ЖКХ and roads departments in one block, education in another) and
«Соседний». Personas are users with memberships; build them with `build_world()`.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from veche.cases.models import Case
from veche.cases.services import CaseDraft, CitizenData, assign_case, create_case
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.org.models import Block, Department, Membership, Municipality, Role, User

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "Вече-тест-2026"


@dataclass
class World:
    municipality: Municipality
    neighbour: Municipality
    city_block: Block
    social_block: Block
    housing: Department
    roads: Department
    education: Department
    neighbour_housing: Department
    topic_pits: Topic
    topic_heating: Topic
    operator: User  # «оператор МЦУ»: ответственный за Инцидент Менеджмент
    head: User  # «руководитель МЦУ»
    housing_executor: User  # «исполнитель отдела ЖКХ»
    roads_executor: User  # «исполнитель чужого отдела»
    block_head: User  # «руководитель блока городского хозяйства»
    observer: User  # «наблюдатель»
    regional: User  # «сотрудник ЦУР», sees both municipalities
    neighbour_operator: User  # «оператор соседнего МЦУ»
    nobody: User  # signed in, no role at all


def _user(
    username: str, *grants: tuple[Role, Municipality, Department | None, Block | None]
) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, last_name=username)
    for role, municipality, department, block in grants:
        Membership.objects.create(
            user=user, role=role, municipality=municipality, department=department, block=block
        )
    return user


def build_world() -> World:
    muni = Municipality.objects.create(name="Демо муниципальный округ", oktmo="00000001")
    neighbour = Municipality.objects.create(
        name="Соседний округ", oktmo="00000002", case_number_prefix="СОС", time_zone="Asia/Omsk"
    )
    city = Block.objects.create(municipality=muni, name="Городское хозяйство")
    social = Block.objects.create(municipality=muni, name="Социальная политика")
    housing = Department.objects.create(municipality=muni, block=city, name="Комитет ЖКХ")
    roads = Department.objects.create(municipality=muni, block=city, name="Комитет по дорогам")
    education = Department.objects.create(
        municipality=muni, block=social, name="Управление образования"
    )
    n_housing = Department.objects.create(municipality=neighbour, name="Отдел ЖКХ соседей")
    group = Topic.objects.create(name="Дороги (тест)", socially_significant=True)
    pits = Topic.objects.create(parent=group, name="Ямы во дворах (тест)", severity=3)
    heat_group = Topic.objects.create(name="ЖКХ (тест)", socially_significant=True)
    heating = Topic.objects.create(parent=heat_group, name="Отопление (тест)", severity=4)
    return World(
        municipality=muni,
        neighbour=neighbour,
        city_block=city,
        social_block=social,
        housing=housing,
        roads=roads,
        education=education,
        neighbour_housing=n_housing,
        topic_pits=pits,
        topic_heating=heating,
        operator=_user("operator", (Role.IM_OFFICER, muni, None, None)),
        head=_user("head", (Role.HEAD, muni, None, None)),
        housing_executor=_user("housing_executor", (Role.EXECUTOR, muni, housing, None)),
        roads_executor=_user("roads_executor", (Role.EXECUTOR, muni, roads, None)),
        block_head=_user("block_head", (Role.BLOCK_HEAD, muni, None, city)),
        observer=_user("observer", (Role.OBSERVER, muni, None, None)),
        regional=_user(
            "regional", (Role.REGIONAL, muni, None, None), (Role.REGIONAL, neighbour, None, None)
        ),
        neighbour_operator=_user("neighbour_operator", (Role.CURATOR, neighbour, None, None)),
        nobody=_user("nobody"),
    )


def make_case(
    municipality: Municipality,
    *,
    text: str = "Во дворе дома 5 по ул. Ленина глубокие ямы, машины не проехать.",
    channel: str = "pos",
    regime: Regime = Regime.MESSAGE,
    external_id: str = "",
    department: Department | None = None,
    author: CitizenData | None = None,
    received_at: datetime = NOW,
) -> Case:
    draft = CaseDraft(
        channel=Channel.objects.get(code=channel),
        regime=regime,
        text=text,
        received_at=received_at,
        external_id=external_id,
        author=author or CitizenData(full_name="Иванов Иван Иванович", phone="+7 912 345-67-45"),
    )
    case, _ = create_case(municipality, draft, by=None, now=received_at)
    if department is not None:
        case = assign_case(case, department, by=None, now=received_at)
    return case
