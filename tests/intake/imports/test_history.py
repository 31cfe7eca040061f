"""From what an export says to workflow steps (pure)."""

from datetime import UTC, datetime, timedelta

from veche.cases.workflow import Regime, Status
from veche.intake.imports.history import AnswerFact, Current, Facts, plan, route

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
S = Status


def _statuses(facts: Facts, current: Current | None = None) -> list[str]:
    return [str(s.status) for s in plan(facts, Regime.INCIDENT, current) if s.status]


def test_a_closed_incident_walks_the_whole_road() -> None:
    facts = Facts(
        received_at=T0,
        status=S.CLOSED,
        department_id=1,
        answers=(AnswerFact("Передано специалисту", T0), AnswerFact("Сделано", T0)),
        finished_at=T0 + timedelta(days=1),
    )

    assert _statuses(facts) == [
        "registered", "assigned", "in_work", "interim_answer", "answer_drafted",
        "answer_approved", "answered", "closed",
    ]  # fmt: skip


def test_without_a_department_the_case_stays_registered() -> None:
    steps = plan(
        Facts(received_at=T0, status=S.CLOSED, answers=(AnswerFact("Сделано"),)), Regime.INCIDENT
    )

    assert [str(s.status) for s in steps if s.status] == ["registered"]
    assert [(s.answer_text, str(s.answer_kind)) for s in steps if s.answer_text] == [
        ("Сделано", "final")
    ]


def test_known_state_needs_no_steps() -> None:
    facts = Facts(received_at=T0, status=S.ANSWERED, department_id=1, answers=(AnswerFact("Да"),))
    current = Current(status=S.CLOSED, department_id=1, answers=frozenset({"Да"}))

    assert plan(facts, Regime.INCIDENT, current) == []


def test_step_times_never_go_backwards() -> None:
    facts = Facts(
        received_at=T0, status=S.IN_WORK, department_id=1, assigned_at=T0 - timedelta(hours=3)
    )

    assert all(s.at >= T0 for s in plan(facts, Regime.INCIDENT))


def test_route_needs_a_department_for_assignment() -> None:
    assert route(S.REGISTERED, S.IN_WORK, Regime.MESSAGE, has_department=False) is None
    assert route(S.REOPENED, S.CLOSED, Regime.MESSAGE, has_department=True) == [
        S.IN_WORK, S.ANSWER_DRAFTED, S.ANSWER_APPROVED, S.ANSWERED, S.CLOSED,
    ]  # fmt: skip
