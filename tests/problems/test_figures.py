"""A problem's figures: cases, citizens, first and last seen (kept as cases join and leave),
open and overdue cases and the satisfaction (computed when shown) — for a page of problems in
two queries. A case in a problem is still a case of its own: its answer, clocks, department
and rating stay where they were, and the analytics count it as before."""

from datetime import timedelta
from typing import Any

import pytest

from tests.personas import NOW, World, make_case
from tests.problems.test_merge_split import IVANOV, PETROVA, SIDOROV, problem_of
from veche.analytics.models import CaseFact, DailyRollup
from veche.analytics.rollups import rebuild_rollups
from veche.cases.models import Answer, Case
from veche.cases.services import (
    CitizenData,
    approve_answer,
    assign_case,
    change_status,
    draft_answer,
    record_answer_sent,
)
from veche.cases.services.answers import record_rating
from veche.cases.workflow import Regime, Status
from veche.deadlines.clocks import ClockState
from veche.deadlines.models import Clock
from veche.feedback.models import Survey
from veche.feedback.services import rate, token_for
from veche.problems.figures import problem_figures, satisfaction_counts
from veche.problems.models import Problem
from veche.problems.services import merge_problems, move_case, split_problem

ANSWER = (
    "Яму во дворе дома 5 по улице Ленина заделали асфальтом 20 ноября, работы выполнил "
    "подрядчик МБУ «Благоустройство»."
)


def answered(world: World, capture: Any, author: CitizenData) -> Case:
    """An appeal answered through ПОС: its survey is waiting for the citizen."""
    with capture(execute=True):
        case = make_case(world.municipality, author=author, regime=Regime.APPEAL)
    assign_case(case, world.housing, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    answer = draft_answer(case, ANSWER, by=world.housing_executor, now=NOW)
    approve_answer(answer, by=world.head, now=NOW)
    with capture(execute=True):
        record_answer_sent(answer, at=NOW + timedelta(hours=1), via="pos")
    case.refresh_from_db()
    return case


def rated(case: Case, mark: int, *, hours: int = 2) -> None:
    survey = Survey.objects.get(case=case)
    rate(token_for(survey), mark, mark >= 4, now=NOW + timedelta(hours=hours))


def waiting(world: World, capture: Any, author: CitizenData, days_ago: int) -> Case:
    """A message still in work, its clocks running."""
    with capture(execute=True):
        return make_case(
            world.municipality,
            author=author,
            department=world.housing,
            received_at=NOW - timedelta(days=days_ago),
        )


def test_the_figures_of_a_problem(world: World, django_capture_on_commit_callbacks: Any) -> None:
    capture = django_capture_on_commit_callbacks
    happy = answered(world, capture, IVANOV)
    unhappy = answered(world, capture, PETROVA)
    old = waiting(world, capture, PETROVA, days_ago=40)
    fresh = waiting(world, capture, SIDOROV, days_ago=0)
    anonymous = waiting(world, capture, CitizenData(), days_ago=1)
    rated(happy, 5)
    rated(unhappy, 2)  # reopens the case: open again
    problem = problem_of(world, "Ямы во дворе", [happy, unhappy, old, fresh, anonymous])
    # The old message's clocks ran out long ago; the fresh one's have not.
    assert Clock.objects.filter(case=old, state=ClockState.RUNNING, due_at__lt=NOW).exists()
    assert not Clock.objects.filter(case=fresh, due_at__lt=NOW).exists()

    figures = problem_figures([problem], now=NOW)[problem.pk]

    assert (figures.cases, figures.citizens) == (5, 3)
    assert (figures.first_at, figures.last_at) == (old.received_at, happy.received_at)
    unhappy.refresh_from_db()
    assert unhappy.status == Status.REOPENED
    assert figures.open == 4  # all but the happy one's (answered)
    assert figures.overdue == 1
    assert (figures.rated, figures.satisfied, figures.satisfaction) == (2, 1, 50)


def test_overdue_comes_with_time_alone(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    case = waiting(world, django_capture_on_commit_callbacks, IVANOV, days_ago=0)
    problem = problem_of(world, "Ямы", [case])
    due = Clock.objects.filter(case=case, state=ClockState.RUNNING).order_by("due_at")[0].due_at

    assert problem_figures([problem], now=due - timedelta(minutes=1))[problem.pk].overdue == 0
    assert problem_figures([problem], now=due + timedelta(minutes=1))[problem.pk].overdue == 1


def test_the_latest_rating_of_a_case_counts_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    case = answered(world, django_capture_on_commit_callbacks, IVANOV)
    answer = Answer.objects.get(case=case)
    for hours, mark in ((2, 1), (3, 2), (4, 5)):
        record_rating(
            answer,
            at=NOW + timedelta(hours=hours),
            comment="",
            details={"rating": mark},
            reopen=False,
        )
    problem = problem_of(world, "Ямы", [case])

    figures = problem_figures([problem], now=NOW)[problem.pk]

    assert (figures.rated, figures.satisfied, figures.satisfaction) == (1, 1, 100)


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        ([], (0, 0)),
        ([5, 4, 3, 1], (4, 2)),
        ([None, "5", 0, 6, True, 2], (1, 0)),  # not marks: damaged or foreign events
    ],
)
def test_satisfaction_counts(marks: list[object], expected: tuple[int, int]) -> None:
    assert satisfaction_counts(marks) == expected


def test_a_page_of_problems_takes_two_queries_however_long(
    world: World, django_capture_on_commit_callbacks: Any, django_assert_num_queries: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    problems = [
        problem_of(
            world,
            f"Проблема {n}",
            [waiting(world, capture, IVANOV, n), answered(world, capture, PETROVA)],
        )
        for n in range(6)
    ]
    for case in Case.objects.filter(status=Status.ANSWERED):
        rated(case, 4)

    with django_assert_num_queries(2):
        one = problem_figures(problems[:1], now=NOW)
    with django_assert_num_queries(2):
        many = problem_figures(problems, now=NOW)
    with django_assert_num_queries(0):
        assert problem_figures([], now=NOW) == {}

    assert one[problems[0].pk] == many[problems[0].pk]
    assert [many[p.pk].rated for p in problems] == [1] * 6
    assert (
        problem_figures([Problem.objects.get(pk=problems[0].pk)], now=NOW)[problems[0].pk].cases
        == 2
    )


def _analytics() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rebuild_rollups()
    facts = sorted(CaseFact.objects.values_list(), key=str)
    rollups = sorted(DailyRollup.objects.values_list(*_rollup_fields()), key=str)
    return facts, rollups


def _rollup_fields() -> list[str]:
    return [f.attname for f in DailyRollup._meta.concrete_fields if f.name != "id"]


def _own(case: Case) -> tuple[Any, ...]:
    """What is a case's own: status, department, answers, clocks."""
    case.refresh_from_db()
    return (
        case.status,
        case.department_id,
        case.block_id,
        sorted(case.answers.values_list("pk", "state", "sent_at", "text")),
        sorted(case.clocks.values_list("pk", "state", "due_at", "stopped_at")),
    )


def test_a_case_keeps_its_answer_clocks_and_rating_in_and_out_of_problems(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    first = answered(world, capture, IVANOV)
    second = answered(world, capture, PETROVA)
    third = waiting(world, capture, SIDOROV, days_ago=3)
    rated(first, 5)
    rated(second, 4)
    cases = [first, second, third]
    before = [_own(c) for c in cases]
    facts, rollups = _analytics()
    assert CaseFact.objects.filter(rating__isnull=False).count() == 2

    one = problem_of(world, "Ямы", [first])
    two = problem_of(world, "Ямы у подъезда", [second, third])
    merged = merge_problems(one, [two], by=world.operator, now=NOW + timedelta(hours=5))
    split_problem(merged, [third], title="Провал", by=world.operator, now=NOW + timedelta(hours=6))
    move_case(second, None, by=world.operator, now=NOW + timedelta(hours=7))

    assert [_own(c) for c in cases] == before
    assert _analytics() == (facts, rollups)
    # The two ratings are each counted: one in the problem, one by the case that left it.
    assert CaseFact.objects.filter(rating__gte=4).count() == 2
    merged.refresh_from_db()
    assert problem_figures([merged], now=NOW)[merged.pk].rated == 1
