"""This installation's topics by name: the bridge between the topic model, which speaks of
(group, topic) names, and the database, which stores topic ids."""

from veche.catalog.models import Topic
from veche.triage.topics import TopicPath


def topic_paths() -> dict[int, TopicPath]:
    """Topic id → (group, name) for the topics inside a group (the ones cases carry)."""
    return {
        pk: TopicPath(group, name)
        for pk, name, group in Topic.objects.filter(parent__isnull=False).values_list(
            "pk", "name", "parent__name"
        )
    }
