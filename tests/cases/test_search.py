"""Search in Russian word forms through the inbox selector, on the database's own index."""

import pytest

from tests.personas import World, make_case
from veche.cases.selectors import CaseFilter, inbox_cases
from veche.cases.services import change_topic


@pytest.fixture
def texts(world: World) -> dict[str, int]:
    samples = {
        "pit": "Во дворе огромная яма, вчера пробил колесо.",
        "icicles": "С крыши свисают сосульки над входом в подъезд.",
        "heating": "В квартире холодно, батареи еле тёплые, нет отопления.",
        "lamps": "На улице Ленина не горят фонари уличного освещения.",
    }
    return {
        key: make_case(world.municipality, text=text, department=world.housing).pk
        for key, text in samples.items()
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ямы", {"pit"}),
        ("яма во дворах", {"pit"}),
        ("сосулек", {"icicles"}),
        ("отоплением батарея", {"heating"}),
        ("фонарь", {"lamps"}),
        ("тёплый", {"heating"}),
        ("теплые батареи", {"heating"}),
        ("яма сосулька", set()),
        ("трамвай", set()),
    ],
)
def test_search_matches_every_word_in_any_form(
    world: World, texts: dict[str, int], query: str, expected: set[str]
) -> None:
    found = set(inbox_cases(world.operator, CaseFilter(text=query)).values_list("pk", flat=True))

    assert found == {texts[k] for k in expected}


def test_search_finds_by_registration_number(world: World, texts: dict[str, int]) -> None:
    found = inbox_cases(world.operator, CaseFilter(text="мцу-2026-000002"))

    assert list(found.values_list("pk", flat=True)) == [texts["icicles"]]


def test_search_respects_visibility(world: World, texts: dict[str, int]) -> None:
    assert not inbox_cases(world.roads_executor, CaseFilter(text="яма")).exists()
    assert not inbox_cases(world.neighbour_operator, CaseFilter(text="яма")).exists()
    assert inbox_cases(world.housing_executor, CaseFilter(text="яма")).count() == 1


def test_search_index_follows_updates_of_other_fields(world: World, texts: dict[str, int]) -> None:
    pit = inbox_cases(world.operator, CaseFilter(text="яма")).get()
    change_topic(pit, world.topic_pits, by=world.operator, now=pit.received_at)

    found = inbox_cases(world.operator, CaseFilter(text="ямы", topic_id=world.topic_pits.pk))

    assert list(found.values_list("pk", flat=True)) == [texts["pit"]]


def test_punctuation_and_quotes_in_the_query_are_harmless(
    world: World, texts: dict[str, int]
) -> None:
    found = inbox_cases(world.operator, CaseFilter(text='"яма" OR NEAR( * -сосулька'))

    assert set(found.values_list("pk", flat=True)) == set()
    assert inbox_cases(world.operator, CaseFilter(text='"ямы!"')).count() == 1
