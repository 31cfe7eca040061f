"""Every problem the demo's citizens write about (see base.Problem)."""

from veche.catalog.models import Topic
from veche.demo.problems.base import Problem
from veche.demo.problems.housing import HOUSING
from veche.demo.problems.other import OTHER
from veche.demo.problems.roads import ROADS, TRANSPORT
from veche.demo.problems.social import SOCIAL_SPHERE
from veche.demo.problems.yards import WASTE, YARDS

PROBLEMS: tuple[Problem, ...] = ROADS + TRANSPORT + YARDS + WASTE + HOUSING + SOCIAL_SPHERE + OTHER


class MissingTopicError(LookupError):
    """A problem names a topic the seeded rubricator does not have."""


def topic_ids(problems: tuple[Problem, ...] = PROBLEMS) -> dict[str, int]:
    """Problem key → id of its topic in the seeded rubricator (catalog migration 0004)."""
    wanted = {p.topic for p in problems}
    rows = Topic.objects.filter(parent__isnull=False, parent__parent__isnull=True).values_list(
        "parent__name", "name", "id"
    )
    found = {(group, name): pk for group, name, pk in rows if (group, name) in wanted}
    missing = sorted(wanted - found.keys())
    if missing:
        raise MissingTopicError(f"В рубрикаторе нет тем: {missing}")
    return {p.key: found[p.topic] for p in problems}


__all__ = ["PROBLEMS", "MissingTopicError", "Problem", "topic_ids"]
