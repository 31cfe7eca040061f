"""What happened to a case after it arrived, as `Step`s that follow the workflow table.

A full history is planned from the arrival (registration, routing, work, approval, answer,
survey) with durations by regime, then cut at `now`: old cases end closed, recent ones stop
wherever their clock has got to, and a few stuck ones stay open long past their deadline.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from math import log

from veche.cases.models import Answer
from veche.cases.services import Step
from veche.cases.workflow import Regime, Status
from veche.demo.timing import duty_time, office_time

S = Status
Clock = Callable[[datetime, random.Random], datetime]
Writer = Callable[[datetime], str]

REJECT_REASONS = ("Спам", "Реклама", "Не содержит сути обращения", "Оскорбительные выражения")
HOLD_REASONS = ("Запрошено уточнение адреса у заявителя", "Запрошены фотографии у заявителя")


class Outcome(StrEnum):
    ANSWER = "answer"
    REDIRECT = "redirect"
    REJECT = "reject"
    MERGE = "merge"


@dataclass(frozen=True)
class Route:
    department_id: int
    wrong_department_id: int | None  # routed there first, then re-routed
    officer_id: int | None  # registers, routes and publishes
    executor_id: int | None
    approver_id: int | None


@dataclass(frozen=True)
class Plan:
    regime: Regime
    outcome: Outcome
    route: Route
    received: datetime  # local time
    acute: bool
    interim: Writer
    final: Writer
    redirect_to: str = ""
    merge_into: str = ""  # external id of an earlier case about the same problem and place
    speed: float = 1.0  # share of the usual working time: a fast track answers sooner


# (median hours from taking the case to a draft answer, spread, cap in hours)
WORK_HOURS: dict[Regime, tuple[float, float, float]] = {
    Regime.INCIDENT: (30, 0.9, 240),
    Regime.MESSAGE: (120, 0.7, 600),
    Regime.APPEAL: (330, 0.45, 650),
    Regime.INFO_REQUEST: (360, 0.4, 650),
}
INTERIM_SHARE = {
    Regime.INCIDENT: 0.45,
    Regime.MESSAGE: 0.15,
    Regime.APPEAL: 0.12,
    Regime.INFO_REQUEST: 0.05,
}


class Timeline:
    """Steps at a moving clock; every step moves the case on from where it is."""

    def __init__(self, plan: Plan, rng: random.Random) -> None:
        self.plan = plan
        self.rng = rng
        self.at = plan.received
        self.steps: list[Step] = []
        self.clock: Clock = duty_time if plan.regime == Regime.INCIDENT else office_time

    def wait(self, low: float, high: float | None = None) -> None:
        hours = low if high is None else self.rng.uniform(low, high)
        self.at = self.clock(self.at + timedelta(hours=hours), self.rng)

    def status(
        self,
        status: Status,
        actor: int | None,
        comment: str = "",
        *,
        text: str = "",
        merge_into: str = "",
    ) -> None:
        kind = Answer.Kind.INTERIM if status == S.INTERIM_ANSWER else Answer.Kind.FINAL
        self.steps.append(
            Step(at=self.at, status=status, actor_id=actor, comment=comment, answer_text=text,
                 answer_kind=kind, merge_into=merge_into)
        )  # fmt: skip

    def assign(self, department_id: int, actor: int | None, comment: str = "") -> None:
        self.steps.append(
            Step(at=self.at, department_id=department_id, actor_id=actor, comment=comment)
        )


def plan_steps(plan: Plan, now: datetime, rng: random.Random) -> list[Step]:
    timeline = Timeline(plan, rng)
    {
        Outcome.REJECT: _reject,
        Outcome.MERGE: _merge,
        Outcome.REDIRECT: _redirect,
        Outcome.ANSWER: _answer,
    }[plan.outcome](timeline)
    return _cut(timeline.steps, now)


def _cut(steps: list[Step], now: datetime) -> list[Step]:
    """What has happened by now; a final answer not yet sent stays on its draft."""
    done = [s for s in steps if s.at <= now]
    if len(done) == len(steps):
        return done
    sent = [s for s in steps[len(done) :] if s.status == S.ANSWERED and s.answer_text]
    drafts = [i for i, s in enumerate(done) if s.status == S.ANSWER_DRAFTED]
    last = next((s.status for s in reversed(done) if s.status is not None), None)
    if sent and drafts and last in (S.ANSWER_DRAFTED, S.ANSWER_APPROVED):
        done[drafts[-1]] = replace(done[drafts[-1]], answer_text=sent[0].answer_text)
    return done


def _register(tl: Timeline) -> None:
    regime = tl.plan.regime
    if regime == Regime.INCIDENT:
        tl.wait(0.1, 1.5)
    elif regime == Regime.MESSAGE:
        tl.wait(tl.rng.expovariate(1 / 8))
    else:
        tl.wait(2, 60)
    tl.status(S.REGISTERED, tl.plan.route.officer_id)


def _reject(tl: Timeline) -> None:
    tl.wait(0.2, 8)
    tl.status(S.REJECTED, tl.plan.route.officer_id, tl.rng.choice(REJECT_REASONS))


def _merge(tl: Timeline) -> None:
    if tl.rng.random() < 0.5:
        _register(tl)
    tl.wait(0.3, 6)
    comment = "Объединено с ранее поступившим сообщением о той же проблеме"
    tl.status(S.MERGED, tl.plan.route.officer_id, comment, merge_into=tl.plan.merge_into)


def _redirect(tl: Timeline) -> None:
    """59-ФЗ ст. 8 ч. 3: sent to the competent body within 7 days, the citizen notified."""
    _register(tl)
    tl.wait(4, 120)
    comment = f"Переадресовано по компетенции: {tl.plan.redirect_to}. Заявитель уведомлён."
    tl.status(S.REDIRECTED, tl.plan.route.officer_id, comment)
    if tl.rng.random() < 0.6:
        tl.wait(2, 48)
        tl.status(S.CLOSED, None)


def _answer(tl: Timeline) -> None:
    rng, route = tl.rng, tl.plan.route
    _register(tl)
    if tl.plan.regime != Regime.INCIDENT and rng.random() < 0.03:
        tl.status(S.ON_HOLD, route.officer_id, rng.choice(HOLD_REASONS))
        tl.wait(24, 96)
        tl.status(S.REGISTERED, route.officer_id, "Заявитель уточнил сведения")
    _route(tl)
    _work(tl)
    _draft_and_send(tl)
    if rng.random() < 0.04:
        _reopen(tl)
    if rng.random() < 0.85:
        tl.wait(*((2, 72) if tl.plan.regime == Regime.APPEAL else (24, 240)))
        tl.status(S.CLOSED, route.officer_id if rng.random() < 0.5 else None)


def _route(tl: Timeline) -> None:
    route = tl.plan.route
    tl.wait(0.05, 4)
    first = route.wrong_department_id or route.department_id
    tl.assign(first, route.officer_id)
    tl.status(S.ASSIGNED, route.officer_id)
    if route.wrong_department_id is not None:
        tl.wait(2, 30)
        tl.assign(route.department_id, route.officer_id, "Переназначено: вопрос не в компетенции")


def _work(tl: Timeline) -> None:
    plan, rng = tl.plan, tl.rng
    tl.wait(0.2, 3 if plan.regime == Regime.INCIDENT else 20)
    tl.status(S.IN_WORK, plan.route.executor_id)
    if rng.random() < INTERIM_SHARE[plan.regime]:
        tl.wait(*((0.3, 4) if plan.regime == Regime.INCIDENT else (24, 96)))
        tl.status(S.INTERIM_ANSWER, plan.route.executor_id, text=plan.interim(tl.at))
    hours = _work_hours(plan, rng)
    if plan.regime in (Regime.APPEAL, Regime.INFO_REQUEST) and rng.random() < 0.08:
        tl.wait(hours)
        comment = "Срок продлён на 30 дней: запрошены документы; заявитель уведомлён"
        tl.status(S.EXTENDED, plan.route.approver_id, comment)
        hours = rng.uniform(120, 550)
    tl.wait(hours)


def _work_hours(plan: Plan, rng: random.Random) -> float:
    median, spread, cap = WORK_HOURS[plan.regime]
    hours = min(rng.lognormvariate(log(median), spread), cap)
    if plan.acute:
        hours *= 0.35
    hours *= plan.speed
    if rng.random() < 0.04:  # stuck: these become the overdue ones
        hours *= rng.uniform(3, 8)
    return hours


def _draft_and_send(tl: Timeline) -> None:
    route, rng = tl.plan.route, tl.rng
    tl.status(S.ANSWER_DRAFTED, route.executor_id)
    if rng.random() < 0.06:
        tl.wait(4, 30)
        tl.status(S.IN_WORK, route.approver_id, "Возвращено на доработку: нет сроков и мер")
        tl.wait(24, 96)
        tl.status(S.ANSWER_DRAFTED, route.executor_id)
    tl.wait(0.5, 30)
    tl.status(S.ANSWER_APPROVED, route.approver_id)
    tl.wait(0.2, 6)
    tl.status(S.ANSWERED, route.officer_id, text=tl.plan.final(tl.at))


def _reopen(tl: Timeline) -> None:
    """The citizen is not satisfied: the case goes round once more (DOMAIN.md §8 item 12)."""
    route = tl.plan.route
    tl.wait(24, 120)
    tl.status(S.REOPENED, route.officer_id, "Заявитель не удовлетворён: проблема не решена")
    tl.wait(1, 8)
    tl.assign(route.department_id, route.officer_id)
    tl.status(S.ASSIGNED, route.officer_id)
    tl.wait(2, 20)
    tl.status(S.IN_WORK, route.executor_id)
    tl.wait(48, 200)
    _draft_and_send(tl)
