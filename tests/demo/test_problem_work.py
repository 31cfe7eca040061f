"""The demo's recurring problems: named, two fast tracks that measurably sped the answers up, a
road map whose repairs measurably cut the messages, and a meeting with an overdue instruction."""

from datetime import UTC, datetime

import pytest

from veche.demo.builder import build_demo
from veche.problems.effect import roadmap_effect
from veche.problems.fast_track_effect import fast_track_effect
from veche.problems.models import FastTrack, Instruction, Problem, ProblemCase, Roadmap

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_demo_has_named_problems_fast_tracks_a_road_map_and_instructions() -> None:
    build_demo(cases=1_500, seed=11, now=NOW)

    named = list(Problem.objects.filter(named_at__isnull=False))
    assert {p.title for p in named} >= {
        "Ямы на ул. Ленина у дома 20",
        "Переполнена контейнерная площадка на ул. Мира, 14",
        "Не горит уличное освещение на ул. Школьная",
    }
    for problem in named:
        assert problem.department is not None and problem.cause
        assert problem.case_count == ProblemCase.objects.filter(problem=problem).count() >= 2

    tracks = list(FastTrack.objects.select_related("rule"))
    assert len(tracks) == 2
    assert sorted(t.rule.position for t in tracks if t.rule) == [1, 2]  # tried before the rest
    for track in tracks:
        speed = fast_track_effect(track, now=NOW)
        assert speed.after.cases >= 5 and speed.before.cases >= 5
        assert speed.after.median_days is not None and speed.before.median_days is not None
        assert speed.after.median_days < speed.before.median_days

    roadmap = Roadmap.objects.get()
    effect = roadmap_effect(roadmap, until=NOW.date())
    assert roadmap.is_public and roadmap.actions.count() == 5
    assert effect.now is not None and effect.now.adjusted_change is not None
    assert effect.now.adjusted_change < -0.5

    given = Instruction.objects.filter(meeting__isnull=False)
    assert given.count() == 3
    assert given.filter(due_on__lt=NOW.date(), status=Instruction.Status.OPEN).exists()
