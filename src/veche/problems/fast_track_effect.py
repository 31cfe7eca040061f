"""What a fast-track mechanism changed: its cases against the same kind of cases before it.

«After»: the cases the mechanism handled — its rule routed them (`CaseAnalysis.routing_rule`)
or they are in its problem — received from `started_at` until it stopped (or `now`).
«Before»: the problem's cases and the cases its rule's conditions describe (topic, territory,
channel, keywords in any word form) received in a window of the same length just before.

Speed is the time from receipt to the first final answer sent (`Answer.sent_at`, as the
analytics count it). The after window is young: some of its cases have had no time to be
answered. The before window is read as it stood at the same distance — answers sent later
than `now` minus the window's length do not count — so that neither side has had more time
(its «horizon»). Medians and the 90th percentile are over the answered cases; the shares
within the target and the legal term are over the cases decided by the horizon (answered,
or still unanswered when the term ran out). Cases redirected, merged or rejected get no
answer from the municipality and are left out of both sides. Fewer than `MIN_SAMPLE`
answered cases on a side is «мало данных»: no speed-up is claimed.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Min, Q, QuerySet

from veche.cases.models import Answer, Case
from veche.cases.search import text_match
from veche.cases.workflow import Status
from veche.catalog.models import RoutingRule, Topic
from veche.deadlines.calendar_store import calendar_for
from veche.deadlines.models import Clock, DeadlinePolicy
from veche.org.models import Territory
from veche.problems.fast_tracks import target_end
from veche.problems.models import FastTrack

MIN_SAMPLE = 5
DAY = timedelta(days=1)
NO_ANSWER_EXPECTED = (Status.REDIRECTED, Status.MERGED, Status.REJECTED)


@dataclass(frozen=True)
class Window:
    start: datetime  # received from (inclusive)
    end: datetime  # received before (exclusive)
    horizon: datetime  # answers sent later are not seen


@dataclass(frozen=True)
class Timing:
    """One case as the figures see it."""

    case_id: int
    received_at: datetime
    answered_at: datetime | None  # the first final answer sent by the horizon
    target_end: datetime
    legal_due: datetime | None  # the first answer clock's due date, extension included

    @property
    def days(self) -> float | None:
        if self.answered_at is None:
            return None
        return (self.answered_at - self.received_at) / DAY

    @property
    def in_target(self) -> bool | None:
        return None if self.answered_at is None else self.answered_at <= self.target_end

    @property
    def target_last_minute(self) -> datetime:
        """For «по 25.11.2026»: the term ends at midnight, which is already the next day."""
        return self.target_end - timedelta(minutes=1)


@dataclass(frozen=True)
class Side:
    window: Window
    cases: int
    answered: int
    median_days: float | None
    p90_days: float | None
    target_met: int
    target_decided: int
    legal_met: int
    legal_decided: int

    @property
    def enough(self) -> bool:
        return self.answered >= MIN_SAMPLE

    @property
    def target_share(self) -> float | None:
        return self.target_met / self.target_decided if self.target_decided else None

    @property
    def legal_share(self) -> float | None:
        return self.legal_met / self.legal_decided if self.legal_decided else None


@dataclass(frozen=True)
class Effect:
    fast_track: FastTrack
    before: Side
    after: Side

    @property
    def enough(self) -> bool:
        return self.before.enough and self.after.enough

    @property
    def speedup(self) -> float | None:
        """How many times faster the median final answer came («в 2,5 раза»)."""
        before, after = self.before.median_days, self.after.median_days
        if not self.enough or before is None or not after:
            return None
        return before / after


def fast_track_effect(fast_track: FastTrack, *, now: datetime) -> Effect:
    after_window, before_window = windows(fast_track, now=now)
    after = timings(fast_track, handled_cases(fast_track, after_window), after_window.horizon)
    before = timings(fast_track, same_kind_cases(fast_track, before_window), before_window.horizon)
    return Effect(fast_track, summarise(before, before_window), summarise(after, after_window))


def windows(fast_track: FastTrack, *, now: datetime) -> tuple[Window, Window]:
    """The mechanism's span (until it stopped, or `now`), and the same span just before."""
    end = min(fast_track.stopped_at or now, now)
    span = max(end - fast_track.started_at, timedelta())
    after = Window(fast_track.started_at, fast_track.started_at + span, now)
    before = Window(fast_track.started_at - span, fast_track.started_at, now - span)
    return after, before


def handled_cases(fast_track: FastTrack, window: Window) -> QuerySet[Case]:
    """The cases its rule routed or its problem holds, received in the window."""
    mine = Q(problem_link__problem_id=fast_track.problem_id)
    if fast_track.rule_id is not None:
        mine |= Q(analysis__routing_rule_id=fast_track.rule_id)
    return _received(fast_track, window).filter(mine)


def same_kind_cases(fast_track: FastTrack, window: Window) -> QuerySet[Case]:
    """The problem's cases and those its rule's conditions describe, received in the window."""
    same = Q(problem_link__problem_id=fast_track.problem_id)
    rule = fast_track.rule
    if rule is not None and (described := _described_by(rule)) is not None:
        same |= described
    return _received(fast_track, window).filter(same)


def timings(fast_track: FastTrack, cases: QuerySet[Case], horizon: datetime) -> list[Timing]:
    rows = list(cases.values_list("pk", "received_at"))
    ids = [pk for pk, _ in rows]
    answered = dict(
        Answer.objects.filter(case_id__in=ids, kind=Answer.Kind.FINAL, sent_at__isnull=False)
        .values("case_id")
        .annotate(first=Min("sent_at"))
        .values_list("case_id", "first")
    )
    due = dict(
        Clock.objects.filter(
            case_id__in=ids, kind=DeadlinePolicy.Kind.ANSWER, number=1
        ).values_list("case_id", "due_at")
    )
    calendar = calendar_for(fast_track.municipality)
    result = []
    for pk, received_at in rows:
        sent = answered.get(pk)
        result.append(
            Timing(
                case_id=pk,
                received_at=received_at,
                answered_at=sent if sent is not None and sent <= horizon else None,
                target_end=target_end(calendar, received_at, fast_track.target_days),
                legal_due=due.get(pk),
            )
        )
    return result


def summarise(timings: Sequence[Timing], window: Window) -> Side:
    """The figures of one side, from its cases' timings (pure)."""
    days = [d for t in timings if (d := t.days) is not None]
    target = [_verdict(t.answered_at, t.target_end, window.horizon) for t in timings]
    legal = [
        _verdict(t.answered_at, t.legal_due, window.horizon)
        for t in timings
        if t.legal_due is not None
    ]
    return Side(
        window=window,
        cases=len(timings),
        answered=len(days),
        median_days=quantile(days, 0.5),
        p90_days=quantile(days, 0.9),
        target_met=sum(v is True for v in target),
        target_decided=sum(v is not None for v in target),
        legal_met=sum(v is True for v in legal),
        legal_decided=sum(v is not None for v in legal),
    )


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile with linear interpolation between the nearest ranks, as the analytics
    compute theirs (numpy's default, a spreadsheet's PERCENTILE.INC)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _verdict(answered_at: datetime | None, end: datetime, horizon: datetime) -> bool | None:
    """Met, missed, or not known yet at the horizon."""
    if answered_at is not None:
        return answered_at <= end
    return False if end <= horizon else None


def _received(fast_track: FastTrack, window: Window) -> QuerySet[Case]:
    return Case.objects.filter(
        municipality_id=fast_track.municipality_id,
        received_at__gte=window.start,
        received_at__lt=window.end,
    ).exclude(status__in=NO_ANSWER_EXPECTED)


def _described_by(rule: RoutingRule) -> Q | None:
    """The rule's conditions as a query: the topic (or group) and territory (with what is in
    it) the case has, or the pipeline read when it has none; the channel; any keyword, every
    word of it in some form. None for a rule with no condition."""
    conditions = []
    if rule.topic_id is not None:
        topics = _subtree(Topic.objects.values_list("id", "parent_id"), rule.topic_id)
        conditions.append(
            Q(topic_id__in=topics) | Q(topic__isnull=True, analysis__topic_id__in=topics)
        )
    if rule.territory_id is not None:
        links = Territory.objects.filter(municipality_id=rule.municipality_id)
        places = _subtree(links.values_list("id", "parent_id"), rule.territory_id)
        conditions.append(
            Q(territory_id__in=places)
            | Q(territory__isnull=True, analysis__place_territory_id__in=places)
        )
    if rule.channel_id is not None:
        conditions.append(Q(channel_id=rule.channel_id))
    words = [q for k in rule.keywords.split(",") if (q := text_match(k)) is not None]
    if words:
        any_word = Q()
        for word in words:
            any_word |= word
        conditions.append(any_word)
    if not conditions:
        return None
    described = Q()
    for condition in conditions:
        described &= condition
    return described


def _subtree(links: Iterable[tuple[int, int | None]], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for node, parent in links:
        if parent is not None:
            children.setdefault(parent, []).append(node)
    found, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found
