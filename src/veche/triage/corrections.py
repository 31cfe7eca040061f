"""Officers' decisions on cases as training examples for `veche train`.

A decision is an Event with an actor: TOPIC_CHANGED (the topic an officer set) and ASSIGNED
(the department an officer chose); the same events with no actor are automatic and teach
nothing new. The case's last officer-set topic is the example's answer, whether it overruled
triage's suggestion or confirmed it (`TopicCorrection.overruled` tells them apart for the
report). For routing every routed case is an example — the department it ended with — and
`RoutedCase.by_officer` marks those an officer decided.

Officers pick Veche topics, while the topic model learns the portal's (category, reason)
pairs: `topic_labels` turns each topic into the mapped reason the current model finds most
probable for the text, or into the topic's own label when no reason maps onto it
(`topics.own_label`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import numpy as np

from veche.cases.models import Case, Event
from veche.org.models import Municipality
from veche.triage.model import TopicModel
from veche.triage.routing import RoutingCase, RoutingExample
from veche.triage.topic_paths import topic_paths
from veche.triage.topics import (
    TopicPath,
    joint_probabilities,
    model_mapping,
    own_label,
    split_label,
)

HELD_OUT = 0.2  # the latest share of corrections kept for measuring, as the portal's test part
T = TypeVar("T", "TopicCorrection", "RoutedCase")

# An officer's routing (the first or a correction of the pipeline's) teaches more than the
# pipeline's own automatic routing, which only repeats what the model already believed.
OFFICER_WEIGHT = 2.0


@dataclass(frozen=True)
class TopicCorrection:
    case_id: int
    municipality_id: int
    text: str
    topic: TopicPath  # what the officer set
    suggested: TopicPath | None  # what triage suggested (None: not analysed or no guess)
    at: datetime

    @property
    def overruled(self) -> bool:
        return self.suggested != self.topic


@dataclass(frozen=True)
class RoutedCase:
    case_id: int
    example: RoutingExample
    by_officer: bool
    at: datetime


def case_text(subject: str, text: str) -> str:
    """What triage reads of a case (as `triage.services` builds it)."""
    return "\n".join(part for part in (subject, text) if part)


def topic_corrections(municipality: Municipality | None = None) -> list[TopicCorrection]:
    """The last topic an officer set on each case (of one municipality, or of all), oldest
    decision first. A topic cleared or since deleted is no example."""
    events = Event.objects.filter(kind=Event.Kind.TOPIC_CHANGED, actor__isnull=False)
    if municipality is not None:
        events = events.filter(case__municipality=municipality)
    last: dict[int, tuple[int | None, datetime]] = {}
    for case_id, after, at in events.order_by("at", "pk").values_list("case_id", "after", "at"):
        last[case_id] = ((after or {}).get("topic"), at)
    paths = topic_paths()
    cases = Case.objects.filter(pk__in=list(last)).values_list(
        "pk", "municipality_id", "subject", "text", "analysis__topic_id"
    )
    result = []
    for pk, municipality_id, subject, text, suggested in cases:
        topic_id, at = last[pk]
        if topic_id in paths:
            topic = paths[topic_id]
            guess = paths.get(suggested) if suggested else None
            text = case_text(subject, text)
            result.append(TopicCorrection(pk, municipality_id, text, topic, guess, at))
    return sorted(result, key=lambda c: (c.at, c.case_id))


def topic_labels(
    corrections: Sequence[TopicCorrection], model: TopicModel
) -> list[tuple[str, str, str]]:
    """(text, category, reason) of each correction: of the reasons mapped onto the officer's
    topic, the one `model` finds most probable for the text; the topic's own label if none."""
    if not corrections:
        return []
    mapping = model_mapping(model)
    columns: dict[TopicPath, list[int]] = {}
    for i, label in enumerate(model.reason.labels):
        topic = mapping.get(split_label(label))
        if topic is not None:
            columns.setdefault(topic, []).append(i)
    _, reasons = joint_probabilities(model, [c.text for c in corrections])
    labels = []
    for row, correction in enumerate(corrections):
        candidates = columns.get(correction.topic)
        if candidates:
            best = candidates[int(np.argmax(reasons[row, candidates]))]
            category, reason = split_label(model.reason.labels[best])
        else:
            category, reason = own_label(correction.topic)
        labels.append((correction.text, category, reason))
    return labels


def routing_history(municipality: Municipality) -> list[RoutedCase]:
    """Every routed case of the municipality: text, territory, channel, topic → the department
    it ended with, at the time of its last assignment; oldest first."""
    assigned: dict[int, tuple[datetime, bool]] = {}
    events = Event.objects.filter(kind=Event.Kind.ASSIGNED, case__municipality=municipality)
    for case_id, at, actor in events.order_by("at", "pk").values_list("case_id", "at", "actor"):
        officer = assigned.get(case_id, (at, False))[1]
        assigned[case_id] = (at, officer or actor is not None)
    paths = topic_paths()
    cases = Case.objects.filter(municipality=municipality, department__isnull=False).values_list(
        "pk",
        "subject",
        "text",
        "territory__name",
        "channel__code",
        "topic_id",
        "department__name",
        "received_at",
    )
    result = []
    for pk, subject, text, territory, channel, topic_id, department, received in cases:
        at, by_officer = assigned.get(pk, (received, False))
        topic = paths.get(topic_id) if topic_id else None
        case = RoutingCase(case_text(subject, text), territory or "", channel, str(topic or ""))
        example = RoutingExample(
            case,
            department,
            at.astimezone(UTC).isoformat(),
            weight=OFFICER_WEIGHT if by_officer else 1.0,
        )
        result.append(RoutedCase(pk, example, by_officer, at))
    return sorted(result, key=lambda r: (r.at, r.case_id))


def routed_count(municipality: Municipality) -> int:
    return Case.objects.filter(municipality=municipality, department__isnull=False).count()


def hold_out(items: Sequence[T], share: float = HELD_OUT) -> tuple[list[T], list[T]]:
    """The earlier items to learn from and the latest `share` to measure on (items are
    sorted oldest first); none held out of fewer than five."""
    if len(items) < 5:
        return list(items), []
    cut = len(items) - max(1, round(len(items) * share))
    return list(items[:cut]), list(items[cut:])
