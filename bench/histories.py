"""A year of cases: drafts and the histories that already happened to them. No queries.

Cases arrive in time order over the twelve months before `now`, with daytime peaks, seasonal
topics and the channel mix of a typical МЦУ. How far a case got depends on its age and on how
long its regime usually takes, so old cases are mostly closed and the last days hold the new,
registered and in-work ones, as in a real inbox.
"""

import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from veche.cases.models import Answer, Case
from veche.cases.services import CaseDraft, CitizenData, Step
from veche.cases.workflow import Regime, Status

from .corpus import Text, compose, full_name, monthly_weights, street_index
from .families import FAMILIES, Family
from .world import World

S = Status
YEAR = timedelta(days=365)
# channel code: (share of cases, regimes with their weights, carries an external id)
CHANNELS: dict[str, tuple[float, dict[Regime, float], bool]] = {
    "pos": (30, {Regime.MESSAGE: 55, Regime.APPEAL: 45}, True),
    "im": (25, {Regime.INCIDENT: 70, Regime.MESSAGE: 30}, True),
    "vk": (10, {Regime.INCIDENT: 80, Regime.MESSAGE: 20}, True),
    "telegram": (6, {Regime.INCIDENT: 60, Regime.MESSAGE: 40}, True),
    "ok": (3, {Regime.INCIDENT: 100}, True),
    "email": (8, {Regime.APPEAL: 85, Regime.INFO_REQUEST: 5, Regime.MESSAGE: 10}, True),
    "web_form": (6, {Regime.APPEAL: 80, Regime.MESSAGE: 20}, False),
    "phone": (6, {Regime.MESSAGE: 100}, False),
    "letter": (3, {Regime.APPEAL: 90, Regime.INFO_REQUEST: 10}, False),
    "reception": (2, {Regime.APPEAL: 100}, False),
    "api": (1, {Regime.MESSAGE: 100}, True),
}
PIPELINE = (S.REGISTERED, S.ASSIGNED, S.IN_WORK, S.ANSWER_DRAFTED, S.ANSWER_APPROVED, S.ANSWERED)
PRIORITIES = (Case.Priority.LOW, Case.Priority.NORMAL, Case.Priority.HIGH, Case.Priority.URGENT)
# Hour-of-day weights (local time is not modelled; the shape is what matters).
HOURS = (1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 10, 10, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2)

# One move of a history: a status, a (re)assignment to a department, or a status with an answer.
Move = tuple[str, Status | None]


def cases(
    world: World, count: int, now: datetime, seed: int
) -> Iterator[tuple[CaseDraft, list[Step]]]:
    """`count` drafts in order of receipt over the year before `now`, each with its steps."""
    rng = random.Random(seed)
    start = now - YEAR
    cum_families = [list(itertools.accumulate(monthly_weights(m))) for m in range(13)]
    codes = list(CHANNELS)
    cum_channels = list(itertools.accumulate(CHANNELS[c][0] for c in codes))
    cum_hours = list(itertools.accumulate(HOURS))
    for i in range(count):
        day = (start + YEAR * (i + rng.random()) / count).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        offset = timedelta(hours=_pick(cum_hours, rng), seconds=rng.randrange(3600))
        received = min(max(day + offset, start), now)
        family = FAMILIES[_pick(cum_families[received.month], rng)]
        code = codes[_pick(cum_channels, rng)]
        regimes = CHANNELS[code][1]
        regime = rng.choices(list(regimes), weights=list(regimes.values()))[0]
        text = compose(family, rng, appeal=regime == Regime.APPEAL)
        draft = _draft(world, i, received, text, code, regime, rng)
        yield draft, _steps(world, draft, family, text.answer, now, rng)


def _pick(cumulative: Sequence[float], rng: random.Random) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def _draft(
    world: World,
    i: int,
    received: datetime,
    text: Text,
    code: str,
    regime: Regime,
    rng: random.Random,
) -> CaseDraft:
    located = rng.random() < 0.6
    return CaseDraft(
        channel=world.channels[code],
        regime=regime,
        text=text.body,
        received_at=received,
        external_id=f"{code}-{i:08d}" if CHANNELS[code][2] else "",
        subject=text.subject,
        author=_author(rng, code),
        address_raw=text.address,
        lat=58.0 + rng.random() * 0.1 if located else None,
        lon=56.2 + rng.random() * 0.2 if located else None,
        territory_id=world.district_of_street[street_index(text.street)],
        topic_id=world.topics.get(text.family.key) if rng.random() < 0.9 else None,
        priority=rng.choices(PRIORITIES, weights=(3, 90, 5, 2))[0],
    )


def _author(rng: random.Random, code: str) -> CitizenData | None:
    if rng.random() < 0.15:
        return None  # anonymous: a social-network post, a call without a name
    return CitizenData(
        full_name=full_name(rng),
        phone=f"+7 9{rng.randrange(10**9):09d}" if rng.random() < 0.6 else "",
        email=f"user{rng.randrange(10**6)}@example.ru" if code in {"email", "pos"} else "",
        social_id=f"id{rng.randrange(10**9)}" if code in {"vk", "ok", "telegram"} else "",
    )


def _steps(
    world: World, draft: CaseDraft, family: Family, answer: str, now: datetime, rng: random.Random
) -> list[Step]:
    # Appeals and information requests run on 30-day clocks; messages and incidents are faster.
    slow = draft.regime in {Regime.APPEAL, Regime.INFO_REQUEST}
    duration = rng.uniform(2, 25) if slow else rng.uniform(0.5, 8)
    age = (now - draft.received_at).total_seconds() / 86400
    department = _department(world, family, rng)
    moves = _moves(min(age / duration, 1.0), slow, rng)
    span = min(age, duration) * 86400
    offsets = sorted(rng.random() * span for _ in moves)
    operator, executor = world.operator.pk, world.executors[department]
    steps = []
    for (kind, status), offset in zip(moves, offsets, strict=True):
        at = draft.received_at + timedelta(seconds=offset)
        actor = executor if status in {S.IN_WORK, S.ANSWER_DRAFTED, S.INTERIM_ANSWER} else operator
        steps.append(_step(kind, status, at, actor, answer, department))
    return steps


def _step(
    kind: str, status: Status | None, at: datetime, actor: int | None, text: str, department: int
) -> Step:
    if kind == "department":
        return Step(at=at, department_id=department, actor_id=actor)
    if kind == "answer":
        interim = status == S.INTERIM_ANSWER
        return Step(
            at=at,
            status=status,
            answer_text=text,
            answer_kind=Answer.Kind.INTERIM if interim else Answer.Kind.FINAL,
            actor_id=actor,
        )
    return Step(at=at, status=status, actor_id=actor)


def _department(world: World, family: Family, rng: random.Random) -> int:
    r = rng.random()
    if family.department and r < 0.85:
        return world.departments[family.department]
    if r < 0.95:
        return rng.choice(world.territorial)
    return rng.choice(list(world.departments.values()))


def _moves(progress: float, slow: bool, rng: random.Random) -> list[Move]:
    """The statuses a case went through, following the workflow table."""
    r = rng.random()
    if r < 0.02:
        return [("status", S.REJECTED)]
    if r < 0.03:
        return [("status", S.REGISTERED), ("status", S.MERGED)]
    if r < 0.06:
        closed: list[Move] = [("status", S.CLOSED)] if progress >= 1 else []
        return [("status", S.REGISTERED), ("status", S.REDIRECTED), *closed]
    reached = PIPELINE[: len(PIPELINE) if progress >= 1 else int(progress * len(PIPELINE))]
    moves: list[Move] = []
    for status in reached:
        if status == S.ASSIGNED:
            moves.append(("department", None))
        moves.append(("answer" if status == S.ANSWERED else "status", status))
        if status == S.IN_WORK:
            detours = _detours(slow, rng)
            stuck = status == reached[-1] and rng.random() < 0.5  # still paused or extended
            moves.extend(detours[:-1] if stuck else detours)
    if progress >= 1 and rng.random() < 0.93:
        moves.append(("status", S.CLOSED))
        if rng.random() < 0.02:
            moves += [("status", S.REOPENED), ("status", S.IN_WORK)]
    return moves


def _detours(slow: bool, rng: random.Random) -> list[Move]:
    """What may happen while a case is in work: an interim answer, a pause, an extension."""
    r = rng.random()
    if r < 0.03:
        return [("answer", S.INTERIM_ANSWER), ("status", S.IN_WORK)]
    if r < 0.04:
        return [("status", S.ON_HOLD), ("status", S.IN_WORK)]
    if slow and r < 0.08:  # an extension exists for appeals and requests only
        return [("status", S.EXTENDED), ("status", S.IN_WORK)]
    return []
