"""Routing: learnt from territory × topic, the file, small data, the shipped model."""

import io
import json
import os
import random
from pathlib import Path

import numpy as np
import pytest

from veche.triage import training
from veche.triage.routing import (
    Majority,
    RoutingCase,
    RoutingExample,
    RoutingModel,
    dedupe,
    default_model,
    evaluate,
    fit_routing,
    held_out,
    portal_examples,
    train_routing,
)
from veche.triage.topics import Scored

ADMINISTRATION = "Администрация района"
AGENCY = "Жилищное агентство"
# The same topic goes to a different body in each territory: no single feature decides.
BODY = {
    ("Северный", "Дороги"): ADMINISTRATION,
    ("Северный", "Дворы"): AGENCY,
    ("Южный", "Дороги"): AGENCY,
    ("Южный", "Дворы"): ADMINISTRATION,
}
WORDS = {
    "Дороги": ["яма на дороге", "разбит асфальт", "нет разметки", "провал проезжей части"],
    "Дворы": ["сломаны качели", "не убран снег во дворе", "мусор у подъезда", "нет скамейки"],
}


def synthetic(n: int, *, seed: int = 1) -> list[RoutingExample]:
    rng = random.Random(seed)
    examples = []
    for i in range(n):
        territory, topic = rng.choice(sorted(BODY))
        text = f"{rng.choice(WORDS[topic])}, дом {i}, прошу помочь"
        case = RoutingCase(text, territory=territory, channel="pos", topic=topic)
        examples.append(
            RoutingExample(case, BODY[territory, topic], at=f"2024-03-{i % 28 + 1:02d}")
        )
    return examples


@pytest.fixture(scope="module")
def model() -> RoutingModel:
    return fit_routing(synthetic(160))


@pytest.mark.parametrize(("territory", "topic"), sorted(BODY))
def test_a_topic_goes_to_the_body_of_its_territory(
    model: RoutingModel, territory: str, topic: str
) -> None:
    case = RoutingCase(f"{WORDS[topic][0]} возле дома 7", territory=territory, topic=topic)

    (candidates,) = model.predict([case])

    assert candidates[0].label == BODY[territory, topic]
    assert candidates[0].probability > 0.5


def test_names_are_matched_regardless_of_case_and_spaces(model: RoutingModel) -> None:
    plain = RoutingCase("яма на дороге", territory="Южный", topic="Дороги")
    spelt = RoutingCase("яма на дороге", territory=" южный ", topic="ДОРОГИ")

    assert model.predict([plain]) == model.predict([spelt])


def test_candidates_are_sorted_probabilities_that_sum_to_one(model: RoutingModel) -> None:
    cases = [
        RoutingCase("яма на дороге", territory="Северный", topic="Дороги"),
        RoutingCase("", territory="Неизвестный", topic="Новая тема"),
        RoutingCase("12345"),
    ]

    for candidates in model.predict(cases):
        probabilities = [c.probability for c in candidates]
        assert [c.label for c in candidates] != []
        assert {c.label for c in candidates} == {ADMINISTRATION, AGENCY}
        assert probabilities == sorted(probabilities, reverse=True)
        assert sum(probabilities) == pytest.approx(1.0, abs=1e-5)


def test_no_cases_give_no_candidates(model: RoutingModel) -> None:
    assert model.predict([]) == []


def test_bytes_round_trip_gives_identical_predictions(model: RoutingModel, tmp_path: Path) -> None:
    cases = [e.case for e in synthetic(30, seed=7)]
    stamped = model.with_meta(version="test-1", report={"test": None})

    again = RoutingModel.from_bytes(stamped.to_bytes())
    stamped.save(tmp_path / "routing.npz")
    loaded = RoutingModel.load(tmp_path / "routing.npz")

    assert again.version == loaded.version == "test-1"
    assert again.labels == loaded.labels == model.labels
    assert again.keys == model.keys
    for other in (again, loaded):
        assert [[s.label for s in g] for g in other.predict(cases)] == [
            [s.label for s in g] for g in model.predict(cases)
        ]
        np.testing.assert_allclose(
            other.probabilities(cases), model.probabilities(cases), rtol=1e-6, atol=1e-7
        )


def test_a_file_of_another_format_is_refused(model: RoutingModel) -> None:
    with np.load(io.BytesIO(model.to_bytes()), allow_pickle=False) as f:
        arrays = {name: f[name] for name in f.files}
    arrays["meta"] = np.array(json.dumps(json.loads(str(arrays["meta"])) | {"format": 99}))
    other = io.BytesIO()
    np.savez(other, **arrays)

    with pytest.raises(ValueError, match="format 99"):
        RoutingModel.from_bytes(other.getvalue())


def test_two_departments_from_a_handful_of_cases() -> None:
    examples = [
        RoutingExample(RoutingCase("не горит фонарь у дома"), "Отдел ЖКХ"),
        RoutingExample(RoutingCase("фонарь не горит во дворе"), "Отдел ЖКХ"),
        RoutingExample(RoutingCase("не вывезли мусор с площадки"), "Отдел благоустройства"),
        RoutingExample(RoutingCase("мусор не вывозят неделю"), "Отдел благоустройства"),
    ]

    model = fit_routing(examples)
    (lamp, waste) = model.predict([RoutingCase("фонарь не горит"), RoutingCase("мусор")])

    assert model.labels == ("Отдел ЖКХ", "Отдел благоустройства")
    assert lamp[0].label == "Отдел ЖКХ"
    assert waste[0].label == "Отдел благоустройства"


def test_one_department_gets_every_case_for_sure() -> None:
    model = fit_routing([RoutingExample(RoutingCase("яма во дворе"), "Отдел ЖКХ")])

    assert model.predict([RoutingCase("совсем другое")]) == [(Scored("Отдел ЖКХ", 1.0),)]


def test_a_department_with_one_example_is_learnt() -> None:
    examples = synthetic(40)
    examples.append(
        RoutingExample(RoutingCase("не работает светофор", topic="Светофоры"), "Дорожная служба")
    )

    model = fit_routing(examples)
    (candidates,) = model.predict([RoutingCase("светофор не работает", topic="Светофоры")])

    assert "Дорожная служба" in model.labels
    assert candidates[0].label == "Дорожная служба"


def test_train_routing_reports_the_latest_cases_next_to_the_majority_baseline() -> None:
    model, report = train_routing(synthetic(200), test_share=0.25)

    assert report["rows"] == {"examples": 200, "train": 150, "test": 50}
    assert report["test"]["accuracy"] == 1.0
    assert report["test"]["top3"] == 1.0
    assert set(report["baseline"]) == {"accuracy", "top3", "macro_f1"}
    assert report["train_until"] <= report["test_from"]
    assert model.meta["report"] == report
    assert model.version.startswith("routing-")


def test_train_routing_copes_with_three_cases_and_keeps_them_all() -> None:
    examples = synthetic(3)

    model, report = train_routing(examples)

    assert report["rows"]["examples"] == 3
    assert report["temperature"] == 1.0
    assert set(model.labels) == {e.department for e in examples}


def test_copies_of_one_case_count_once_and_the_earliest_stays() -> None:
    case = RoutingCase("яма", territory="Южный")
    examples = [
        RoutingExample(case, "Поздний", at="2024-02-01"),
        RoutingExample(case, "Ранний", at="2024-01-01"),
        RoutingExample(RoutingCase("яма", territory="Северный"), "Другой", at="2024-01-05"),
    ]

    assert [e.department for e in dedupe(examples)] == ["Ранний", "Другой"]


def test_majority_baseline_backs_off_from_pair_to_topic_to_all() -> None:
    examples = [
        RoutingExample(RoutingCase("", territory="Южный", topic="Дороги"), "А"),
        RoutingExample(RoutingCase("", territory="Северный", topic="Дороги"), "Б"),
        RoutingExample(RoutingCase("", territory="Северный", topic="Дороги"), "Б"),
        RoutingExample(RoutingCase("", territory="Северный", topic="Дворы"), "В"),
        RoutingExample(RoutingCase("", territory="Северный", topic="Дворы"), "В"),
        RoutingExample(RoutingCase("", territory="Северный", topic="Дворы"), "В"),
    ]
    majority = Majority.fit(examples)

    assert majority.ranked(RoutingCase("", territory="Южный", topic="Дороги")) == ["А", "Б", "В"]
    assert majority.ranked(RoutingCase("", territory="Западный", topic="Дороги")) == ["Б", "А", "В"]
    assert majority.ranked(RoutingCase("", territory="Западный")) == ["В", "Б", "А"]


def test_shipped_model_carries_version_and_its_figures_beat_the_baseline() -> None:
    shipped = default_model()
    report = shipped.meta["report"]

    assert shipped.version.startswith("spb-gorod-routing-")
    assert shipped.meta["topics"] == "portal"
    assert report["rows"]["examples"] > 25_000
    assert report["test"]["accuracy"] > report["baseline"]["accuracy"] + 0.05
    assert len(shipped.labels) > 50


def test_shipped_model_routes_held_out_messages_well_above_the_majority_baseline() -> None:
    path = training.data_path()
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must have the shared training data at {path}")
        pytest.skip(f"the shared training data is not here ({path}; set VECHE_TRAINING_DATA)")
    examples = portal_examples(path)
    held = dedupe(e for e in examples if held_out(e))
    baseline = Majority.fit([e for e in examples if not held_out(e)])

    learnt, majority = evaluate(default_model(), held), evaluate(baseline, held)

    assert len(held) > 400
    assert learnt["accuracy"] > 0.72
    assert learnt["accuracy"] > majority["accuracy"] + 0.08
    assert learnt["top3"] > majority["top3"]
