"""The demo's text templates: every slot fills, every season has words, every topic exists."""

import pytest

from veche.demo.problems import PROBLEMS, topic_ids
from veche.demo.problems.base import SEASON_TAGS, statements_for


def test_problem_keys_are_unique() -> None:
    keys = [p.key for p in PROBLEMS]
    assert len(keys) == len(set(keys))


@pytest.mark.django_db
def test_every_problem_names_a_seeded_topic() -> None:
    assert set(topic_ids()) == {p.key for p in PROBLEMS}


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.key)
def test_every_template_fills_its_slots(problem) -> None:
    for month in range(1, 13):
        for statement in statements_for(problem, month):
            assert "{" not in statement.format(dur="вторые сутки")
            assert statement.partition(": ")[0] not in SEASON_TAGS
    for answer in problem.done + problem.plans:
        filled = answer.format(date="01.02.2026", until="15.02.2026", year=2026)
        assert "{" not in filled
        assert filled[:1].islower() or filled[:1].isdigit()  # continues a sentence


def test_seasonal_statements_are_written_only_in_their_season() -> None:
    snow_stop = next(p for p in PROBLEMS if p.key == "bus_stop")
    assert any("снегом" in s for s in statements_for(snow_stop, 1))
    assert not any("снегом" in s for s in statements_for(snow_stop, 7))
