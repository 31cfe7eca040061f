"""`veche train`: officers' decisions become training examples, trained versions are stored,
switched on and rolled back, and the command reports before/after without switching on
unless told."""

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.personas import NOW, World, make_case
from tests.triage.portal_data import PITS, PITS_TOPIC, write_portal_data
from veche.cases.services import assign_case, change_topic
from veche.triage import corrections, registry, training
from veche.triage.corrections import TopicCorrection
from veche.triage.model import TopicModel
from veche.triage.models import TrainedModel
from veche.triage.routing import RoutingCase
from veche.triage.topics import TopicPath, default_model, predict

SWINGS = "Во дворе дома {} сломаны качели на детской площадке, торчат болты"
TEST_PITS = TopicPath("Дороги (тест)", "Ямы во дворах (тест)")  # world.topic_pits


@pytest.fixture
def portal(tmp_path: Path) -> Path:
    return write_portal_data(tmp_path / "messages.jsonl.gz")


def _tiny_model(portal: Path, fixes: list[tuple[str, str, str]] = []) -> TopicModel:  # noqa: B006
    model, _ = training.train(training.read_messages(portal), fixes)
    return model


def test_an_officers_topic_change_is_a_training_example_and_an_automatic_one_is_not(
    world: World,
) -> None:
    corrected = make_case(world.municipality, text=SWINGS.format(5))
    automatic = make_case(world.municipality, text=SWINGS.format(7))
    change_topic(corrected, world.topic_heating, by=world.operator, now=NOW)
    change_topic(corrected, world.topic_pits, by=world.operator, now=NOW + timedelta(minutes=1))
    change_topic(automatic, world.topic_pits, by=None, now=NOW)

    found = corrections.topic_corrections(world.municipality)

    assert [(c.case_id, c.topic, c.overruled) for c in found] == [(corrected.pk, TEST_PITS, True)]
    assert found[0].text == SWINGS.format(5)
    assert corrections.topic_corrections(world.neighbour) == []


def test_a_topic_no_portal_reason_maps_onto_gets_a_label_of_its_own() -> None:
    fixes = [
        TopicCorrection(1, 1, SWINGS.format(1), TEST_PITS, None, NOW),
        TopicCorrection(2, 1, "Яма на проезжей части у дома 3", PITS_TOPIC, None, NOW),
    ]

    labels = corrections.topic_labels(fixes, default_model())

    assert labels[0] == (SWINGS.format(1), "Вече: Дороги (тест)", "Ямы во дворах (тест)")
    # A mapped topic: one of the portal reasons mapped onto it, the likeliest for the text.
    assert labels[1] == ("Яма на проезжей части у дома 3", *PITS)


def test_a_retrained_model_predicts_the_corrected_topic(portal: Path) -> None:
    text = SWINGS.format(11)
    before = predict([text], _tiny_model(portal))[0]
    fixes = [
        TopicCorrection(n, 1, SWINGS.format(n), TEST_PITS, before.topic, NOW) for n in (1, 2, 3)
    ]

    model = _tiny_model(portal, corrections.topic_labels(fixes, default_model()))

    assert before.topic != TEST_PITS
    assert predict([text], model)[0].topic == TEST_PITS
    # What the portal taught stays.
    assert predict(["Глубокая яма на проезжей части улицы Лесной"], model)[0].topic == PITS_TOPIC
    # The model carries its own label through its bytes.
    assert predict([text], TopicModel.from_bytes(model.to_bytes()))[0].topic == TEST_PITS


def test_versions_are_stored_inactive_and_activation_switches_the_model_in_use(
    db: None, portal: Path, django_assert_num_queries: Any
) -> None:
    first = registry.store_topic_model(_tiny_model(portal), report={}, now=NOW)
    second = registry.store_topic_model(_tiny_model(portal), report={}, now=NOW)

    assert (first.version, second.version) == ("topic-20261123-090000", "topic-20261123-090000-2")
    assert registry.topic_model() is default_model()

    registry.activate(second.version)
    assert registry.topic_model().version == second.version
    with django_assert_num_queries(1):  # the cached model: one query for the active row
        assert registry.topic_model().version == second.version

    registry.activate(first.version)  # roll back
    assert registry.topic_model().version == first.version
    assert list(TrainedModel.objects.filter(is_active=True).values_list("version", flat=True)) == [
        first.version
    ]

    registry.deactivate()
    assert registry.topic_model() is default_model()
    with pytest.raises(registry.UnknownVersion):
        registry.activate("topic-19990101-000000")


def test_an_analysis_records_the_version_in_use(
    world: World, portal: Path, django_capture_on_commit_callbacks: Any
) -> None:
    row = registry.store_topic_model(_tiny_model(portal), report={}, now=NOW)
    registry.activate(row.version)

    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(world.municipality, text=SWINGS.format(1))

    assert case.analysis.model_version == row.version


def test_the_command_reports_before_and_after_and_does_not_switch_on_without_activate(
    world: World, portal: Path
) -> None:
    for n in range(1, 11):
        case = make_case(world.municipality, text=SWINGS.format(n), received_at=NOW)
        change_topic(case, world.topic_pits, by=world.operator, now=NOW + timedelta(minutes=n))
    out = StringIO()

    call_command("train", "--data", str(portal), "--only", "topic", stdout=out, stderr=StringIO())

    text = out.getvalue()
    row = TrainedModel.objects.get()
    assert row.is_active is False and registry.topic_model() is default_model()
    assert f"Модель тем: новая версия {row.version}" in text
    assert "исправлений сотрудников 10" in text and "на проверку 2 последних" in text
    for line in ("Портал · категория", "Портал · причина", "Портал · тема Вече"):
        assert line in text
    # The shipped model cannot know the municipality's own topic; the new one learnt it.
    own = next(line for line in text.splitlines() if line.startswith("Свои исправления"))
    assert own.split()[-7:] == ["0.000", "0.000", "│", "1.000", "1.000", "│", "+1.000"]
    assert "сохранена, не включена" in text and row.report["corrections_test"]["topic"] == {
        "accuracy": 1.0,
        "macro_f1": 1.0,
    }

    out = StringIO()
    call_command("train", "--switch", row.version, stdout=out)
    assert registry.topic_model().version == row.version
    assert predict([SWINGS.format(20)], registry.topic_model())[0].topic == TEST_PITS

    out = StringIO()
    call_command("train", "--list", stdout=out)
    assert f"* {row.version}" in out.getvalue() and "  встроенная" in out.getvalue()

    call_command("train", "--switch", "default", stdout=StringIO())
    assert registry.topic_model() is default_model()


def test_without_the_portal_data_the_topic_model_is_not_trained(db: None, tmp_path: Path) -> None:
    err = StringIO()
    call_command("train", "--data", str(tmp_path / "нет.jsonl.gz"), "--only", "topic", stderr=err)
    assert "VECHE_TRAINING_DATA" in err.getvalue()
    assert not TrainedModel.objects.exists()


def test_activate_switches_on_a_version_that_is_not_worse(world: World, portal: Path) -> None:
    out = StringIO()
    call_command(
        "train", "--data", str(portal), "--only", "topic", "--force", stdout=out, stderr=StringIO()
    )
    row = TrainedModel.objects.get()
    assert row.is_active and f"Версия {row.version} включена" in out.getvalue()


def test_a_municipality_with_enough_routed_cases_gets_a_routing_version(world: World) -> None:
    for n in range(12):
        housing = make_case(world.municipality, text=f"Не греют батареи в квартире дома {n}")
        roads = make_case(world.municipality, text=f"Яма на дороге у дома {n}, разбит асфальт")
        assign_case(housing, world.housing, by=world.operator, now=NOW)
        assign_case(roads, world.roads, by=None, now=NOW)
    out = StringIO()

    call_command("train", "--only", "routing", "--min-routed", "20", stdout=out, stderr=StringIO())

    row = TrainedModel.objects.get(kind=TrainedModel.Kind.ROUTING)
    assert row.municipality == world.municipality and not row.is_active
    assert registry.routing_model(world.municipality) is None
    assert "Соседний округ: обращений с исполнителем 0" in out.getvalue()
    assert row.report["officer_examples"] == 12

    registry.activate(row.version, kind=row.kind, municipality=world.municipality)
    model = registry.routing_model(world.municipality)
    assert model is not None and model.version == row.version
    best = model.predict([RoutingCase("Не греют батареи в квартире дома 40")])
    assert best[0][0].label == world.housing.name


def test_an_own_label_stands_for_its_topic() -> None:
    assert training.label_topic("Вече: Дороги (тест)", "Ямы во дворах (тест)") == TEST_PITS
    assert training.label_topic(*PITS) == PITS_TOPIC
