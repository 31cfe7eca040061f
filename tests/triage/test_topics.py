"""The shipped topic model on sentences written for these tests, and its mapping file."""

import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from veche.triage import training
from veche.triage.features import hashed_counts
from veche.triage.model import TopicModel
from veche.triage.topics import (
    MAPPING_PATH,
    TopicPath,
    default_model,
    predict,
    split_label,
    topic_mapping,
)

RUBRICATOR = Path(__file__).resolve().parents[2] / "src/veche/catalog/data/rubricator.json"

EXAMPLES = [
    (
        "На детской площадке сломаны качели, ребёнок чуть не упал",
        "Благоустройство",
        "Не обустроена территория детской площадки",
    ),
    (
        "Во дворе не убирают снег, сплошная наледь, посыпьте песком",
        "Благоустройство",
        "Неубранный снег, требуется обработка территории пескосоляной смесью",
    ),
    (
        "В парадной не горит свет на третьем этаже уже неделю",
        "Содержание МКД",
        "Неисправное освещение в подъезде / на фасаде жилого здания",
    ),
    ("Второй день не работает лифт в нашем подъезде", "Содержание МКД", "Неисправный лифт"),
    ("С крыши свисают огромные сосульки над входом", "Кровля", "Наличие наледи на крыше"),
    (
        "Подъезд не моют, на лестнице грязь и окурки",
        "Содержание МКД",
        "Отсутствие или несоблюдение графика уборки подъезда",
    ),
]


@pytest.fixture(scope="module")
def model() -> TopicModel:
    return default_model()


@pytest.mark.parametrize(("text", "category", "reason"), EXAMPLES)
def test_sentence_lands_in_its_category_and_reason(
    model: TopicModel, text: str, category: str, reason: str
) -> None:
    (guess,) = predict([text], model)

    assert (guess.category, guess.reason) == (category, reason)


def test_topic_is_the_mapped_topic_of_the_reason(model: TopicModel) -> None:
    (guess,) = predict(["Во дворе не убирают снег, сплошная наледь"], model)

    assert guess.topic == TopicPath(
        "Благоустройство", "Уборка дворовых и придомовых территорий от снега и наледи"
    )


def test_candidates_are_sorted_probabilities_that_sum_to_at_most_one(model: TopicModel) -> None:
    guesses = predict([text for text, _, _ in EXAMPLES] + ["", "12345"], model)

    for guess in guesses:
        for candidates in (guess.categories, guess.reasons, guess.topics):
            probabilities = [c.probability for c in candidates]
            assert 1 <= len(probabilities) <= 5
            assert probabilities == sorted(probabilities, reverse=True)
            assert all(0 <= p <= 1 for p in probabilities)
            assert sum(probabilities) <= 1 + 1e-6
        assert guess.confidence <= guess.reasons[0].probability + 1e-9


def test_shipped_model_carries_version_and_training_figures(model: TopicModel) -> None:
    report = model.meta["report"]

    assert model.version.startswith("spb-gorod-")
    assert model.meta["trained_at"]
    assert report["rows"]["messages"] > 30_000
    assert report["test"]["category"]["macro_f1"] > 0.8


def test_mapping_names_only_topics_of_the_rubricator() -> None:
    groups = json.loads(RUBRICATOR.read_text(encoding="utf-8"))["groups"]
    topics = {TopicPath(g["name"], t["name"]) for g in groups for t in g["topics"]}

    assert set(topic_mapping().values()) - topics == set()


def test_every_reason_the_model_knows_is_mapped(model: TopicModel) -> None:
    reasons = {split_label(label) for label in model.reason.labels}

    assert reasons - set(topic_mapping()) == set()


def test_mapping_lists_each_reason_once() -> None:
    entries = json.loads(MAPPING_PATH.read_text(encoding="utf-8"))["mapping"]
    pairs = Counter((e["category"], e["reason"]) for e in entries)

    assert [pair for pair, n in pairs.items() if n > 1] == []


def test_every_frequent_reason_of_the_shared_data_is_mapped() -> None:
    path = training.data_path()
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must have the shared training data at {path}")
        pytest.skip(f"the shared training data is not here ({path}; set VECHE_TRAINING_DATA)")
    counts = Counter(
        (" ".join(m.category.split()), " ".join(m.reason.split()))
        for m in training.read_messages(path)
    )

    assert {pair for pair, n in counts.items() if n >= 20} - set(topic_mapping()) == set()


def test_a_saved_model_loads_with_the_same_probabilities(tmp_path: Path) -> None:
    messages = [
        training.Message(text, category, reason, at=f"2021-01-{i % 28 + 1:02d}")
        for i, (text, category, reason) in enumerate(EXAMPLES * 3)
    ]
    model = training.fit(messages)
    path = tmp_path / "model.npz"

    model.save(path)
    loaded = TopicModel.load(path)

    texts = [text for text, _, _ in EXAMPLES]
    features = model.space.transform(hashed_counts(texts))
    again = loaded.space.transform(hashed_counts(texts))
    for name in ("category", "reason"):
        np.testing.assert_allclose(
            getattr(loaded, name).probabilities(again),
            getattr(model, name).probabilities(features),
            rtol=1e-3,
            atol=1e-4,
        )
