"""The clocks of one case in memory and what happens to them: a status change (the table
below), a pause, an extension, a promise. The services load a `ClockBook`, change it, save
what it changed and write its note on the case's timeline; the import path replays a whole
history through the same book, so an imported case gets the clocks it would have had."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property

from veche.cases.services import ClockNote
from veche.cases.workflow import Status
from veche.deadlines.calendar import ProductionCalendar
from veche.deadlines.clocks import OPEN_STATES, Anchor, ClockKind, ClockState, Unit, due_at
from veche.deadlines.errors import DeadlineError, ErrorCode
from veche.deadlines.models import Clock, DeadlinePolicy
from veche.deadlines.policies import CaseKey, PolicyBook
from veche.org.models import User

S = Status


class Milestone(StrEnum):
    REGISTERED = Anchor.REGISTERED.value
    FIRST_REACTION = Anchor.FIRST_REACTION.value
    ANSWERED = "answered"
    REDIRECTED = "redirected"


STOPPED_BY: dict[ClockKind, Milestone] = {
    ClockKind.REGISTRATION: Milestone.REGISTERED,
    ClockKind.FIRST_REACTION: Milestone.FIRST_REACTION,
    ClockKind.ANSWER: Milestone.ANSWERED,
    ClockKind.REDIRECT: Milestone.REDIRECTED,
}

# What a status change reaches. The first reaction is the first answer the citizen gets,
# interim or final: ИМ scores the first answer in the thread apart from the final one
# (DOMAIN.md §3, §8 item 3). The answer clock stops when the final answer is sent.
REACHES: dict[Status, tuple[Milestone, ...]] = {
    S.REGISTERED: (Milestone.REGISTERED,),
    S.INTERIM_ANSWER: (Milestone.FIRST_REACTION,),
    S.ANSWERED: (Milestone.FIRST_REACTION, Milestone.ANSWERED),
    S.REDIRECTED: (Milestone.REDIRECTED,),
}

ALL_KINDS = frozenset(ClockKind)
# The clocks a status change closes as no longer applying. Taken in work: the case is in our
# competence, the 7-day redirect window (59-ФЗ ст. 8 ч. 3) is no longer watched. Redirected:
# our clocks end, the redirect clock is stopped by REACHES first. Merged, rejected, closed:
# nothing is due any more.
CLOSES: dict[Status, frozenset[ClockKind]] = {
    S.IN_WORK: frozenset({ClockKind.REDIRECT}),
    S.ANSWERED: frozenset({ClockKind.REDIRECT}),
    S.REDIRECTED: ALL_KINDS,
    S.MERGED: ALL_KINDS,
    S.REJECTED: ALL_KINDS,
    S.CLOSED: ALL_KINDS,
}

ANCHORS = frozenset(a.value for a in Anchor)
EFFECTIVE = frozenset({*REACHES, *CLOSES, S.ON_HOLD, S.EXTENDED, S.REOPENED})

KIND_NAMES = {
    ClockKind.REGISTRATION: "регистрации",
    ClockKind.FIRST_REACTION: "первой реакции",
    ClockKind.REDIRECT: "переадресации",
    ClockKind.ANSWER: "ответа",
}
UNIT_NAMES = {
    Unit.CALENDAR_DAYS: "календарных дней",
    Unit.WORKING_DAYS: "рабочих дней",
    Unit.HOURS: "часов",
    Unit.WORKING_HOURS: "рабочих часов",
}


def affects_clocks(before: Status, after: Status) -> bool:
    """Whether a status change can change a clock: the others cost no query at all."""
    return after in EFFECTIVE or before == S.ON_HOLD


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    key: CaseKey
    received_at: datetime


class ClockBook:
    def __init__(
        self,
        facts: CaseFacts,
        clocks: list[Clock],
        *,
        policies: Callable[[], PolicyBook],
        calendar: Callable[[], ProductionCalendar],
    ):
        self.facts = facts
        self.clocks = sorted(clocks, key=lambda c: (c.number, c.started_at))
        self._policies = policies
        self._calendar = calendar
        self.created: list[Clock] = []
        self.changed: dict[str, Clock] = {}
        self.before: dict[str, dict[str, object]] = {}
        self.remarks: list[str] = []

    @cached_property
    def policies(self) -> PolicyBook:
        return self._policies()

    @cached_property
    def calendar(self) -> ProductionCalendar:
        return self._calendar()

    # --- reading ------------------------------------------------------------------------------

    @property
    def number(self) -> int:
        return max((c.number for c in self.clocks), default=1)

    def current(self, kind: ClockKind) -> Clock | None:
        return next((c for c in self.clocks if c.kind == kind and c.number == self.number), None)

    def open_clocks(self) -> list[Clock]:
        return [c for c in self.clocks if c.state in OPEN_STATES]

    # --- what happens -------------------------------------------------------------------------

    def receive(self) -> None:
        """The case has arrived: start the clocks counted from receipt."""
        self._start_counted_from(Anchor.RECEIVED, self.facts.received_at)

    def apply_status(self, before: Status, after: Status, at: datetime, reason: str = "") -> None:
        if before == S.ON_HOLD and after != S.ON_HOLD:
            self.resume(at)
        for milestone in REACHES.get(after, ()):
            self.reach(milestone, at)
        for clock in self.open_clocks():
            if ClockKind(clock.kind) in CLOSES.get(after, frozenset()):
                self._close(clock, at, f"статус «{after.label}»")
        if after == S.ON_HOLD:
            self.pause(at)
        elif after == S.EXTENDED:
            self._extend_by_status(at, reason)
        elif after == S.REOPENED:
            self.reopen(at)

    def reach(self, milestone: Milestone, at: datetime) -> None:
        for clock in self.open_clocks():
            if STOPPED_BY[ClockKind(clock.kind)] == milestone:
                self._stop(clock, at)
        if milestone.value in ANCHORS:
            self._start_counted_from(Anchor(milestone.value), at)

    def pause(self, at: datetime) -> None:
        """Waiting for the citizen: clocks whose policy allows it stop counting."""
        for clock in self.open_clocks():
            name = KIND_NAMES[ClockKind(clock.kind)]
            if clock.state == ClockState.PAUSED:
                continue
            if not clock.policy.pauses_while_waiting:
                self.remarks.append(f"Срок {name} не приостанавливается ({clock.policy.source})")
                continue
            self._touch(clock)
            clock.pauses = [*clock.pauses, [at.isoformat(), None]]
            clock.state = ClockState.PAUSED
            self.remarks.append(f"Срок {name} приостановлен: ожидание заявителя")

    def resume(self, at: datetime) -> None:
        for clock in self.open_clocks():
            if clock.state != ClockState.PAUSED:
                continue
            self._touch(clock)
            self._end_pause(clock, at)
            clock.state = ClockState.RUNNING
            clock.due_at = self._due(clock)
            name = KIND_NAMES[ClockKind(clock.kind)]
            self.remarks.append(f"Срок {name} возобновлён: {self.due_text(clock.due_at)}")

    def extend(self, amount: int, reason: str, at: datetime) -> Clock:
        """One extension of the answer clock, with a reason, where the policy allows it
        (59-ФЗ ст. 12 ч. 2: ≤ 30 days, the citizen notified; 8-ФЗ ст. 18 ч. 6: ≤ 15)."""
        clock = self.current(ClockKind.ANSWER)
        if clock is None or clock.state not in OPEN_STATES:
            raise DeadlineError(ErrorCode.NO_CLOCK, "Срок ответа не идёт: продлевать нечего.")
        policy = clock.policy
        unit = UNIT_NAMES[Unit(policy.unit)]
        if policy.max_extension == 0:
            raise DeadlineError(
                ErrorCode.NOT_ALLOWED, f"Продление срока не предусмотрено ({policy.source})."
            )
        if clock.extended_by:
            raise DeadlineError(
                ErrorCode.ALREADY_EXTENDED,
                f"Срок ответа уже продлевали на {clock.extended_by} {unit}: "
                "продлить можно только один раз.",
            )
        if not 0 < amount <= policy.max_extension:
            raise DeadlineError(
                ErrorCode.INVALID, f"Продлить можно не более чем на {policy.max_extension} {unit}."
            )
        if not reason.strip():
            raise DeadlineError(ErrorCode.INVALID, "Укажите причину продления.")
        self._touch(clock)
        clock.extended_by = amount
        clock.extension_reason = reason.strip()
        clock.due_at = self._due(clock)
        self.remarks.append(
            f"Срок ответа продлён на {amount} {unit}: {self.due_text(clock.due_at)}. "
            f"Причина: {clock.extension_reason}"
        )
        return clock

    def promise(self, promised_at: datetime) -> Clock:
        """An interim answer promised the final one by `promised_at`: kept on the answer
        clock for the card and the reminders; the due date stays what the policy says."""
        clock = self.current(ClockKind.ANSWER)
        if clock is None or clock.state not in OPEN_STATES:
            raise DeadlineError(ErrorCode.NO_CLOCK, "Срок ответа не идёт.")
        if promised_at > clock.due_at:
            hint = " Сначала продлите срок." if clock.policy.max_extension else ""
            raise DeadlineError(
                ErrorCode.INVALID,
                f"Обещанная дата позже срока ответа ({self.due_text(clock.due_at)}).{hint}",
            )
        self._touch(clock)
        clock.promised_at = promised_at
        self.remarks.append(f"Окончательный ответ обещан {self.due_text(promised_at)}")
        return clock

    def reopen(self, at: datetime) -> None:
        """A new answer clock, numbered on, under the policy in force now."""
        for clock in self.open_clocks():
            self._close(clock, at, "обращение возобновлено")
        policy = self.policies.pick(self.facts.key, ClockKind.ANSWER, at)
        if policy is not None:
            self._start(policy, at, self.number + 1)

    # --- the result ---------------------------------------------------------------------------

    def note(self, at: datetime, by: User | None) -> ClockNote | None:
        touched = [*self.changed.values(), *self.created]
        if not touched and not self.remarks:
            return None
        return ClockNote(
            case_id=self.facts.case_id,
            at=at,
            before=dict(self.before),
            after={_label(c): _snapshot(c) for c in touched},
            comment="; ".join(self.remarks),
            by=by,
        )

    def due_text(self, moment: datetime) -> str:
        """«по 30.01.2025» for a day term (ending at local midnight), else «до 19.05.2025 11:00»."""
        local = moment.astimezone(self.calendar.zone)
        if (local.hour, local.minute, local.second) == (0, 0, 0):
            return f"по {local.date() - timedelta(days=1):%d.%m.%Y}"
        return f"до {local:%d.%m.%Y %H:%M}"

    # --- helpers ------------------------------------------------------------------------------

    def _start_counted_from(self, anchor: Anchor, at: datetime) -> None:
        number = self.number
        for policy in self.policies.counted_from(self.facts.key, anchor, self.facts.received_at):
            if not any(c.kind == policy.kind and c.number == number for c in self.clocks):
                self._start(policy, at, number)

    def _start(self, policy: DeadlinePolicy, at: datetime, number: int) -> Clock:
        clock = Clock(
            case_id=self.facts.case_id,
            municipality_id=self.facts.key.municipality_id,
            kind=policy.kind,
            number=number,
            policy=policy,
            state=ClockState.RUNNING,
            started_at=at,
        )
        clock.due_at = self._due(clock)
        self.clocks.append(clock)
        self.created.append(clock)
        name = KIND_NAMES[ClockKind(clock.kind)]
        self.remarks.append(f"Срок {name}: {self.due_text(clock.due_at)} ({policy.source})")
        return clock

    def _stop(self, clock: Clock, at: datetime) -> None:
        self._touch(clock)
        if clock.state == ClockState.PAUSED:
            self._end_pause(clock, at)
            clock.due_at = self._due(clock)
        clock.state = ClockState.MET if at <= clock.due_at else ClockState.MISSED
        clock.stopped_at = at
        verdict = "соблюдён" if clock.state == ClockState.MET else "нарушен"
        self.remarks.append(f"Срок {KIND_NAMES[ClockKind(clock.kind)]} {verdict}")

    def _close(self, clock: Clock, at: datetime, why: str) -> None:
        self._touch(clock)
        if clock.state == ClockState.PAUSED:
            self._end_pause(clock, at)
        clock.state = ClockState.CLOSED
        clock.stopped_at = at
        self.remarks.append(f"Срок {KIND_NAMES[ClockKind(clock.kind)]} снят: {why}")

    def _extend_by_status(self, at: datetime, reason: str) -> None:
        """«Срок продлён» set without `extend_deadline` (an import, a plain status change):
        the law's maximum, since the history does not say by how much."""
        clock = self.current(ClockKind.ANSWER)
        if clock is None or clock.extended_by or clock.state not in OPEN_STATES:
            return
        if clock.policy.max_extension:
            why = reason or "статус «Срок продлён» без указания срока"
            self.extend(clock.policy.max_extension, why, at)

    def _end_pause(self, clock: Clock, at: datetime) -> None:
        pauses = [list(p) for p in clock.pauses]
        if pauses and pauses[-1][1] is None:
            pauses[-1][1] = at.isoformat()
        clock.pauses = pauses

    def _due(self, clock: Clock) -> datetime:
        return due_at(
            self.calendar,
            clock.policy.term,
            clock.started_at,
            extension=clock.extended_by,
            pauses=clock.pause_list(),
        )

    def _touch(self, clock: Clock) -> None:
        if clock.pk is None:
            return  # created in this book: its start is the change
        label = _label(clock)
        if label not in self.before:
            self.before[label] = _snapshot(clock)
            self.changed[label] = clock


def _label(clock: Clock) -> str:
    return f"{clock.kind}#{clock.number}"


def _snapshot(clock: Clock) -> dict[str, object]:
    shot: dict[str, object] = {"state": clock.state, "due_at": clock.due_at.isoformat()}
    if clock.stopped_at:
        shot["stopped_at"] = clock.stopped_at.isoformat()
    if clock.extended_by:
        shot["extended_by"] = clock.extended_by
    if clock.promised_at:
        shot["promised_at"] = clock.promised_at.isoformat()
    if clock.pauses:
        shot["pauses"] = clock.pauses
    return shot
