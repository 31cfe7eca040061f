"""Planned histories: allowed by the workflow table, cut at `now`, answers where they belong."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from veche.cases.workflow import Regime, Status, is_allowed
from veche.demo.lifecycle import Outcome, Plan, Route, plan_steps

RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ROUTE = Route(department_id=1, wrong_department_id=2, officer_id=10, executor_id=11, approver_id=12)


def _plan(regime: Regime, outcome: Outcome = Outcome.ANSWER) -> Plan:
    return Plan(
        regime=regime,
        outcome=outcome,
        route=ROUTE,
        received=RECEIVED,
        acute=False,
        interim=lambda at: f"interim {at:%d.%m}",
        final=lambda at: f"final {at:%d.%m}",
        redirect_to="Министерство",
    )


def _walk(steps, regime: Regime) -> Status:
    current = Status.NEW
    for step in steps:
        if step.status is not None:
            assert is_allowed(current, step.status, regime)
            current = step.status
    return current


@pytest.mark.parametrize("regime", list(Regime))
@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_planned_history_follows_the_workflow(regime: Regime, outcome: Outcome) -> None:
    far_future = RECEIVED + timedelta(days=1000)
    for seed in range(60):
        steps = plan_steps(_plan(regime, outcome), far_future, random.Random(seed))
        assert [s.at for s in steps] == sorted(s.at for s in steps)
        _walk(steps, regime)


def test_a_history_cut_before_sending_keeps_the_answer_on_its_draft() -> None:
    for seed in range(200):
        full = plan_steps(
            _plan(Regime.MESSAGE), RECEIVED + timedelta(days=1000), random.Random(seed)
        )
        drafted = [s for s in full if s.status == Status.ANSWER_DRAFTED]
        cut_at = drafted[-1].at
        steps = plan_steps(_plan(Regime.MESSAGE), cut_at, random.Random(seed))
        assert _walk(steps, Regime.MESSAGE) == Status.ANSWER_DRAFTED
        finals = [s.answer_text for s in steps if s.answer_text.startswith("final")]
        sent = [s for s in steps if s.status == Status.ANSWERED]
        assert len(finals) == len(sent) + 1
        assert steps[-1].answer_text.startswith("final")


def test_nothing_happens_after_now() -> None:
    now = RECEIVED + timedelta(hours=1)
    steps = plan_steps(_plan(Regime.APPEAL), now, random.Random(1))
    assert all(s.at <= now for s in steps)
    assert _walk(steps, Regime.APPEAL) == Status.NEW
