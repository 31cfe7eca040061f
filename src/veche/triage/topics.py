"""Topic guesses for citizens' texts: the portal's category and reason, and Veche's topic.

The shipped model (data/topic_model.npz, built by `veche.triage.training.train`) has two
linear heads over the same features: one over the «Наш Санкт-Петербург» categories and one
over its (category, reason) pairs. Each reason's probability is multiplied by its
category's and renormalised; a category's probability is then the sum over its reasons,
and the reason shown is the best one inside the category shown, so the two always agree.

Veche's topic is not learnt: it is the sum of the probabilities of the reasons that
data/spb_to_topics.json maps onto it. The mapping is many reasons → one topic, so summing
gives a proper distribution over topics; editing the mapping needs no retraining; and the
finer reasons keep what a model trained straight on the coarser topics would blur.

An officer may set a topic no portal reason maps onto. `veche train` then learns it under a
label of its own (`own_label`: category «Вече: <group>», reason = the topic's name), and the
model lists those labels in its meta (`own_topics`), which `predict` adds to the mapping. The
shipped model has none, so its output does not change.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from veche.triage.features import hashed_counts
from veche.triage.model import TopicModel

DATA = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA / "topic_model.npz"
MAPPING_PATH = DATA / "spb_to_topics.json"
OWN = "Вече: "  # starts the category of a label learnt for a topic with no portal reason
SEP = "\t"  # between category and reason in a reason label: no name holds a tab
TOP = 5


class TopicPath(NamedTuple):
    """A Veche topic by name (ids differ between installations)."""

    group: str
    name: str

    def __str__(self) -> str:
        return f"{self.group} / {self.name}"


@dataclass(frozen=True)
class Scored:
    label: str
    probability: float


@dataclass(frozen=True)
class TopicScore:
    topic: TopicPath
    probability: float


@dataclass(frozen=True)
class TopicGuess:
    """The best guesses for one text, each list sorted by probability, at most TOP long.

    `confidence` is the probability of the best reason: the most specific part of the guess,
    which also decides the topic. Probabilities in a list sum to at most 1.
    """

    category: str
    reason: str
    topic: TopicPath | None
    categories: tuple[Scored, ...]
    reasons: tuple[Scored, ...]
    topics: tuple[TopicScore, ...]
    confidence: float


def reason_label(category: str, reason: str) -> str:
    return f"{clean(category)}{SEP}{clean(reason)}"


def split_label(label: str) -> tuple[str, str]:
    category, _, reason = label.partition(SEP)
    return category, reason


def clean(name: str) -> str:
    """Names as the mapping spells them: runs of whitespace collapsed."""
    return " ".join(name.split())


def own_label(topic: TopicPath) -> tuple[str, str]:
    """The (category, reason) a topic is learnt under when no portal reason maps onto it."""
    return f"{OWN}{clean(topic.group)}", clean(topic.name)


def own_topics(labels: Iterable[str]) -> dict[tuple[str, str], TopicPath]:
    """The topics of the reason labels made by `own_label`, by (category, reason)."""
    pairs = (split_label(label) for label in labels)
    return {(c, r): TopicPath(c.removeprefix(OWN), r) for c, r in pairs if c.startswith(OWN)}


def model_mapping(model: TopicModel) -> dict[tuple[str, str], TopicPath]:
    """The portal's mapping, plus the model's own labels listed in its meta."""
    own = model.meta.get("own_topics")
    if not own:
        return topic_mapping()
    return topic_mapping() | {
        (e["category"], e["reason"]): TopicPath(e["group"], e["topic"]) for e in own
    }


@cache
def default_model() -> TopicModel:
    """The shipped model, read once per process."""
    return TopicModel.load(MODEL_PATH)


@cache
def topic_mapping() -> dict[tuple[str, str], TopicPath]:
    """(category, reason) → Veche topic, from data/spb_to_topics.json."""
    doc = json.loads(MAPPING_PATH.read_text(encoding="utf-8"))
    return {(e["category"], e["reason"]): TopicPath(e["group"], e["topic"]) for e in doc["mapping"]}


def predict(texts: Sequence[str], model: TopicModel | None = None) -> list[TopicGuess]:
    model = model or default_model()
    categories, reasons = joint_probabilities(model, texts)
    mapping, owner = model_mapping(model), _owner(model)
    return [_guess(model, c, r, owner, mapping) for c, r in zip(categories, reasons, strict=True)]


def best_labels(model: TopicModel, texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """The predicted category and reason label of each text (what `predict` shows first)."""
    categories, reasons = joint_probabilities(model, texts)
    best_category = categories.argmax(axis=1)
    inside = _owner(model)[None, :] == best_category[:, None]
    best_reason = np.where(inside, reasons, -1).argmax(axis=1)
    return (
        [model.category.labels[i] for i in best_category],
        [model.reason.labels[i] for i in best_reason],
    )


def joint_probabilities(model: TopicModel, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """P(category) and P(reason) per text, the reason head weighted by the category head."""
    features = model.space.transform(hashed_counts(texts))
    by_category = model.category.probabilities(features)
    by_reason = model.reason.probabilities(features)
    owner = _owner(model)
    joint = by_reason * np.where(owner >= 0, by_category[:, np.maximum(owner, 0)], 0)
    joint /= np.maximum(joint.sum(axis=1, keepdims=True), 1e-12)
    categories = np.zeros_like(by_category)
    for i in range(len(model.category.labels)):
        categories[:, i] = joint[:, owner == i].sum(axis=1)
    return categories, joint


@cache
def _owners(category_labels: tuple[str, ...], reason_labels: tuple[str, ...]) -> np.ndarray:
    index = {c: i for i, c in enumerate(category_labels)}
    return np.array([index.get(split_label(r)[0], -1) for r in reason_labels])


def _owner(model: TopicModel) -> np.ndarray:
    """The column of each reason's category in the category head (-1: none)."""
    return _owners(model.category.labels, model.reason.labels)


def _guess(
    model: TopicModel,
    categories: np.ndarray,
    reasons: np.ndarray,
    owner: np.ndarray,
    mapping: dict[tuple[str, str], TopicPath],
) -> TopicGuess:
    best_category = int(categories.argmax())
    best_reason = int(np.where(owner == best_category, reasons, -1).argmax())
    by_topic: dict[TopicPath, float] = defaultdict(float)
    for i in np.flatnonzero(reasons > 1e-4):
        topic = mapping.get(split_label(model.reason.labels[i]))
        if topic is not None:
            by_topic[topic] += float(reasons[i])
    topics = sorted(by_topic.items(), key=lambda kv: -kv[1])[:TOP]
    return TopicGuess(
        category=model.category.labels[best_category],
        reason=split_label(model.reason.labels[best_reason])[1],
        topic=topics[0][0] if topics else None,
        categories=_top(model.category.labels, categories),
        reasons=tuple(
            Scored(split_label(s.label)[1], s.probability)
            for s in _top(model.reason.labels, reasons)
        ),
        topics=tuple(TopicScore(t, min(1.0, p)) for t, p in topics),
        confidence=float(reasons[best_reason]),
    )


def _top(labels: tuple[str, ...], probabilities: np.ndarray) -> tuple[Scored, ...]:
    order = np.argsort(-probabilities)[:TOP]
    return tuple(Scored(labels[i], min(1.0, float(probabilities[i]))) for i in order)
