"""Apply the triage pipeline to registered cases and store what it read (cases.CaseAnalysis).

Runs after the cases are committed: at once for one case, in the task queue for an import or
the demo (`tasks.analyse_cases_task`), in batches so the topic model works on many texts at a
time.
"""

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from veche.cases.errors import CaseError
from veche.cases.models import Case, CaseAnalysis
from veche.cases.services import (
    AnalysisData,
    assign_case,
    change_topic,
    locate_case,
    record_analyses,
)
from veche.catalog.models import Topic
from veche.org.models import Department
from veche.problems.fast_tracks import apply_fast_tracks
from veche.problems.services import group_repeats
from veche.triage.dispatch import RULE, Ask, Dispatcher, Routing, sure_enough
from veche.triage.gazetteer import Gazetteer, RecordKind
from veche.triage.gazetteer_store import gazetteer_for
from veche.triage.grouping import find_repeats, fingerprint
from veche.triage.output import as_json
from veche.triage.pii import mask
from veche.triage.pipeline import Analysis, analyse
from veche.triage.registry import topic_model
from veche.triage.topic_paths import topic_paths
from veche.triage.topics import TopicPath

BATCH = 500
# The catch-up sweep (`missing_analysis`): a case registered without its analysis (the task
# queue was down when it was queued) is looked for this long; it is left alone for the first
# SETTLE, while its queued job may still be waiting its turn behind a large import.
CATCH_UP = timedelta(days=3)
SETTLE = timedelta(minutes=30)
CATCH_UP_LIMIT = 2000
# A settlement's centre says little about where the problem is: only finer points are set
# on the case by themselves (the officer may still accept the settlement on the card).
PRECISE = frozenset({RecordKind.HOUSE, RecordKind.STREET, RecordKind.LANDMARK})


def analyse_cases(case_ids: Sequence[int], *, now: datetime) -> int:
    """Analyse the texts of these cases, store the result, apply what is sure (place,
    department, topic) and group repeats into problems; returns how many were analysed."""
    done = 0
    for start in range(0, len(case_ids), BATCH):
        cases = list(
            Case.objects.filter(pk__in=case_ids[start : start + BATCH])
            .select_related("municipality", "channel")
            .order_by("pk")
        )
        paths = topic_paths()
        topics = {path: pk for pk, path in paths.items()}
        model = topic_model()  # the version in use, re-read once per batch
        readings: list[tuple[Case, str, Analysis]] = []
        by_group: dict[tuple[int, int], list[Case]] = {}
        for case in cases:  # urgency is seasonal: the month where the case was received
            local = case.received_at.astimezone(zoneinfo.ZoneInfo(case.municipality.time_zone))
            by_group.setdefault((case.municipality_id, local.month), []).append(case)
        gazetteers: dict[int, Gazetteer | None] = {}  # one per municipality, not per month
        for (municipality_id, month), group in by_group.items():
            if municipality_id not in gazetteers:
                gazetteers[municipality_id] = gazetteer_for(group[0].municipality)
            gazetteer = gazetteers[municipality_id]
            texts = [_text(case) for case in group]
            analyses = analyse(texts, month=month, model=model, gazetteer=gazetteer)
            readings.extend(zip(group, texts, analyses, strict=True))
        decisions = _decide(readings, topics, paths)
        items = [
            (case, _data(analysis, text, topics, model.version, decision))
            for (case, text, analysis), decision in zip(readings, decisions, strict=True)
        ]
        done += record_analyses(items, at=now)
        for (case, _, analysis), decision in zip(readings, decisions, strict=True):
            _apply(case, analysis, decision, now=now)
        # A fast-track mechanism's cases join its problem first; their repeats follow them.
        apply_fast_tracks(_routed_by_rule(decisions), at=now)
        group_repeats(find_repeats(cases), at=now)
    return done


def missing_analysis(now: datetime) -> list[int]:
    """Cases changed in the last `CATCH_UP` (but not in the last `SETTLE`) that have no
    analysis: their analysis job was never queued or was lost. At most `CATCH_UP_LIMIT`,
    oldest first; the next sweep takes the rest."""
    missing = Case.objects.filter(
        analysis__isnull=True, updated_at__gte=now - CATCH_UP, updated_at__lt=now - SETTLE
    )
    return list(missing.order_by("pk").values_list("pk", flat=True)[:CATCH_UP_LIMIT])


@dataclass(frozen=True)
class _Decision:
    ask: Ask
    routing: Routing
    route: bool  # sure enough to route without an officer
    set_topic: bool  # and to set the guessed topic with it


def _decide(
    readings: Sequence[tuple[Case, str, Analysis]],
    topics: dict[TopicPath, int],
    paths: dict[int, TopicPath],
) -> list[_Decision]:
    by_municipality: dict[int, list[int]] = {}
    for i, (case, _, _) in enumerate(readings):
        by_municipality.setdefault(case.municipality_id, []).append(i)
    decisions: list[_Decision | None] = [None] * len(readings)
    for positions in by_municipality.values():
        municipality = readings[positions[0]][0].municipality
        dispatcher = Dispatcher(municipality, paths)
        asks = [_ask(*readings[i], topics) for i in positions]
        for i, ask, routing in zip(positions, asks, dispatcher.route(asks), strict=True):
            route = sure_enough(municipality, ask, routing)
            set_topic = (
                route
                and ask.case.topic_id is None
                and ask.topic_id is not None
                and ask.topic_confidence >= municipality.auto_route_threshold
            )
            decisions[i] = _Decision(ask, routing, route, set_topic)
    return [d for d in decisions if d is not None]


def _ask(case: Case, text: str, analysis: Analysis, topics: dict[TopicPath, int]) -> Ask:
    guess = analysis.topic
    topic_id: int | None
    if case.topic_id is not None:
        topic_id, confidence = case.topic_id, 1.0
    elif guess.topic is not None and guess.topics:
        topic_id = topics.get(guess.topic)
        confidence = guess.topics[0].probability
    else:
        topic_id, confidence = None, 0.0
    place = analysis.place
    territory_id = case.territory_id or (place.territory_id if place else None)
    return Ask(case, text, topic_id, confidence, territory_id)


def _apply(case: Case, analysis: Analysis, decision: _Decision, *, now: datetime) -> None:
    """What the pipeline is sure of goes onto the case, each through its service and Event
    (by nobody: the system); a case it could not route stays in «нужен разбор»."""
    place = analysis.place
    if place is not None and not place.unsure and place.level in PRECISE and case.lat is None:
        locate_case(
            case,
            lat=place.lat,
            lon=place.lon,
            territory_id=case.territory_id or place.territory_id,
            at=now,
            by=None,
        )
    if not decision.route or decision.routing.department_id is None:
        return
    try:
        if decision.set_topic:
            change_topic(case, Topic(pk=decision.ask.topic_id), by=None, now=now)
        assign_case(
            case,
            Department.objects.get(pk=decision.routing.department_id),
            by=None,
            now=now,
            comment=_why(decision.routing),
        )
    except CaseError:  # changed meanwhile (an officer was quicker): leave it to them
        CaseAnalysis.objects.filter(case=case).update(needs_review=True)


def _routed_by_rule(decisions: Sequence[_Decision]) -> list[tuple[Case, int]]:
    """The cases the pipeline routed by a rule, with the rule (`_apply` may still have left
    one to an officer: `apply_fast_tracks` checks the department it got)."""
    return [
        (d.ask.case, d.routing.rule_id)
        for d in decisions
        if d.route and d.routing.by == RULE and d.routing.rule_id is not None
    ]


def _why(routing: Routing) -> str:
    if routing.by == RULE:
        return f"Автоматически: правило маршрутизации №{routing.rule_id}."
    return f"Автоматически: по истории маршрутизации, уверенность {routing.confidence:.0%}."


def _text(case: Case) -> str:
    return "\n".join(part for part in (case.subject, case.text) if part)


def _data(
    analysis: Analysis,
    text: str,
    topics: dict[TopicPath, int],
    model_version: str,
    decision: _Decision,
) -> AnalysisData:
    line = as_json(analysis, id=None, duplicate_group=None)
    topic = analysis.topic
    place, routing = analysis.place, decision.routing
    suggestions = line["scores"] | {"department": routing.candidates}
    return AnalysisData(
        model_version=model_version,
        topic_id=topics.get(topic.topic) if topic.topic else None,
        confidence=topic.confidence,
        suggestions=suggestions,
        street=line["street"] or "",
        house=line["house"] or "",
        settlement=line["settlement"] or "",
        urgent=analysis.urgency.urgent,
        urgency_level=analysis.urgency.level,
        urgency_reasons=line["urgent_reasons"],
        negativity=analysis.mood.negativity,
        aggressive=analysis.mood.aggressive,
        obscene=bool(analysis.mood.obscene),
        threat=bool(analysis.mood.threats),
        personal_data=line["pii"],
        masked_text=mask(text),
        fingerprint=fingerprint(text),
        place_name=place.name if place else "",
        place_lat=place.lat if place else None,
        place_lon=place.lon if place else None,
        place_territory_id=place.territory_id if place else None,
        place_level=str(place.level) if place else "",
        place_unsure=place.unsure if place else False,
        department_id=routing.department_id,
        department_confidence=routing.confidence,
        routing_rule_id=routing.rule_id,
        needs_review=decision.ask.case.department_id is None and not decision.route,
    )
