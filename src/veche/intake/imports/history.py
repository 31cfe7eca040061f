"""From what an export says about a case to the workflow steps that lead there. Pure.

The federal systems' status words are mapped to the Veche workflow here (a table, as in
`cases/workflow.py`); the steps are then found through the workflow's own transition table,
so an imported history is one the workflow allows, with an `Event` for every step.
"""

from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from veche.cases.models import Answer
from veche.cases.services import Step
from veche.cases.workflow import Regime, Status, allowed_transitions

S = Status

# «Текущий шаг инцидента» and «Итог» of Инцидент Менеджмент (DOMAIN.md §3: values seen are
# Готово and Оценка удовлетворенности; the others are the steps of the ИМ workflow it
# describes: assignment, work, approval «на согласовании», answer). Keys are case-folded.
IM_STEPS: dict[str, Status] = {
    "новый": S.REGISTERED,
    "новое": S.REGISTERED,
    "назначен": S.ASSIGNED,
    "назначено": S.ASSIGNED,
    "назначен исполнитель": S.ASSIGNED,
    "в работе": S.IN_WORK,
    "на согласовании": S.ANSWER_DRAFTED,
    "согласовано": S.ANSWER_APPROVED,
    "ответ опубликован": S.ANSWERED,
    # The satisfaction survey follows the answer (DOMAIN.md §3, «Опрос отправлен»).
    "оценка удовлетворенности": S.ANSWERED,
    "оценка удовлетворённости": S.ANSWERED,
    "готово": S.CLOSED,
    "закрыт": S.CLOSED,
    "закрыто": S.CLOSED,
}
# ПОС statuses are not published (DOMAIN.md §2.3, «not confirmed»): the citizen-visible states
# generally seen — registered, in work, answered, rejected — in their usual wordings.
POS_STATUSES: dict[str, Status] = {
    "новое": S.REGISTERED,
    "новый": S.REGISTERED,
    "зарегистрировано": S.REGISTERED,
    "на модерации": S.REGISTERED,
    "назначено": S.ASSIGNED,
    "передано исполнителю": S.ASSIGNED,
    "в работе": S.IN_WORK,
    "на рассмотрении": S.IN_WORK,
    "промежуточный ответ": S.INTERIM_ANSWER,
    "дан промежуточный ответ": S.INTERIM_ANSWER,
    "на согласовании": S.ANSWER_DRAFTED,
    "ответ подготовлен": S.ANSWER_DRAFTED,
    "дан ответ": S.ANSWERED,
    "ответ направлен": S.ANSWERED,
    "решено": S.CLOSED,
    "закрыто": S.CLOSED,
    "отклонено": S.REJECTED,
    "отклонено модератором": S.REJECTED,
    "перенаправлено": S.REDIRECTED,
    "переадресовано": S.REDIRECTED,
}
# How far along a status is: an import only moves a case forward, so a re-import never
# undoes what officers did in Veche after the export was made.
RANK: dict[Status, int] = {
    S.NEW: 0,
    S.REGISTERED: 1,
    S.ON_HOLD: 1,
    S.ASSIGNED: 2,
    S.REOPENED: 2,
    S.IN_WORK: 3,
    S.INTERIM_ANSWER: 3,
    S.EXTENDED: 3,
    S.ANSWER_DRAFTED: 4,
    S.ANSWER_APPROVED: 5,
    S.ANSWERED: 6,
    S.CLOSED: 7,
    S.REDIRECTED: 7,
    S.MERGED: 7,
    S.REJECTED: 7,
}
# The ordinary road; a target off it (rejected, redirected) is added for the search.
ROAD = frozenset(
    {S.REGISTERED, S.ASSIGNED, S.IN_WORK, S.ANSWER_DRAFTED, S.ANSWER_APPROVED, S.ANSWERED, S.CLOSED}
)


@dataclass(frozen=True)
class AnswerFact:
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class Facts:
    """What one export row says about a case."""

    received_at: datetime
    status: Status = S.REGISTERED
    department_id: int | None = None
    assigned_at: datetime | None = None
    answers: Sequence[AnswerFact] = field(default_factory=tuple)
    finished_at: datetime | None = None


@dataclass(frozen=True)
class Current:
    """Where an existing case stands (a new case: the defaults)."""

    status: Status = S.NEW
    department_id: int | None = None
    answers: Collection[str] = frozenset()


@dataclass
class _Walk:
    regime: Regime
    status: Status
    department_id: int | None
    last: datetime
    actor_id: int | None = None
    steps: list[Step] = field(default_factory=list)

    def at(self, when: datetime | None) -> datetime:
        """Step times never go backwards, whatever the export's columns say."""
        self.last = max(self.last, when or self.last)
        return self.last

    def go(self, target: Status, when: datetime | None, answer: str = "") -> bool:
        path = route(self.status, target, self.regime, has_department=bool(self.department_id))
        if path is None:
            return False
        for status in path:
            text = answer if status == target else ""
            kind = Answer.Kind.INTERIM if status == S.INTERIM_ANSWER else Answer.Kind.FINAL
            self.steps.append(
                Step(
                    at=self.at(when),
                    status=status,
                    answer_text=text,
                    answer_kind=kind,
                    actor_id=self.actor_id,
                )
            )
            self.status = status
        return True


def plan(
    facts: Facts, regime: Regime, current: Current | None = None, *, actor_id: int | None = None
) -> list[Step]:
    """The steps that bring a case from where it stands to what the export says: nothing when
    it is already there or further, so importing the same file twice changes nothing."""
    now = current or Current()
    walk = _Walk(regime, now.status, now.department_id, facts.received_at, actor_id)
    if now.status == S.NEW:
        walk.go(S.REGISTERED, facts.received_at)
    answers = [a for a in facts.answers if a.text and a.text not in now.answers]
    assignable = S.ASSIGNED in allowed_transitions(walk.status, regime)
    if walk.department_id is None and facts.department_id is not None and assignable:
        at = walk.at(_assigned_at(facts, answers))
        walk.steps.append(Step(at=at, department_id=facts.department_id, actor_id=actor_id))
        walk.department_id = facts.department_id
        walk.go(S.ASSIGNED, at)
    final = answers.pop() if answers and RANK[facts.status] >= RANK[S.ANSWERED] else None
    for answer in answers:
        if walk.status == S.INTERIM_ANSWER:
            walk.go(S.IN_WORK, answer.at)
        if not walk.go(S.INTERIM_ANSWER, answer.at, answer.text):
            walk.steps.append(_draft(walk, answer, Answer.Kind.INTERIM))
    forward = RANK[facts.status] > RANK[walk.status]
    if final is not None:
        if not (forward and _answer(walk, facts, final)):
            walk.steps.append(_draft(walk, final, Answer.Kind.FINAL))
    elif forward:
        late = RANK[facts.status] >= RANK[S.ANSWERED]
        walk.go(facts.status, facts.finished_at if late else facts.assigned_at)
    return walk.steps


def _assigned_at(facts: Facts, answers: Sequence[AnswerFact]) -> datetime | None:
    """ИМ gives the time of the *last* assignment, often after the ЦУР's first answer; a
    case is answered only once in work, so it counts as assigned by its first answer, and the
    first-answer time (the figure ЦУР ratings score, DOMAIN.md §3) stays true."""
    times = [t for t in (facts.assigned_at, *(a.at for a in answers)) if t is not None]
    return min(times) if times else None


def _answer(walk: _Walk, facts: Facts, final: AnswerFact) -> bool:
    """The final answer: drafted, approved and sent on the way to the export's status."""
    if not walk.go(S.ANSWERED, final.at or facts.finished_at, final.text):
        return False
    return facts.status == S.ANSWERED or walk.go(facts.status, facts.finished_at)


def _draft(walk: _Walk, answer: AnswerFact, kind: Answer.Kind) -> Step:
    """An answer the workflow cannot place (no department yet): kept as a draft."""
    return Step(
        at=walk.at(answer.at), answer_text=answer.text, answer_kind=kind, actor_id=walk.actor_id
    )


def route(
    start: Status, target: Status, regime: Regime, *, has_department: bool
) -> list[Status] | None:
    """The shortest allowed road from `start` to `target` (without `start`), or None.
    Assignment needs a department, so without one the road cannot pass «Назначено»."""
    if start == target:
        return []
    allowed = ROAD | {target}
    if not has_department:
        allowed = allowed - {S.ASSIGNED}
    previous: dict[Status, Status] = {}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        for nxt in sorted(allowed_transitions(status, regime) & allowed):
            if nxt in previous or nxt == start:
                continue
            previous[nxt] = status
            if nxt == target:
                return _unwind(previous, start, target)
            queue.append(nxt)
    return None


def _unwind(previous: dict[Status, Status], start: Status, target: Status) -> list[Status]:
    path = [target]
    while previous[path[-1]] != start:
        path.append(previous[path[-1]])
    return path[::-1]
