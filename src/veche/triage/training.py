"""Training the topic model on the portal's messages and the municipality's corrections.

`train(messages, corrections)` drops exact duplicate texts, splits by time (the latest
`test_share` of messages, by their first petition or status, are the test part), fits the
model on the earlier part, measures it on the later one, and by default fits the shipped
model again on everything. Probabilities come from a softmax over each head's scores with a
temperature fitted on the latest tenth of the training part by a model that did not see it.

Corrections (an officer's topic, as a (category, reason) label: `veche.triage.corrections`)
weigh CORRECTION_WEIGHT portal messages each. `held_out` corrections are measured like the
test part (only Veche's topic: their labels were derived from it) and learnt only by the refit.
"""

import ast
import gzip
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.metrics import accuracy_score, f1_score
from sklearn.svm import LinearSVC

from veche.triage.features import FeatureSpace, hashed_counts
from veche.triage.model import LinearHead, TopicModel, softmax
from veche.triage.topics import (
    TopicPath,
    best_labels,
    own_topics,
    predict,
    reason_label,
    split_label,
    topic_mapping,
)

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "spb-gorod" / "messages.jsonl.gz"
CORRECTION_WEIGHT = 3.0  # a municipality's own decision outweighs one portal message
KEEP = {"category": 600_000, "reason": 2_000_000}  # weights kept per head: the artifact size
C = 0.5
Label = tuple[str, str, str]  # text, category, reason


@dataclass(frozen=True)
class Message:
    text: str
    category: str
    reason: str
    at: str = ""  # ISO time of the first petition or status; "" for corrections


def data_path() -> Path:
    """VECHE_TRAINING_DATA, else ../shared/data/spb-gorod/messages.jsonl.gz next to the repo."""
    return Path(os.environ.get("VECHE_TRAINING_DATA") or DEFAULT_DATA)


def read_messages(path: Path | None = None) -> list[Message]:
    with gzip.open(path or data_path(), "rt", encoding="utf-8") as lines:
        return [_message(json.loads(line)) for line in lines if line.strip()]


def _message(row: dict[str, Any]) -> Message:
    times = [
        str(item["dt"])
        for key in ("petitions", "statuses")
        for item in _listed(row.get(key))
        if item.get("dt")
    ]
    return Message(row["text"] or "", row["category"], row["reason"], min(times, default=""))


def _listed(value: Any) -> list[dict[str, Any]]:
    """Lists arrive as JSON lists or as their Python repr."""
    if isinstance(value, str):
        value = ast.literal_eval(value) if value.strip() else []
    return list(value or [])


def dedupe(messages: Iterable[Message]) -> list[Message]:
    """The earliest message of each exact text (whitespace at the ends ignored)."""
    seen: set[str] = set()
    kept = []
    for m in sorted(messages, key=lambda m: m.at):
        key = m.text.strip()
        if key and key not in seen:
            seen.add(key)
            kept.append(m)
    return kept


def time_split(
    messages: Sequence[Message], test_share: float = 0.2
) -> tuple[list[Message], list[Message]]:
    ordered = sorted(messages, key=lambda m: m.at)
    cut = round(len(ordered) * (1 - test_share))
    return ordered[:cut], ordered[cut:]


def train(
    messages: Iterable[Message],
    corrections: Iterable[Label] = (),
    *,
    held_out: Iterable[Label] = (),
    test_share: float = 0.2,
    refit_all: bool = True,
    step: Callable[[str], object] = lambda name: None,
) -> tuple[TopicModel, dict[str, Any]]:
    """The model and its report: test figures on the time split, and the data it saw.
    `step` is told the name of each stage as it starts (a progress bar)."""
    fixes = [Message(t, c, r) for t, c, r in corrections]
    held = [Message(t, c, r) for t, c, r in held_out]
    kept, earlier, later = split(messages, fixes + held, test_share)
    fit_part, calibration = time_split(earlier, 0.1)
    step("калибровка")
    temperatures = _temperatures(fit(fit_part + fixes), calibration)
    step("обучение")
    model = fit(earlier + fixes, temperatures)
    step("проверка")
    report = {
        "rows": {
            "messages": len(kept),
            "train": len(earlier),
            "test": len(later),
            "corrections": len(fixes) + len(held),
            "held_out": len(held),
        },
        "train_until": earlier[-1].at if earlier else "",
        "test_from": later[0].at if later else "",
        "refit_all": refit_all,
        "test": evaluate(model, later),
        "corrections_test": evaluate_topics(model, held) if held else None,
    }
    if refit_all:
        step("обучение на всём")
        model = fit(kept + fixes + held, temperatures)
    return _stamped(model, report), report


def split(
    messages: Iterable[Message], corrections: Sequence[Message], test_share: float = 0.2
) -> tuple[list[Message], list[Message], list[Message]]:
    """The messages kept (no duplicates, none a correction overrules), their earlier part
    and their test part: what `train` learns from and measures on."""
    fixed = {m.text.strip() for m in corrections}
    kept = [m for m in dedupe(messages) if m.text.strip() not in fixed]
    earlier, later = time_split(kept, test_share)
    return kept, earlier, later


def fit(messages: Sequence[Message], temperatures: dict[str, float] | None = None) -> TopicModel:
    temperatures = temperatures or {}
    counts = hashed_counts([m.text for m in messages])
    space = FeatureSpace.fit(counts)
    features = space.transform(counts)
    weights = np.array([1.0 if m.at else CORRECTION_WEIGHT for m in messages])
    categories = [" ".join(m.category.split()) for m in messages]
    reasons = [reason_label(m.category, m.reason) for m in messages]
    heads = {
        "category": _head(features, categories, weights, balanced=True),
        "reason": _head(features, reasons, weights, balanced=False),
    }
    category, reason = (
        LinearHead(h.labels, h.weights, h.intercept, temperatures.get(name, 1.0)).compact(
            keep=KEEP[name]
        )
        for name, h in heads.items()
    )
    own = [
        {"category": c, "reason": r, "group": t.group, "topic": t.name}
        for (c, r), t in own_topics(reason.labels).items()
    ]
    return TopicModel(space, category, reason, {"own_topics": own} if own else {})


def _head(
    features: sparse.csr_matrix, labels: list[str], weights: np.ndarray, *, balanced: bool
) -> LinearHead:
    svm = LinearSVC(C=C, class_weight="balanced" if balanced else None)
    svm.fit(features, labels, sample_weight=weights)
    coef, intercept = svm.coef_, svm.intercept_
    if len(svm.classes_) == 2:  # one score for two labels: make it two rows
        coef, intercept = np.vstack([-coef, coef]) / 2, np.array([-intercept[0], intercept[0]]) / 2
    return LinearHead(
        tuple(str(c) for c in svm.classes_), sparse.csr_matrix(coef), np.asarray(intercept)
    )


def _temperatures(model: TopicModel, messages: Sequence[Message]) -> dict[str, float]:
    """The softmax temperature of each head that best predicts held-out labels (least NLL)."""
    features = model.space.transform(hashed_counts([m.text for m in messages]))
    truth = {
        "category": [" ".join(m.category.split()) for m in messages],
        "reason": [reason_label(m.category, m.reason) for m in messages],
    }
    result = {}
    for name in ("category", "reason"):
        head: LinearHead = getattr(model, name)
        index = {label: i for i, label in enumerate(head.labels)}
        known = [(row, index[t]) for row, t in enumerate(truth[name]) if t in index]
        rows, columns = (np.array(x) for x in zip(*known, strict=True))
        scores = head.scores(features)[rows]

        def loss(log_t: float, scores: np.ndarray = scores, columns: np.ndarray = columns) -> float:
            p = softmax(scores / np.exp(log_t))[np.arange(len(columns)), columns]
            return float(-np.log(np.maximum(p, 1e-12)).mean())

        result[name] = float(np.exp(minimize_scalar(loss, bounds=(-5, 3), method="bounded").x))
    return result


def evaluate(model: TopicModel, messages: Sequence[Message]) -> dict[str, Any]:
    """Accuracy and macro-F1 of the category, the reason and Veche's topic."""
    texts = [m.text for m in messages]
    categories, reasons = best_labels(model, texts)
    true_reasons = [reason_label(m.category, m.reason) for m in messages]
    mapping = topic_mapping()
    topics = [str(g.topic) for g in predict(texts, model)]
    true_topics = [str(mapping.get(split_label(r))) for r in true_reasons]
    return {
        "category": scores([" ".join(m.category.split()) for m in messages], categories),
        "reason": scores(true_reasons, reasons),
        "topic": scores(true_topics, topics),
    }


def evaluate_topics(model: TopicModel, corrections: Sequence[Message]) -> dict[str, Any]:
    """Accuracy and macro-F1 of Veche's topic on corrections (their labels name the topic)."""
    truth = [str(label_topic(m.category, m.reason)) for m in corrections]
    topics = [str(g.topic) for g in predict([m.text for m in corrections], model)]
    return {"topic": scores(truth, topics)}


def label_topic(category: str, reason: str) -> TopicPath | None:
    """The Veche topic a (category, reason) label stands for, an own label included."""
    label = reason_label(category, reason)
    return topic_mapping().get(split_label(label)) or own_topics([label]).get(split_label(label))


def scores(truth: Sequence[str], guess: Sequence[str]) -> dict[str, float]:
    return {
        "accuracy": round(float(accuracy_score(truth, guess)), 4),
        "macro_f1": round(float(f1_score(truth, guess, average="macro", zero_division=0)), 4),
    }


def _stamped(model: TopicModel, report: dict[str, Any]) -> TopicModel:
    now = datetime.now(UTC)
    meta = model.meta | {
        "version": f"spb-gorod-{now:%Y%m%d}-{report['rows']['messages']}",
        "trained_at": now.isoformat(timespec="seconds"),
        "features": model.space.size,
        "report": report,
    }
    return TopicModel(model.space, model.category, model.reason, meta)


def write_default_model(path: Path | None = None) -> dict[str, Any]:
    """Train on the shared data (no corrections) and write the shipped artifact."""
    from veche.triage.topics import MODEL_PATH

    model, report = train(read_messages())
    model.save(path or MODEL_PATH)
    return report


if __name__ == "__main__":  # .venv/bin/python -m veche.triage.training
    write_default_model()
