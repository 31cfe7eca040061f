"""Reminders and escalation: when a running clock has used a step of the ladder
(`ReminderRule`: 50 %, 80 %, the due moment, overdue), the people of that step get a
`Notification` — the executors of the case's department first, then its head, the block's
head and the МЦУ's head and deputies — once per clock, step and person. The daily digests
(`digests`) carry them by e-mail and Telegram; the page and the top bar show them at once.

A run does not scan every clock: each clock keeps the moment of its next step
(`Clock.next_reminder_at`, from `clocks.share_reached_at`), and `remind` reads only the
running clocks whose moment has come or that have none yet (new ones, and those whose due
date moved: the clock services clear it). A clock that jumped several steps at once (an
imported history, a stopped worker) gets only the highest: the ladder is cumulative, so its
people include the earlier steps', and nobody gets three messages about one case at once.

Only people who may see the case are told (`org.access`): a block's head named on the block
without a role in the municipality is not.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet

from veche.cases.models import Case
from veche.deadlines.book import KIND_NAMES
from veche.deadlines.calendar import ProductionCalendar
from veche.deadlines.calendar_store import calendar_for
from veche.deadlines.clocks import ClockKind, ClockState, share_reached_at, used_share
from veche.deadlines.models import REMINDED_ALL, Audience, Clock, Notification, ReminderRule
from veche.org.access import Action, Grant, Scope
from veche.org.models import Block, Membership, Municipality, Role

CHUNK = 500
# A step is reached when the share is within this of it (float rounding of the inverse).
EPSILON = 1e-6
# Never look at a clock again sooner than this (the run is every 10 minutes anyway).
MIN_GAP = timedelta(minutes=1)


@dataclass(frozen=True)
class Step:
    percent: int
    audiences: frozenset[Audience]

    @property
    def share(self) -> float:
        return self.percent / 100


def remind(*, now: datetime) -> int:
    """Notify the people of every step the running clocks of every municipality have
    reached by `now` and not yet notified. Returns how many notifications were made."""
    return sum(
        remind_municipality(municipality, now=now)
        for municipality in Municipality.objects.order_by("pk")
    )


def remind_municipality(municipality: Municipality, *, now: datetime) -> int:
    """One municipality's run, a transaction per chunk of clocks. Running it twice at the
    same moment makes nothing twice (one notification per clock, step and person)."""
    context: tuple[list[Step], ProductionCalendar, _People] | None = None
    made = 0
    while True:
        with transaction.atomic(durable=True):
            clocks = list(_clocks_to_look_at(municipality, now)[:CHUNK])
            if not clocks:
                return made  # the usual run: one query per municipality
            context = context or (
                reminder_ladder(municipality),
                calendar_for(municipality),
                _People.load(municipality),
            )
            made += _remind(clocks, *context, now=now)


def reminder_ladder(municipality: Municipality) -> list[Step]:
    """The municipality's own steps if it has any, else the installation's."""
    rules = list(ReminderRule.objects.filter(municipality=municipality)) or list(
        ReminderRule.objects.filter(municipality__isnull=True)
    )
    return sorted((Step(r.percent, r.audiences) for r in rules), key=lambda s: s.percent)


def reached_step(ladder: Sequence[Step], share: float) -> Step | None:
    """The highest step a clock that used `share` of its time has reached."""
    reached = [step for step in ladder if step.share <= share + EPSILON]
    return reached[-1] if reached else None


def reschedule_reminders(municipality: Municipality | None) -> int:
    """After the ladder changed: every running clock (of the municipality, or of all) is
    looked at again on the next run."""
    clocks = Clock.objects.filter(state=ClockState.RUNNING)
    if municipality is not None:
        clocks = clocks.filter(municipality=municipality)
    return clocks.update(next_reminder_at=None)


# --- helpers (no transactions) ----------------------------------------------------------------


def _clocks_to_look_at(municipality: Municipality, now: datetime) -> QuerySet[Clock]:
    """Served by the partial index `clock_running_reminder`; rows another run holds are
    skipped (PostgreSQL; SQLite runs one writer at a time anyway)."""
    return (
        Clock.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(municipality=municipality, state=ClockState.RUNNING)
        .filter(Q(next_reminder_at__lte=now) | Q(next_reminder_at__isnull=True))
        .select_related("policy", "case")
        .defer("case__text", "case__search_lemmas", "case__subject")
        .order_by("pk")
    )


def _remind(
    clocks: list[Clock],
    ladder: Sequence[Step],
    calendar: ProductionCalendar,
    people: "_People",
    *,
    now: datetime,
) -> int:
    fired = set(
        Notification.objects.filter(clock_id__in=[c.pk for c in clocks]).values_list(
            "clock_id", "step"
        )
    )
    made: list[Notification] = []
    for clock in clocks:
        term, pauses = clock.policy.term, clock.pause_list()
        share = used_share(calendar, term, clock.started_at, clock.due_at, pauses=pauses, now=now)
        step = reached_step(ladder, share)
        if step is not None and (clock.pk, step.percent) not in fired:
            text = notification_text(clock, step, zone=people.zone, now=now)
            made.extend(
                Notification(
                    user_id=user_id,
                    municipality_id=clock.municipality_id,
                    case_id=clock.case_id,
                    clock=clock,
                    step=step.percent,
                    audience=audience,
                    text=text,
                    created_at=now,
                )
                for user_id, audience in people.recipients(clock.case, step.audiences).items()
            )
        later = [s for s in ladder if s.share > share + EPSILON]
        clock.next_reminder_at = REMINDED_ALL
        if later:
            moment = share_reached_at(
                calendar,
                term,
                clock.started_at,
                clock.due_at,
                pauses=pauses,
                share=later[0].share,
                now=now,
            )
            clock.next_reminder_at = max(moment, now + MIN_GAP)
    Notification.objects.bulk_create(made, ignore_conflicts=True)
    Clock.objects.bulk_update(clocks, ["next_reminder_at"])
    return len(made)


def notification_text(clock: Clock, step: Step, *, zone: str, now: datetime) -> str:
    kind = KIND_NAMES[ClockKind(clock.kind)]
    due = f"{clock.due_at.astimezone(ZoneInfo(zone)):%d.%m.%Y %H:%M}"
    number = clock.case.number
    if step.percent < 100:
        return f"Обращение {number}: прошло {step.percent} % срока {kind}, срок — {due}."
    if step.percent == 100:
        verb = "истёк" if clock.due_at <= now else "истекает"
        return f"Обращение {number}: срок {kind} {verb} {due}."
    return f"Обращение {number}: срок {kind} просрочен — истёк {due}."


@dataclass
class _People:
    """A municipality's staff by what they answer for, read once per run (two queries)."""

    zone: str
    scopes: dict[int, Scope]
    executors: defaultdict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    department_heads: defaultdict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    block_heads: defaultdict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    centre_heads: set[int] = field(default_factory=set)
    curators: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, municipality: Municipality) -> "_People":
        rows = Membership.objects.filter(
            municipality=municipality, user__is_active=True
        ).values_list("user_id", "role", "department_id", "block_id")
        grants: defaultdict[int, list[Grant]] = defaultdict(list)
        for user_id, role, department_id, block_id in rows:
            grants[user_id].append(Grant(Role(role), municipality.pk, department_id, block_id))
        people = cls(
            zone=municipality.time_zone,
            scopes={user_id: Scope(tuple(g)) for user_id, g in grants.items()},
        )
        for user_id, role, department_id, block_id in rows:
            people._add(user_id, Role(role), department_id, block_id)
        heads = Block.objects.filter(municipality=municipality, head__is_active=True)
        for block_id, head_id in heads.values_list("pk", "head_id"):
            people.block_heads[block_id].add(head_id)
        return people

    def _add(
        self, user_id: int, role: Role, department_id: int | None, block_id: int | None
    ) -> None:
        if role == Role.EXECUTOR and department_id is not None:
            self.executors[department_id].add(user_id)
        elif role == Role.DEPARTMENT_HEAD and department_id is not None:
            self.department_heads[department_id].add(user_id)
        elif role == Role.BLOCK_HEAD and block_id is not None:
            self.block_heads[block_id].add(user_id)
        elif role in {Role.HEAD, Role.DEPUTY_HEAD}:
            self.centre_heads.add(user_id)
        elif role == Role.CURATOR:
            self.curators.add(user_id)

    def recipients(self, case: Case, audiences: frozenset[Audience]) -> dict[int, Audience]:
        """Who is told about the case, each once, as the highest of what they answer for.
        A case not routed yet has no executors: the МЦУ's curators route it, they are told."""
        found: dict[int, Audience] = {}
        for audience in Audience:  # from the executor up: a higher role overwrites
            if audience in audiences:
                found |= dict.fromkeys(self._of(case, audience), audience)
        return {
            user_id: audience
            for user_id, audience in found.items()
            if user_id in self.scopes and self.scopes[user_id].can(Action.VIEW, case)
        }

    def _of(self, case: Case, audience: Audience) -> set[int]:
        if audience == Audience.EXECUTOR:
            if case.department_id is None:
                return self.curators
            return self.executors.get(case.department_id, set())
        if audience == Audience.DEPARTMENT_HEAD:
            return self.department_heads.get(case.department_id or 0, set())
        if audience == Audience.BLOCK_HEAD:
            return self.block_heads.get(case.block_id or 0, set())
        if audience == Audience.CENTRE_HEAD:
            return self.centre_heads
        return set()  # CONTROLLER: items with an owner (`items`), not cases
