"""The МЦУ's work on the demo's recurring problems (`demo.stories`): named problems with their
causes and owners, fast-track mechanisms, a road map with its measured effect, and meetings
with instructions — what an МЦУ that has run Veche for a year would have."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from veche.cases.models import Case
from veche.demo import places
from veche.demo.problems import topic_ids
from veche.demo.stories import STORIES, Story
from veche.demo.structure import Structure
from veche.org.models import User
from veche.problems.fast_tracks import create_fast_track
from veche.problems.meetings import InstructionData, MeetingData, create_meeting, give_instruction
from veche.problems.models import Action, Problem, Roadmap
from veche.problems.roadmaps import ActionData, RoadmapData, add_action, create_roadmap
from veche.problems.services import ProblemChanges, create_problem, update_problem


@dataclass(frozen=True)
class Naming:
    title: str
    cause: str
    department: str  # orgchart key of the owner


NAMINGS = {
    "pits": Naming(
        "Ямы на ул. Ленина у дома 20",
        "Покрытие участка выработало срок: с 2019 года только ямочный ремонт, вода с проезжей "
        "части не отводится и разрушает заплатки за одну зиму.",
        "dorogi",
    ),
    "garbage": Naming(
        "Переполнена контейнерная площадка на ул. Мира, 14",
        "Региональный оператор пропускает площадку в графике вывоза; на три дома два "
        "контейнера вместо четырёх.",
        "tko",
    ),
    "lights": Naming(
        "Не горит уличное освещение на ул. Школьная",
        "Изношенная кабельная линия освещения: подрядчик выезжает только по заявке, замена "
        "линии не запланирована.",
        "ugh",
    ),
    "flooding": Naming(
        "Подтопление двора на ул. Садовая, 5",
        "Во дворе нет ливневой канализации, талые и дождевые воды стекают с соседнего участка.",
        "ugh",
    ),
}


def story_cases(structure: Structure, story: Story) -> list[Case]:
    """The story's cases: its topic at its address (a citizen's own case there counts too)."""
    address = f"г. {places.TOWN}, {story.street}, д. {story.house}"
    return list(
        Case.objects.filter(
            municipality=structure.municipality,
            topic_id=topic_ids()[story.problem],
            address_raw=address,
        ).order_by("received_at", "pk")
    )


def add_problem_work(structure: Structure, *, now: datetime) -> dict[str, Problem]:
    """Name the stories' problems, then give them what the МЦУ did about them."""
    head = User.objects.get(username="head")
    named = name_problems(structure, head, now=now)
    calendar = _Months(structure, now)
    if "garbage" in named:
        _fast_track(structure, named["garbage"], "garbage", head, calendar)
    if "lights" in named:
        _fast_track(structure, named["lights"], "lights", head, calendar)
    roadmap = _roadmap(structure, named["pits"], head, calendar) if "pits" in named else None
    _meetings(structure, named, roadmap, head, calendar)
    return named


def name_problems(structure: Structure, officer: User, *, now: datetime) -> dict[str, Problem]:
    """Each story with two cases or more becomes a named problem owned by its department."""
    named = {}
    for story in STORIES:
        cases = story_cases(structure, story)
        if len(cases) < 2:
            continue
        naming = NAMINGS[story.key]
        problem = create_problem(
            structure.municipality,
            title=naming.title,
            cases=cases,
            by=officer,
            now=now,
            topic=cases[0].topic,
            territory=cases[0].territory,
            place=f"{story.street}, {story.house}",
            cause=naming.cause,
        )
        changes = replace(
            ProblemChanges.of(problem),
            department=structure.departments[naming.department],
            status=Problem.Status.IN_WORK if story.turn is not None else Problem.Status.OPEN,
        )
        named[story.key] = update_problem(problem, changes, by=officer, now=now)
    return named


class _Months:
    """Local dates of the demo's months: index 0 is eleven months before the current one, as
    in `Story.monthly`."""

    def __init__(self, structure: Structure, now: datetime) -> None:
        self.zone = ZoneInfo(structure.municipality.time_zone)
        self.now = now
        self.today = now.astimezone(self.zone).date()

    def first_day(self, index: int) -> date:
        months_back = 11 - index
        year, month = divmod(self.today.year * 12 + self.today.month - 1 - months_back, 12)
        return date(year, month + 1, 1)

    def moment(self, day: date, hour: int = 10) -> datetime:
        return datetime.combine(day, time(hour), self.zone)

    def days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)


FAST_TRACKS = {
    "garbage": (
        "Площадка ул. Мира, 14 — сразу региональному оператору",
        "tko",
        3,
        "Мира",
        "Заявка по площадке {адрес} передана региональному оператору в день поступления; "
        "вывоз выполнен. Площадка включена в ежедневный график вывоза.",
    ),
    "lights": (
        "Освещение ул. Школьная — сразу подрядчику",
        "ugh",
        5,
        "Школьная",
        "Заявка передана подрядчику по содержанию сетей наружного освещения; светильники "
        "по адресу {адрес} восстановлены.",
    ),
}


def _fast_track(
    structure: Structure, problem: Problem, key: str, head: User, calendar: _Months
) -> None:
    name, department, days, keywords, template = FAST_TRACKS[key]
    create_fast_track(
        problem,
        name=name,
        department=structure.departments[department],
        target_days=days,
        keywords=keywords,
        topic=problem.topic,
        territory=problem.territory,
        template_text=template,
        by=head,
        now=calendar.moment(calendar.first_day(_turn(key))),
    )


def _roadmap(structure: Structure, problem: Problem, head: User, calendar: _Months) -> Roadmap:
    """The potholes' road map: started the month the messages fell, with the repairs done
    and the overhaul of the stretch planned for next summer."""
    started = calendar.first_day(_turn("pits"))
    roads = structure.departments["dorogi"]
    roads_head = User.objects.filter(username="dorogi").first()
    roadmap = create_roadmap(
        structure.municipality,
        RoadmapData(
            title="Ремонт участка ул. Ленина у дома 20",
            started_on=started,
            problem=problem,
            owner=roads_head,
            department=roads,
            expected_effect=(
                "Ямочный ремонт картами и водоотвод: сообщений о ямах на этом участке "
                "меньше на 80 % к концу года."
            ),
            target_percent=80,
            target_date=calendar.first_day(11),
            status=Roadmap.Status.ACTIVE,
            is_public=True,
        ),
        by=head,
        now=calendar.moment(started - timedelta(days=10)),
    )
    steps = (
        ("Обследование участка, дефектная ведомость", -12, Action.Status.DONE, None),
        ("Ямочный ремонт картами (420 м²)", 20, Action.Status.DONE, "1 260 000"),
        ("Устройство лотков водоотвода вдоль проезжей части", 75, Action.Status.DONE, "640 000"),
        ("Включение участка в план капитального ремонта 2027 г.", 150, Action.Status.DONE, None),
        ("Капитальный ремонт покрытия участка", 300, Action.Status.PLANNED, "9 800 000"),
    )
    for title, offset, status, cost in steps:
        add_action(
            roadmap,
            ActionData(
                title=title,
                due_on=started + timedelta(days=offset),
                responsible=roads_head,
                department=roads,
                status=status,
                progress=100 if status == Action.Status.DONE else 0,
                cost=Decimal(cost.replace(" ", "")) if cost else None,
            ),
            by=head,
            now=calendar.moment(min(started + timedelta(days=offset), calendar.today)),
        )
    return roadmap


def _meetings(
    structure: Structure,
    named: dict[str, Problem],
    roadmap: Roadmap | None,
    head: User,
    calendar: _Months,
) -> None:
    """Two МЦУ meetings: the recurring problems reviewed, instructions given — one of them
    now overdue, so the head's digest has something to say."""
    staff = {u.username: u for u in User.objects.filter(username__in=STAFF)}
    municipality = structure.municipality
    held = calendar.moment(calendar.days_ago(45), 15)
    review = create_meeting(
        municipality,
        MeetingData(
            title="Повторяющиеся обращения: разбор за квартал",
            held_at=held,
            agenda=(
                "1. Ямы на ул. Ленина: ход дорожной карты.\n"
                "2. Освещение ул. Школьная: механизм ускоренного решения.\n"
                "3. Подтопление двора на ул. Садовая, 5."
            ),
            participants=[staff[u] for u in ("head", "deputy", "im", "pos", "dorogi", "ugh")],
            minutes=(
                "Ямочный ремонт на ул. Ленина выполнен, обращений стало в разы меньше. "
                "По освещению на ул. Школьная заявки уходят подрядчику в день поступления, "
                "но линия изношена. По ул. Садовая решения нет."
            ),
        ),
        by=head,
        now=held,
    )
    orders = (
        ("ugh", "lights", None, 30, "Обследовать кабельную линию освещения ул. Школьная "
         "и представить план её замены."),
        ("dorogi", None, roadmap, 60, "Подготовить смету капитального ремонта участка "
         "ул. Ленина для включения в бюджет 2027 г."),
        ("ugh", "flooding", None, 75, "Проработать с управляющей компанией устройство "
         "водоотвода во дворе дома 5 по ул. Садовая."),
    )  # fmt: skip
    for owner, problem_key, target_map, days, text in orders:
        give_instruction(
            municipality,
            InstructionData(
                text=text,
                owner=staff[owner],
                due_on=held.date() + timedelta(days=days),
                controller=staff["deputy"],
                department=structure.departments[owner],
                problem=named.get(problem_key) if problem_key else None,
                roadmap=target_map,
            ),
            by=head,
            now=held,
            meeting=review,
        )


def _turn(key: str) -> int:
    """The month index of a story's turn (a story the МЦУ acted on has one)."""
    turn = next(s.turn for s in STORIES if s.key == key)
    if turn is None:
        raise ValueError(f"История «{key}» без поворота.")
    return turn


STAFF = ("head", "deputy", "im", "pos", "dorogi", "ugh")
