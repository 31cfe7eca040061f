"""The triage pipeline: every analyser over one batch of texts, with no database access.

`analyse` is what `veche triage FILE` runs and what the case services will apply to a new
case. Texts go through the topic model in batches (one matrix product for many texts); the
rule-based analysers work one text at a time.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from veche.triage.address.mention import AddressGuess
from veche.triage.duplicates import DuplicateIndex
from veche.triage.gazetteer import Gazetteer, Match
from veche.triage.model import TopicModel
from veche.triage.mood import Mood, assess_mood
from veche.triage.pii import PiiSpan, find_pii
from veche.triage.places import best_address
from veche.triage.routing import RoutingCase, RoutingModel
from veche.triage.topics import Scored, TopicGuess, predict
from veche.triage.urgency import Urgency, assess_urgency


@dataclass(frozen=True)
class Analysis:
    topic: TopicGuess
    address: AddressGuess | None
    place: Match | None
    urgency: Urgency
    mood: Mood
    pii: list[PiiSpan]
    duplicate_of: int  # position in the batch of the first text of its near-duplicate group
    departments: tuple[Scored, ...] = ()  # the routing model's best departments, if asked


def analyse(
    texts: Sequence[str],
    *,
    month: int,
    gazetteer: Gazetteer | None = None,
    duplicates: DuplicateIndex | None = None,
    model: TopicModel | None = None,
    routing: RoutingModel | None = None,
    territories: Sequence[str] = (),
) -> list[Analysis]:
    """Analyse a batch. `month` (1–12) decides seasonal urgency (no heating in winter);
    `duplicates` carries near-duplicate groups across batches of one run; `model` is the
    topic model in use (the shipped one if None). Departments are suggested only with a
    `routing` model (whose labels are some organisation's departments), from the text, the
    predicted topic and the text's territory (`territories`, one per text, or none)."""
    index = duplicates if duplicates is not None else DuplicateIndex()
    topics = predict(texts, model)
    departments = _departments(routing, texts, topics, territories)
    results = []
    for text, topic, suggested in zip(texts, topics, departments, strict=True):
        address = best_address(text)
        place = gazetteer.match(address) if gazetteer is not None and address else None
        position = index.add(text)
        results.append(
            Analysis(
                topic=topic,
                address=address,
                place=place,
                urgency=assess_urgency(text, month=month),
                mood=assess_mood(text),
                pii=find_pii(text),
                duplicate_of=index.group(position),
                departments=suggested,
            )
        )
    return results


def _departments(
    routing: RoutingModel | None,
    texts: Sequence[str],
    topics: Sequence[TopicGuess],
    territories: Sequence[str],
) -> list[tuple[Scored, ...]]:
    if routing is None:
        return [()] * len(texts)
    places = territories or [""] * len(texts)
    cases = [
        RoutingCase(text, territory=place, topic=routing.topic_of(topic))
        for text, topic, place in zip(texts, topics, places, strict=True)
    ]
    return routing.predict(cases)
