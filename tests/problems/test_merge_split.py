"""An officer names, merges and splits problems: every case is kept exactly once, each move
is one Event on the case's timeline, the figures are recounted, whatever served a merged
problem serves the one it joined, and a refused operation changes nothing."""

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection

from tests.personas import NOW, World, make_case
from tests.problems.test_grouping import CAMPAIGN, _import
from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case, Event
from veche.cases.services import CitizenData
from veche.org.models import User
from veche.problems.models import FastTrack, Instruction, Problem, ProblemCase, Roadmap
from veche.problems.services import (
    ProblemChanges,
    create_problem,
    merge_problems,
    move_case,
    name_problem,
    split_problem,
    update_problem,
)

LATER = NOW + timedelta(hours=2)
IVANOV = CitizenData(full_name="Иванов Иван Иванович", phone="+7 912 345-67-45")
PETROVA = CitizenData(full_name="Петрова Анна Сергеевна", phone="+7 912 000-11-22")
SIDOROV = CitizenData(full_name="Сидоров Пётр Ильич", phone="+7 912 999-88-77")


def case_by(world: World, author: CitizenData, days_ago: int, text: str = "") -> Case:
    return make_case(
        world.municipality,
        text=text or f"Яма во дворе, обращение {days_ago} дней назад.",
        author=author,
        received_at=NOW - timedelta(days=days_ago),
    )


def problem_of(world: World, title: str, cases: list[Case], by: User | None = None) -> Problem:
    return create_problem(
        world.municipality, title=title, cases=cases, by=by or world.operator, now=NOW
    )


def snapshot() -> dict[str, Any]:
    """Everything a refused operation must leave as it was."""
    return {
        "problems": sorted(
            Problem.objects.values_list("pk", "title", "case_count", "citizen_count", "cause")
        ),
        "links": sorted(ProblemCase.objects.values_list("case_id", "problem_id", "reason")),
        "events": Event.objects.count(),
    }


@pytest.fixture
def three(world: World) -> tuple[Problem, Problem, Problem, list[Case]]:
    """Three problems of five cases by three citizens: [a b] [c d] [e]."""
    a = case_by(world, IVANOV, 10)
    b = case_by(world, PETROVA, 8)
    c = case_by(world, PETROVA, 20)
    d = case_by(world, SIDOROV, 1)
    e = case_by(world, IVANOV, 5)
    return (
        problem_of(world, "Ямы во дворе дома 5", [a, b]),
        problem_of(world, "Яма у подъезда", [c, d]),
        problem_of(world, "Провал асфальта", [e]),
        [a, b, c, d, e],
    )


# --- merge --------------------------------------------------------------------------------------


def test_merging_keeps_every_case_once_with_one_event_per_moved_case(
    world: World, three: tuple[Problem, Problem, Problem, list[Case]]
) -> None:
    target, second, third, cases = three
    _, _, c, d, e = cases
    events_before = Event.objects.count()

    merged = merge_problems(target, [second, third], by=world.head, now=LATER)

    assert merged.pk == target.pk
    assert list(Problem.objects.values_list("pk", flat=True)) == [target.pk]
    assert sorted(ProblemCase.objects.values_list("case_id", "problem_id")) == sorted(
        (case.pk, target.pk) for case in cases
    )
    assert (merged.case_count, merged.citizen_count) == (5, 3)
    assert (merged.first_at, merged.last_at) == (c.received_at, d.received_at)
    assert merged.title == "Ямы во дворе дома 5"
    # Three cases moved: three events, none for the cases already there.
    assert Event.objects.count() == events_before + 3
    moved = Event.objects.filter(kind=Event.Kind.PROBLEM, at=LATER).order_by("case_id")
    assert [(ev.case_id, ev.before, ev.after, ev.actor) for ev in moved] == [
        (c.pk, {"problem": second.pk}, {"problem": target.pk}, world.head),
        (d.pk, {"problem": second.pk}, {"problem": target.pk}, world.head),
        (e.pk, {"problem": third.pk}, {"problem": target.pk}, world.head),
    ]
    assert all("Проблемы объединены в «Ямы во дворе дома 5»" in ev.comment for ev in moved)


def test_what_served_a_merged_problem_serves_the_one_it_joined(
    world: World, three: tuple[Problem, Problem, Problem, list[Case]]
) -> None:
    target, second, third, _ = three
    track = FastTrack.objects.create(
        municipality=world.municipality,
        problem=second,
        name="Ямы — сразу в дорожный комитет",
        department=world.roads,
        target_days=10,
        started_at=NOW,
    )
    roadmap = Roadmap.objects.create(
        municipality=world.municipality,
        title="Ремонт дворов",
        problem=third,
        started_on=date(2026, 11, 1),
        created_at=NOW,
    )
    own = Roadmap.objects.create(
        municipality=world.municipality,
        title="Своя карта",
        problem=target,
        started_on=date(2026, 11, 1),
        created_at=NOW,
    )
    instruction = Instruction.objects.create(
        municipality=world.municipality,
        text="Проверить подрядчика",
        owner=world.head,
        due_on=date(2026, 12, 1),
        problem=second,
        created_at=NOW,
    )

    merge_problems(target, [second, third], by=world.operator, now=LATER)

    assert FastTrack.objects.get(pk=track.pk).problem_id == target.pk
    assert set(Roadmap.objects.values_list("pk", "problem_id")) == {
        (roadmap.pk, target.pk),
        (own.pk, target.pk),
    }
    assert Instruction.objects.get(pk=instruction.pk).problem_id == target.pk


def test_the_target_keeps_its_words_and_takes_what_it_lacked(
    world: World, three: tuple[Problem, Problem, Problem, list[Case]]
) -> None:
    target, second, third, _ = three
    Problem.objects.filter(pk=second.pk).update(
        cause="Подрядчик кладёт асфальт в дождь", territory=None, place="ул. Ленина, 5"
    )
    Problem.objects.filter(pk=third.pk).update(cause="Другое", department=world.roads)
    Problem.objects.filter(pk=target.pk).update(place="двор дома 5")

    merged = merge_problems(target, [second, third], by=world.operator, now=LATER)

    assert merged.cause == "Подрядчик кладёт асфальт в дождь"
    assert merged.place == "двор дома 5"
    assert merged.department == world.roads
    assert merged.search_lemmas.strip() != ""


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("housing_executor", ErrorCode.FORBIDDEN),  # works on the department's cases only
        ("block_head", ErrorCode.FORBIDDEN),
        ("observer", ErrorCode.FORBIDDEN),
        ("regional", ErrorCode.FORBIDDEN),
        ("neighbour_operator", ErrorCode.FORBIDDEN),
    ],
)
def test_only_the_mcu_of_the_municipality_merges(
    world: World, three: tuple[Problem, Problem, Problem, list[Case]], who: str, code: ErrorCode
) -> None:
    target, second, _, _ = three
    before = snapshot()

    with pytest.raises(CaseError) as error:
        merge_problems(target, [second], by=getattr(world, who), now=LATER)

    assert error.value.code == code
    assert snapshot() == before


def test_a_refused_merge_changes_nothing(
    world: World, three: tuple[Problem, Problem, Problem, list[Case]]
) -> None:
    target, second, third, _ = three
    foreign_case = make_case(world.neighbour, author=IVANOV)
    foreign = create_problem(
        world.neighbour, title="Чужая", cases=[foreign_case], by=world.neighbour_operator, now=NOW
    )
    before = snapshot()

    attempts = [
        ([second, foreign], "Проблема из другого МО."),
        ([], "Выберите проблемы, которые объединить с этой."),
        ([target, second], "Проблему нельзя объединить с ней самой."),
    ]
    for others, message in attempts:
        with pytest.raises(CaseError) as error:
            merge_problems(target, others, by=world.operator, now=LATER)
        assert (error.value.code, error.value.message) == (ErrorCode.INVALID, message)
    gone = Problem(pk=third.pk + 1000, municipality=world.municipality)
    with pytest.raises(CaseError) as error:
        merge_problems(target, [second, gone], by=world.operator, now=LATER)
    assert error.value.code == ErrorCode.NOT_FOUND

    assert snapshot() == before


def test_an_officers_merge_is_not_undone_by_the_pipeline(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from veche.triage.services import analyse_cases

    with django_capture_on_commit_callbacks(execute=True):
        campaign = _import(world, [CAMPAIGN.format(name="Петров", flat=n) for n in range(3)])
    grouped = Problem.objects.get()
    other = problem_of(world, "Вырубка сквера", [case_by(world, SIDOROV, 3)])

    merge_problems(other, [grouped], by=world.operator, now=LATER)
    analyse_cases([c.pk for c in campaign], now=LATER)

    assert list(Problem.objects.all()) == [other]
    other.refresh_from_db()
    assert other.case_count == 4
    assert set(ProblemCase.objects.values_list("problem_id", flat=True)) == {other.pk}


# --- split --------------------------------------------------------------------------------------


def test_splitting_moves_the_chosen_cases_to_a_new_named_problem(
    world: World, three: tuple[Problem, Problem, Problem, list[Case]]
) -> None:
    target, second, third, cases = three
    merge_problems(target, [second, third], by=world.operator, now=NOW)
    Problem.objects.filter(pk=target.pk).update(
        topic=world.topic_pits, department=world.roads, block=world.city_block
    )
    a, b, c, d, e = cases
    events_before = Event.objects.count()

    new = split_problem(target, [c, e], title="  Провал  у подъезда ", by=world.head, now=LATER)

    target.refresh_from_db()
    assert new.title == "Провал у подъезда"
    assert (new.named_at, new.named_by) == (LATER, world.head)
    assert (new.topic, new.department, new.block) == (
        world.topic_pits,
        world.roads,
        world.city_block,
    )
    assert set(new.links.values_list("case_id", flat=True)) == {c.pk, e.pk}
    assert set(target.links.values_list("case_id", flat=True)) == {a.pk, b.pk, d.pk}
    assert ProblemCase.objects.count() == 5
    assert (new.case_count, new.citizen_count) == (2, 2)
    assert (new.first_at, new.last_at) == (c.received_at, e.received_at)
    assert (target.case_count, target.citizen_count) == (3, 3)
    assert (target.first_at, target.last_at) == (a.received_at, d.received_at)
    assert Event.objects.count() == events_before + 2
    moved = Event.objects.filter(kind=Event.Kind.PROBLEM, at=LATER).order_by("case_id")
    assert [(ev.case_id, ev.before, ev.after) for ev in moved] == [
        (c.pk, {"problem": target.pk}, {"problem": new.pk}),
        (e.pk, {"problem": target.pk}, {"problem": new.pk}),
    ]


def test_a_refused_split_changes_nothing(
    world: World, three: tuple[Problem, Problem, Problem, list[Case]]
) -> None:
    target, _, _, cases = three
    a, b, c, _, _ = cases
    before = snapshot()

    attempts: list[tuple[list[Case], str, User, ErrorCode]] = [
        ([a, c], "Новая", world.operator, ErrorCode.INVALID),  # c is in another problem
        ([a, b], "Новая", world.operator, ErrorCode.INVALID),  # nothing would be left
        ([], "Новая", world.operator, ErrorCode.INVALID),
        ([a], "   ", world.operator, ErrorCode.INVALID),
        ([a], "Новая", world.housing_executor, ErrorCode.FORBIDDEN),
        ([a], "Новая", world.neighbour_operator, ErrorCode.FORBIDDEN),
    ]
    for chosen, title, by, code in attempts:
        with pytest.raises(CaseError) as error:
            split_problem(target, chosen, title=title, by=by, now=LATER)
        assert error.value.code == code, (chosen, title, by)

    assert snapshot() == before


# --- naming and editing -------------------------------------------------------------------------


def test_the_first_edit_names_a_grouping_of_the_pipeline(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _import(world, [CAMPAIGN.format(name="Петров", flat=n) for n in range(3)])
    grouped = Problem.objects.get()
    assert grouped.named_at is None

    named = name_problem(grouped, title="Вырубка сквера на Гагарина", by=world.operator, now=NOW)
    edited = update_problem(
        named,
        ProblemChanges(
            title="Вырубка сквера на Гагарина",
            status=Problem.Status.IN_WORK,
            cause="Разрешение на вырубку выдано без слушаний",
            topic=world.topic_pits,
            place="сквер у дома 14 по ул. Гагарина",
            department=world.housing,
        ),
        by=world.head,
        now=LATER,
    )

    edited.refresh_from_db()
    assert (edited.named_at, edited.named_by) == (NOW, world.operator)
    assert edited.status == Problem.Status.IN_WORK
    assert edited.cause == "Разрешение на вырубку выдано без слушаний"
    # The owner block follows the department when none is given.
    assert (edited.department, edited.block) == (world.housing, world.city_block)
    assert " гагарин " in edited.search_lemmas and " сквер " in edited.search_lemmas
    assert edited.case_count == 3


def test_an_edit_with_another_municipalitys_owner_is_refused(
    world: World, three: tuple[Problem, Problem, Problem, list[Case]]
) -> None:
    target, _, _, _ = three
    before = snapshot()
    attempts = [
        ProblemChanges(title="Ямы", department=world.neighbour_housing),
        ProblemChanges(title=""),
        ProblemChanges(title="Ямы", status="lost"),
        ProblemChanges(title="Я" * 301),
    ]

    for changes in attempts:
        with pytest.raises(CaseError) as error:
            update_problem(target, changes, by=world.operator, now=LATER)
        assert error.value.code == ErrorCode.INVALID
    with pytest.raises(CaseError) as error:
        update_problem(target, ProblemChanges(title="Ямы"), by=world.observer, now=LATER)
    assert error.value.code == ErrorCode.FORBIDDEN

    assert snapshot() == before


# --- moving one case ----------------------------------------------------------------------------


def test_moving_a_case_recounts_both_problems(
    world: World, three: tuple[Problem, Problem, Problem, list[Case]]
) -> None:
    target, second, _, cases = three
    a = cases[0]

    move_case(a, second, by=world.operator, now=LATER)

    target.refresh_from_db()
    second.refresh_from_db()
    assert (target.case_count, target.citizen_count) == (1, 1)
    assert (second.case_count, second.citizen_count) == (3, 3)
    assert second.first_at == cases[2].received_at
    event = Event.objects.get(case=a, at=LATER)
    assert (event.before, event.after) == ({"problem": target.pk}, {"problem": second.pk})


# --- at the same time ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_officers_merging_crosswise_at_once_leave_one_problem(
    seeded_channels: None, world: World
) -> None:
    """Each merge locks both problems in the order of their ids: the second waits for the
    first, then finds its problem gone and changes nothing (PostgreSQL; SQLite writes one
    transaction at a time anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    a, b, c = case_by(world, IVANOV, 3), case_by(world, PETROVA, 2), case_by(world, SIDOROV, 1)
    first = problem_of(world, "Ямы", [a, b])
    second = problem_of(world, "Ямы у подъезда", [c])
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def merge(name: str, target: Problem, other: Problem, by: User) -> None:
        try:
            start.wait()
            merge_problems(target, [other], by=by, now=LATER)
            outcomes[name] = "merged"
        except CaseError as error:
            outcomes[name] = error.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=merge, args=("one", first, second, world.operator)),
        threading.Thread(target=merge, args=("two", second, first, world.head)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(map(str, outcomes.values())) == ["merged", "not_found"]
    [left] = Problem.objects.all()
    assert left.case_count == 3 and ProblemCase.objects.filter(problem=left).count() == 3
    # Only the cases of the merged problem moved, once each.
    moved = Event.objects.filter(kind=Event.Kind.PROBLEM, at=LATER)
    assert moved.count() == (1 if left.pk == first.pk else 2)
