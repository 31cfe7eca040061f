"""The state machine: every allowed transition works, forbidden ones change nothing."""

import itertools

import pytest

from tests.personas import NOW, World, make_case
from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Answer, Case, Event
from veche.cases.services import assign_case, change_status, draft_answer
from veche.cases.workflow import (
    FORBIDDEN_IN_REGIME,
    TRANSITIONS,
    Regime,
    Status,
    allowed_transitions,
)

ALLOWED = [
    (regime, source, target)
    for regime in Regime
    for source, targets in TRANSITIONS.items()
    for target in sorted(targets - FORBIDDEN_IN_REGIME[regime])
    if source not in FORBIDDEN_IN_REGIME[regime]
]
FORBIDDEN = [
    (source, target)
    for source, target in itertools.product(Status, Status)
    if target not in TRANSITIONS[source]
]


def _case_in(world: World, status: Status, regime: Regime) -> Case:
    case = make_case(world.municipality, regime=regime, department=world.housing)
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


def test_every_status_has_a_row_and_every_target_is_a_status() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert all(targets <= set(Status) for targets in TRANSITIONS.values())


def test_every_open_status_can_eventually_close() -> None:
    reachable = {Status.NEW}
    frontier = [Status.NEW]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(Status)


@pytest.mark.parametrize(("regime", "source", "target"), ALLOWED)
def test_allowed_transition_changes_status_and_writes_event(
    world: World, regime: Regime, source: Status, target: Status
) -> None:
    case = _case_in(world, source, regime)
    approval = target == Status.ANSWER_APPROVED
    if approval:  # approving approves the final draft, and says so in an event of its own
        Answer.objects.create(
            case=case, text="Проект ответа", created_by=world.head, created_at=NOW
        )
    events_before = case.events.count()

    changed = change_status(case, target, by=world.head, now=NOW, comment="по регламенту")

    assert changed.status == target
    event = case.events.filter(kind=Event.Kind.STATUS_CHANGED).order_by("-id").first()
    assert event is not None
    assert case.events.count() == events_before + (2 if approval else 1)
    assert (event.kind, event.before, event.after, event.actor, event.comment) == (
        Event.Kind.STATUS_CHANGED,
        {"status": source.value},
        {"status": target.value},
        world.head,
        "по регламенту",
    )


# Every forbidden pair is checked by the pure table; a sample goes through the service.
@pytest.mark.parametrize(("source", "target"), FORBIDDEN[::7])
def test_forbidden_transition_is_refused_and_changes_nothing(
    world: World, source: Status, target: Status
) -> None:
    case = _case_in(world, source, Regime.APPEAL)
    events_before = case.events.count()

    with pytest.raises(CaseError) as error:
        change_status(case, target, by=world.head, now=NOW)

    assert error.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    case.refresh_from_db()
    assert (case.status, case.events.count()) == (source, events_before)


def test_forbidden_pairs_are_absent_from_the_table() -> None:
    for source, target in FORBIDDEN:
        assert target not in allowed_transitions(source, Regime.APPEAL)


@pytest.mark.parametrize("regime", [Regime.MESSAGE, Regime.INCIDENT])
def test_only_appeals_and_info_requests_can_be_extended(world: World, regime: Regime) -> None:
    case = _case_in(world, Status.IN_WORK, regime)

    with pytest.raises(CaseError):
        change_status(case, Status.EXTENDED, by=world.head, now=NOW)

    assert Status.EXTENDED in allowed_transitions(Status.IN_WORK, Regime.APPEAL)
    assert Status.EXTENDED in allowed_transitions(Status.IN_WORK, Regime.INFO_REQUEST)


def test_appeal_walks_from_receipt_to_closure(world: World) -> None:
    """A 59-ФЗ appeal: registered, routed, worked, interim answer, extended, answered, closed."""
    case = make_case(world.municipality, regime=Regime.APPEAL)
    assign_case(case, world.housing, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    draft_answer(
        case,
        "Работы запланированы на май.",
        kind=Answer.Kind.INTERIM,
        by=world.housing_executor,
        now=NOW,
    )
    change_status(case, Status.INTERIM_ANSWER, by=world.housing_executor, now=NOW)
    change_status(case, Status.EXTENDED, by=world.head, now=NOW, comment="запрос документов")
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    draft_answer(case, "Яма заделана 12 мая.", by=world.housing_executor, now=NOW)
    change_status(case, Status.ANSWER_APPROVED, by=world.head, now=NOW)
    change_status(case, Status.ANSWERED, by=world.operator, now=NOW)
    change_status(case, Status.CLOSED, by=world.operator, now=NOW)

    case.refresh_from_db()
    statuses = [e.after["status"] for e in case.events.filter(kind=Event.Kind.STATUS_CHANGED)]
    assert case.status == Status.CLOSED
    assert case.registered_at == NOW
    assert statuses == [
        "registered",
        "assigned",
        "in_work",
        "interim_answer",
        "extended",
        "in_work",
        "answer_drafted",
        "answer_approved",
        "answered",
        "closed",
    ]
    assert list(case.answers.values_list("kind", flat=True)) == ["interim", "final"]


def test_executor_cannot_approve_an_answer(world: World) -> None:
    case = _case_in(world, Status.ANSWER_DRAFTED, Regime.MESSAGE)

    with pytest.raises(CaseError) as error:
        change_status(case, Status.ANSWER_APPROVED, by=world.housing_executor, now=NOW)

    assert error.value.code == ErrorCode.FORBIDDEN
    case.refresh_from_db()
    assert case.status == Status.ANSWER_DRAFTED


def test_assigned_status_needs_a_department(world: World) -> None:
    case = make_case(world.municipality)
    change_status(case, Status.REGISTERED, by=world.operator, now=NOW)

    with pytest.raises(CaseError) as error:
        change_status(case, Status.ASSIGNED, by=world.operator, now=NOW)

    assert error.value.code == ErrorCode.INVALID
    case.refresh_from_db()
    assert case.status == Status.REGISTERED
