"""Repeats found by triage become problems: a copy-paste campaign, the same place and topic,
the same author again; an officer's regrouping is an Event and is never undone."""

from datetime import timedelta
from typing import Any

from tests.personas import NOW, World
from veche.cases.models import Case, Event
from veche.cases.services import CaseDraft, CitizenData, Step, record_cases
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.problems.models import Problem, ProblemCase
from veche.problems.services import move_case

CAMPAIGN = (
    "Уважаемая администрация! Мы, жители микрорайона Северный, требуем остановить вырубку "
    "сквера у дома 14 по улице Гагарина и провести общественные слушания. С уважением, {name}, "
    "кв. {flat}."
)
NAMES = ["Петров", "Сидорова", "Кузнецов", "Смирнова", "Попов", "Васильева", "Новиков"]
OTHERS = [
    "Не вывозят мусор с контейнерной площадки на улице Мира уже неделю.",
    "На перекрёстке Ленина и Советской не работает светофор, опасно для детей.",
    "Прошу отремонтировать крышу подъезда: течёт при каждом дожде, квартиры заливает.",
    "В школе № 2 холодно в классах, дети сидят в куртках.",
    "Автобус № 7 не ходит по расписанию, утром ждали сорок минут.",
]


def _import(world: World, texts: list[str], **fields: Any) -> list[Case]:
    channel = Channel.objects.get(code="im")
    drafts: list[tuple[CaseDraft, list[Step]]] = [
        (
            CaseDraft(
                channel,
                Regime.INCIDENT,
                text,
                fields.get("at", NOW) + timedelta(minutes=n),
                external_id=f"{fields.get('prefix', 'x')}{n}",
                author=fields.get("author") or CitizenData(full_name=f"Автор {n}"),
                topic_id=fields.get("topic_id"),
            ),
            [],
        )
        for n, text in enumerate(texts)
    ]
    result = record_cases(world.municipality, drafts, by=None)
    return list(Case.objects.filter(pk__in=result.case_ids).order_by("pk"))


def test_a_copy_paste_campaign_of_fifty_messages_becomes_one_problem(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    letters = [CAMPAIGN.format(name=NAMES[n % len(NAMES)], flat=n + 1) for n in range(50)]
    with django_capture_on_commit_callbacks(execute=True):
        cases = _import(world, letters + OTHERS)

    problem = Problem.objects.get()
    assert problem.case_count == 50
    members = set(problem.links.values_list("case_id", flat=True))
    assert members == {c.pk for c in cases[:50]}
    assert set(problem.links.values_list("reason", flat=True)) == {"same_text"}
    assert "сквера" in problem.title or "Гагарина" in problem.title
    # Every member's timeline says it joined the problem, by the system.
    events = Event.objects.filter(kind=Event.Kind.PROBLEM, case__in=cases[:50])
    assert events.count() == 50 and not events.filter(actor__isnull=False).exists()
    assert not ProblemCase.objects.filter(case__in=cases[50:]).exists()


def test_a_later_import_joins_the_problem_of_earlier_cases(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _import(world, [CAMPAIGN.format(name="Петров", flat=n) for n in range(3)], prefix="a")
        later = _import(
            world,
            [CAMPAIGN.format(name="Попов", flat=40)],
            prefix="b",
            at=NOW + timedelta(days=5),
        )

    problem = Problem.objects.get()
    assert problem.case_count == 4
    assert ProblemCase.objects.get(case=later[0]).problem == problem


def test_the_same_place_and_topic_within_days_is_one_problem(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    pothole = Topic.objects.filter(parent__isnull=False).first()
    assert pothole is not None
    texts = [
        "Огромная яма на дороге у дома 5 по улице Ленина, пробил колесо.",
        "Ул. Ленина, д. 5 — провал асфальта прямо у подъезда, когда починят?",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        cases = _import(world, texts, topic_id=pothole.pk)

    link = ProblemCase.objects.get(case=cases[1])
    assert link.reason == "same_place"
    assert ProblemCase.objects.get(case=cases[0]).problem == link.problem


def test_the_same_author_on_the_same_topic_is_a_repeat(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    topic = Topic.objects.filter(parent__isnull=False).first()
    assert topic is not None
    author = CitizenData(full_name="Орлова Анна Петровна", phone="+7 900 111-22-33")
    with django_capture_on_commit_callbacks(execute=True):
        first = _import(
            world,
            ["Когда наконец отремонтируют детскую площадку?"],
            prefix="a",
            author=author,
            topic_id=topic.pk,
        )
        second = _import(
            world,
            ["Повторно прошу ответить, почему не ремонтируют площадку во дворе."],
            prefix="b",
            author=author,
            topic_id=topic.pk,
            at=NOW + timedelta(days=20),
        )

    link = ProblemCase.objects.get(case=second[0])
    assert link.reason == "same_author"
    assert ProblemCase.objects.get(case=first[0]).problem == link.problem


def test_an_officer_takes_a_case_out_and_reanalysis_leaves_it_out(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from veche.triage.services import analyse_cases

    with django_capture_on_commit_callbacks(execute=True):
        cases = _import(world, [CAMPAIGN.format(name="Петров", flat=n) for n in range(3)])
    problem = Problem.objects.get()

    move_case(cases[2], None, by=world.operator, now=NOW)
    analyse_cases([c.pk for c in cases], now=NOW)

    assert not ProblemCase.objects.filter(case=cases[2]).exists()
    problem.refresh_from_db()
    assert problem.case_count == 2
    event = Event.objects.get(case=cases[2], kind=Event.Kind.PROBLEM, actor=world.operator)
    assert event.before == {"problem": problem.pk} and event.after == {"problem": None}
