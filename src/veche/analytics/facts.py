"""One case's fact row, computed from the case, its timeline, clocks, answers and ratings.

A fact is a pure function of what is stored about the case, so computing it again is
harmless: `rollups.py` recomputes the facts of every case an event touched and moves the
counters by the difference. What each field means (DOMAIN.md §4, §8 item 13):

- reaction: the first answer of any kind sent to the citizen (IM's «первый ответ»);
- answer: the first final answer sent; its time counts from the legal receipt;
- in time: the first clock of that kind (deadlines app) was met, not missed; a clock taken
  off (redirect, merge) gives no verdict; pauses and an extension already moved its due date;
- finished: the case entered «закрыто», «переадресовано», «объединено» or «отклонено» and is
  still there; without answer when no final answer was ever sent;
- reopened, returned (a draft or approved answer sent back for rework), extended, repeat
  (the author wrote again after an answer): at least once, counted on the day of receipt;
- rating: the citizen's latest reply to a survey, «довольны» meaning 4 or 5 of 5.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import h3

from veche.analytics.models import CaseFact
from veche.cases.models import Answer, Case, Event
from veche.cases.workflow import Status
from veche.deadlines.models import Clock, DeadlinePolicy
from veche.feedback.models import AnswerCheck, Survey
from veche.org.models import Municipality

H3_RESOLUTION = 9
FINISHED = {Status.CLOSED, Status.REDIRECTED, Status.MERGED, Status.REJECTED}
REWORK_FROM = {Status.ANSWER_DRAFTED.value, Status.ANSWER_APPROVED.value}
SATISFIED_FROM = 4


def build_facts(case_ids: Iterable[int]) -> dict[int, CaseFact]:
    """The facts of the given cases (a case that no longer exists has none)."""
    ids = list(case_ids)
    cases = list(
        Case.objects.filter(pk__in=ids).only(
            "pk", "municipality_id", "topic_id", "department_id", "territory_id", "channel_id",
            "regime", "lat", "lon", "received_at", "status",
        )
    )  # fmt: skip
    if not cases:
        return {}
    zones = _zones({c.municipality_id for c in cases})
    timeline = _timeline(ids)
    sent = _sent_answers(ids)
    clocks = _first_clocks(ids)
    checks = _checks(ids)
    ratings = _latest_ratings(ids)
    facts = {}
    for case in cases:
        zone = zones[case.municipality_id]
        fact = CaseFact(
            case_id=case.pk,
            municipality_id=case.municipality_id,
            topic_id=case.topic_id,
            department_id=case.department_id,
            territory_id=case.territory_id,
            channel_id=case.channel_id,
            regime=case.regime,
            cell=_cell(case.lat, case.lon),
            received_day=_day(case.received_at, zone),
        )
        _fill_answers(fact, case, sent.get(case.pk, []), checks, zone)
        _fill_timeline(fact, case, timeline.get(case.pk, []), zone)
        reaction_clock = clocks.get((case.pk, DeadlinePolicy.Kind.FIRST_REACTION))
        answer_clock = clocks.get((case.pk, DeadlinePolicy.Kind.ANSWER))
        if fact.reacted_day is not None:
            fact.reaction_in_time = _verdict(reaction_clock)
        if fact.answered_day is not None:
            fact.answered_in_time = _verdict(answer_clock)
        fact.extended = answer_clock is not None and answer_clock[1] > 0
        if (rating := ratings.get(case.pk)) is not None:
            answered_at, fact.rating, fact.solved = rating
            fact.rated_day = _day(answered_at, zone)
        facts[case.pk] = fact
    return facts


def _fill_answers(
    fact: CaseFact,
    case: Case,
    sent: list[tuple[int, str, datetime]],
    checks: dict[int, bool],
    zone: ZoneInfo,
) -> None:
    """`sent`: the case's sent answers (pk, kind, sent at) in the order they were sent."""
    if sent:
        _, _, first = sent[0]
        fact.reacted_day = _day(first, zone)
        fact.reaction_seconds = _seconds(case.received_at, first)
    final = next((a for a in sent if a[1] == Answer.Kind.FINAL), None)
    if final is not None:
        pk, _, at = final
        fact.answered_day = _day(at, zone)
        fact.answer_seconds = _seconds(case.received_at, at)
        fact.brush_off = checks.get(pk)


def _fill_timeline(
    fact: CaseFact, case: Case, events: list[tuple[str, dict[str, Any], datetime]], zone: ZoneInfo
) -> None:
    """`events`: the case's status changes and repeat notes, oldest first."""
    entered_finish: datetime | None = None
    for kind, after, at in events:
        if kind == Event.Kind.REPEAT:
            fact.repeat = True
            continue
        status = after.get("status")
        if status == Status.REOPENED:
            fact.reopened = True
        elif status == Status.REDIRECTED:
            fact.redirected = True
        elif status == Status.IN_WORK and after.get("from") in REWORK_FROM:
            fact.returned = True
        if status in FINISHED:
            # Closing a redirected case does not move the day it was finished.
            entered_finish = entered_finish or at
        elif status is not None:
            entered_finish = None
    if case.status in FINISHED and entered_finish is not None:
        fact.finished_day = _day(entered_finish, zone)
        fact.finished_without_answer = fact.answered_day is None


def _timeline(case_ids: list[int]) -> dict[int, list[tuple[str, dict[str, Any], datetime]]]:
    rows = (
        Event.objects.filter(
            case_id__in=case_ids, kind__in=[Event.Kind.STATUS_CHANGED, Event.Kind.REPEAT]
        )
        .order_by("case_id", "pk")
        .values_list("case_id", "kind", "before", "after", "at")
    )
    found: dict[int, list[tuple[str, dict[str, Any], datetime]]] = defaultdict(list)
    for case_id, kind, before, after, at in rows:
        # The status left is in `before`; carry it with the one entered.
        entered = dict(after or {})
        entered["from"] = (before or {}).get("status")
        found[case_id].append((kind, entered, at))
    return found


def _sent_answers(case_ids: list[int]) -> dict[int, list[tuple[int, str, datetime]]]:
    rows = (
        Answer.objects.filter(case_id__in=case_ids, sent_at__isnull=False)
        .order_by("case_id", "sent_at", "pk")
        .values_list("case_id", "pk", "kind", "sent_at")
    )
    found: dict[int, list[tuple[int, str, datetime]]] = defaultdict(list)
    for case_id, pk, kind, sent_at in rows:
        if sent_at is not None:
            found[case_id].append((pk, kind, sent_at))
    return found


def _first_clocks(case_ids: list[int]) -> dict[tuple[int, str], tuple[str, int]]:
    """(case, kind) → (state, days extended) of the case's first clock of that kind."""
    rows = (
        Clock.objects.filter(
            case_id__in=case_ids,
            number=1,
            kind__in=[DeadlinePolicy.Kind.FIRST_REACTION, DeadlinePolicy.Kind.ANSWER],
        )
        .order_by("case_id", "kind", "started_at", "pk")
        .values_list("case_id", "kind", "state", "extended_by")
    )
    found: dict[tuple[int, str], tuple[str, int]] = {}
    for case_id, kind, state, extended_by in rows:
        found.setdefault((case_id, kind), (state, extended_by))
    return found


def _verdict(clock: tuple[str, int] | None) -> bool | None:
    if clock is None:
        return None
    state = clock[0]
    if state == Clock.State.MET:
        return True
    if state == Clock.State.MISSED:
        return False
    return None


def _checks(case_ids: list[int]) -> dict[int, bool]:
    return dict(
        AnswerCheck.objects.filter(answer__case_id__in=case_ids).values_list(
            "answer_id", "brush_off"
        )
    )


def _latest_ratings(case_ids: list[int]) -> dict[int, tuple[datetime, int, bool | None]]:
    rows = (
        Survey.objects.filter(case_id__in=case_ids, answered_at__isnull=False)
        .order_by("case_id", "answered_at", "pk")
        .values_list("case_id", "answered_at", "rating", "solved")
    )
    return {
        case_id: (at, rating, solved)
        for case_id, at, rating, solved in rows
        if at is not None and rating is not None
    }


def _zones(municipality_ids: set[int]) -> dict[int, ZoneInfo]:
    pairs = Municipality.objects.filter(pk__in=municipality_ids).values_list("pk", "time_zone")
    return {pk: ZoneInfo(name) for pk, name in pairs}


def _cell(lat: float | None, lon: float | None) -> str:
    if lat is None or lon is None:
        return ""
    return str(h3.latlng_to_cell(lat, lon, H3_RESOLUTION))


def _day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))
