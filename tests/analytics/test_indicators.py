"""The indicators against the figures counted by hand for the fixed October of
october.py, with its edge cases (a case spanning the month's start, reopened, redirected,
paused, moved to another department, returned for rework, overdue)."""

from datetime import date
from typing import Any

import pytest

from tests.analytics.october import DAY, NOW, OCTOBER
from tests.personas import World
from veche.analytics.indicators import (
    Filters,
    Indicator,
    cases_behind,
    figures,
    values,
)
from veche.analytics.models import CaseFact, DailyRollup
from veche.analytics.rollups import rebuild_rollups, update_rollups
from veche.analytics.slices import Dimension, cut
from veche.cases.models import Answer, Case
from veche.cases.workflow import Regime
from veche.feedback.models import AnswerCheck
from veche.org.models import User

pytestmark = pytest.mark.django_db


def _october(world: World, actor: User | None = None) -> dict[Indicator, float | None]:
    return values(
        list(Indicator), actor or world.head, world.municipality.pk, OCTOBER, Filters(), NOW
    )


def test_october_figures_equal_the_hand_counted_ones(world: World, october: Any) -> None:
    flagged = AnswerCheck.objects.filter(brush_off=True, answer__kind=Answer.Kind.FINAL)
    assert flagged.count() == 1  # the detector agrees: H

    got = _october(world)

    assert got == {
        # B C D E F G H received in October; A and I in September.
        Indicator.RECEIVED: 7.0,
        # First final answers sent in October: A B C E F H (C's second one does not count).
        Indicator.ANSWERED: 6.0,
        # E missed its 10 working days; F's two weeks on hold moved its due date.
        Indicator.IN_TIME: 5 / 6,
        Indicator.OVERDUE_NOW: 1.0,  # G
        # First answers of any kind: B 2 h, C 1 d, H 1 d, A 45 h, F 18 d, E 29 d.
        Indicator.REACTION_MEDIAN: (DAY + 45 * 3600) / 2,
        Indicator.REACTION_P90: 18 * DAY + 0.5 * (29 - 18) * DAY,
        # Final answers: C 1 d, H 1 d, A 45 h, B 4 d, F 18 d, E 29 d.
        Indicator.ANSWER_MEDIAN: (45 * 3600 + 4 * DAY) / 2,
        Indicator.ANSWER_P90: 18 * DAY + 0.5 * (29 - 18) * DAY,
        Indicator.BRUSH_OFF: 1 / 6,  # H, of six checked first answers
        Indicator.SATISFACTION: 1 / 2,  # B 5, C 2
        Indicator.RATING: 7 / 2,
        Indicator.SOLVED: 1 / 2,
        Indicator.REPEATS: 0.0,
        # Only incidents have a first-reaction clock.
        Indicator.REACTION_IN_TIME: None,
        # Finished in October: B closed with an answer, D redirected without one.
        Indicator.WITHOUT_ANSWER: 1 / 2,
        Indicator.REDIRECTED: 1 / 7,
        Indicator.RETURNED: 1 / 7,  # H
        Indicator.REOPENED: 1 / 7,  # C
        Indicator.EXTENDED: 0.0,
    }


def test_each_figure_has_its_previous_period_and_the_cases_behind_it(
    world: World, october: dict[str, Case]
) -> None:
    cases = october
    muni = world.municipality.pk

    dashboard = {f.indicator: f for f in figures(world.head, muni, OCTOBER, Filters(), NOW)}

    received = dashboard[Indicator.RECEIVED]
    assert (received.value, received.previous) == (7.0, 2.0)  # September: A and I
    assert received.change == pytest.approx(2.5)
    assert dashboard[Indicator.ANSWERED].previous == 1.0  # I
    in_time = dashboard[Indicator.IN_TIME]
    assert in_time.previous == 1.0
    assert in_time.better is False
    assert dashboard[Indicator.OVERDUE_NOW].previous is None

    def behind(indicator: Indicator) -> set[str]:
        found = cases_behind(indicator, world.head, muni, OCTOBER, Filters(), NOW)
        numbers = {c.number: name for name, c in cases.items()}
        return {numbers[n] for n in found.values_list("number", flat=True)}

    assert behind(Indicator.IN_TIME) == {"E"}  # the late ones
    assert behind(Indicator.OVERDUE_NOW) == {"G"}
    assert behind(Indicator.BRUSH_OFF) == {"H"}
    assert behind(Indicator.SATISFACTION) == {"C"}
    assert behind(Indicator.ANSWERED) == {"A", "B", "C", "E", "F", "H"}
    assert behind(Indicator.WITHOUT_ANSWER) == {"D"}


def test_slices_and_scope_count_a_moved_case_where_it_is_now(world: World, october: Any) -> None:
    muni = world.municipality.pk

    table = cut(Indicator.RECEIVED, world.head, muni, OCTOBER, Filters(), Dimension.DEPARTMENT)
    by_name = {label: table.value(key, None) for key, label in table.rows}
    assert by_name == {world.housing.name: 5.0, world.roads.name: 2.0}  # H is housing's now

    answer_days = cut(
        Indicator.ANSWER_MEDIAN,
        world.head,
        muni,
        OCTOBER,
        Filters(),
        Dimension.DEPARTMENT,
        Dimension.MONTH,
    )
    assert answer_days.value(world.roads.pk, date(2026, 10, 1)) == (DAY + 4 * DAY) / 2  # C B

    roads = _october(world, world.roads_executor)
    assert roads[Indicator.RECEIVED] == 2.0
    assert roads[Indicator.OVERDUE_NOW] == 0.0
    only_appeals = values(
        [Indicator.RECEIVED],
        world.head,
        muni,
        OCTOBER,
        Filters(regimes=(Regime.APPEAL.value,)),
        NOW,
    )
    assert only_appeals[Indicator.RECEIVED] == 2.0  # D and G


def test_incremental_updates_equal_a_rebuild_and_the_sql_sums(world: World, october: Any) -> None:
    fields = [f.attname for f in DailyRollup._meta.concrete_fields if f.attname != "id"]
    incremental = sorted(DailyRollup.objects.values_list(*fields), key=str)
    facts = sorted(CaseFact.objects.values_list(), key=str)

    assert rebuild_rollups() == 9

    assert sorted(DailyRollup.objects.values_list(*fields), key=str) == incremental
    assert sorted(CaseFact.objects.values_list(), key=str) == facts
    assert update_rollups() == 0
    assert sorted(DailyRollup.objects.values_list(*fields), key=str) == incremental


def test_a_deleted_case_leaves_the_counters(world: World, october: dict[str, Case]) -> None:
    cases = october

    cases["G"].delete()  # as a retention job would
    update_rollups()

    assert _october(world)[Indicator.RECEIVED] == 6.0
    assert not CaseFact.objects.filter(case_id=cases["G"].pk).exists()
