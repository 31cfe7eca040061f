"""Daily rollups: counted from the timeline, on the municipality's local days, and the same
whether kept up incrementally or rebuilt from scratch."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core.management import call_command

from tests.personas import World, make_case
from veche.analytics.models import DailyRollup
from veche.analytics.rollups import update_rollups
from veche.analytics.tasks import update_rollups_task
from veche.cases.models import Case, Event
from veche.cases.services import (
    approve_answer,
    assign_case,
    change_status,
    change_topic,
    draft_answer,
    record_answer_sent,
)
from veche.cases.workflow import Regime, Status

pytestmark = pytest.mark.django_db

# 22.11 22:30 UTC is 23.11 01:30 in Moscow; 23.11 21:30 UTC is 24.11 00:30 in Moscow.
RECEIVED_LATE = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)
ASSIGNED = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
ANSWERED = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)
CLOSED = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
RECEIVED_DAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TOPIC_SET = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)

FIELDS = (
    "municipality_id", "day", "department_id", "received", "answered", "answer_seconds",
    "finished",
)  # fmt: skip


def _rows() -> list[tuple[Any, ...]]:
    return list(DailyRollup.objects.order_by(*FIELDS[:3]).values_list(*FIELDS))


def _answered_late_at_night(world: World) -> Case:
    """An appeal received in the Moscow night before the UTC day turns, answered after
    Moscow midnight the next day, then closed."""
    case = make_case(world.municipality, regime=Regime.APPEAL, received_at=RECEIVED_LATE)
    assign_case(case, world.housing, by=world.operator, now=ASSIGNED)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=ASSIGNED)
    answer = draft_answer(case, "Ямы засыпаны.", by=world.housing_executor, now=ASSIGNED)
    approve_answer(answer, by=world.head, now=ASSIGNED)
    record_answer_sent(answer, at=ANSWERED, via="pos")
    change_status(case, Status.CLOSED, by=None, now=CLOSED)
    return case


def _message_with_later_topic(world: World) -> Case:
    case = make_case(world.municipality, received_at=RECEIVED_DAY, department=world.roads)
    change_topic(case, world.topic_pits, by=world.operator, now=TOPIC_SET)
    return case


def test_each_counter_counts_on_the_local_day_of_its_moment(world: World) -> None:
    _answered_late_at_night(world)

    update_rollups()

    muni, housing = world.municipality.pk, world.housing.pk
    assert _rows() == [
        # Received at 01:30 Moscow time on the 23rd (still the 22nd in UTC).
        (muni, date(2026, 11, 23), housing, 1, 0, 0, 0),
        # Answered 23 h later, after Moscow midnight: the 24th.
        (muni, date(2026, 11, 24), housing, 0, 1, 82800, 0),
        (muni, date(2026, 11, 25), housing, 0, 0, 0, 1),
    ]


def test_a_case_received_before_moscow_midnight_in_utc_counts_on_its_moscow_day(
    world: World,
) -> None:
    make_case(world.municipality, received_at=RECEIVED_LATE)
    make_case(world.neighbour, received_at=datetime(2026, 11, 23, 19, 0, tzinfo=UTC))

    update_rollups()

    days = dict(DailyRollup.objects.values_list("municipality_id", "day"))
    # Moscow is UTC+3 (23.11 01:30), Omsk UTC+6 (24.11 01:00).
    assert days == {
        world.municipality.pk: date(2026, 11, 23),
        world.neighbour.pk: date(2026, 11, 24),
    }


def test_a_second_run_without_new_events_changes_nothing(world: World) -> None:
    _answered_late_at_night(world)
    update_rollups()
    before = _rows()

    assert update_rollups() == 0
    assert _rows() == before


def test_events_written_in_bulk_are_counted(world: World) -> None:
    """Imports write events with bulk_create, so no model signal fires: the cursor sees them."""
    case = make_case(world.municipality, received_at=RECEIVED_DAY)
    update_rollups()
    Event.objects.bulk_create(
        [
            Event(
                case=case,
                at=RECEIVED_DAY,
                kind=Event.Kind.STATUS_CHANGED,
                before={"status": Status.ASSIGNED.value},
                after={"status": Status.REDIRECTED.value},
            )
        ]
    )

    update_rollups()

    assert list(DailyRollup.objects.values_list("received", "redirected")) == [(1, 1)]


def test_the_periodic_task_and_the_command_update_the_rollups(world: World) -> None:
    _answered_late_at_night(world)
    update_rollups_task.call_local()
    counted = _rows()

    call_command("rollups", "--rebuild")

    assert _rows() == counted
    assert counted
