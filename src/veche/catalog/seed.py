"""The rubricator every deployment starts with: groups of topics and their topics.

The tree lives in `data/rubricator.json`: the 26 groups («Группа тем») of the Perm IM-style
rubricator plus «Прочее», with every topic of the Инцидент Менеджмент list (severity 1–5) and
of the Perm list under exactly one group (DOMAIN.md §2.3). Topic names are shown to users;
`im_name` keeps the name as the source system spells it (★ included), for matching imports.

The function takes the model class so that the data migration can pass its historical model
and tests the real one. It is idempotent: groups are matched by name, topics by (group, name).
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict

if TYPE_CHECKING:
    from veche.catalog.models import Topic

RUBRICATOR = Path(__file__).resolve().parent / "data" / "rubricator.json"


class TopicSpec(TypedDict):
    name: str
    severity: int
    im_name: str


class GroupSpec(TypedDict):
    name: str
    socially_significant: bool
    totk_code: NotRequired[str]  # a ТОТК section code, only where the section is certain
    topics: list[TopicSpec]


@dataclass
class SeedResult:
    created: int = 0
    updated: int = 0


def load_rubricator(path: Path = RUBRICATOR) -> list[GroupSpec]:
    with path.open(encoding="utf-8") as f:
        groups: list[GroupSpec] = json.load(f)["groups"]
    return groups


def seed_rubricator(topic_model: "type[Topic]") -> SeedResult:
    """Create or update every group and topic of the shipped rubricator."""
    result = SeedResult()
    for spec in load_rubricator():
        significant = spec["socially_significant"]
        group = _upsert(
            topic_model,
            None,
            spec["name"],
            {"socially_significant": significant, "totk_code": spec.get("totk_code", "")},
            result,
        )
        for topic in spec["topics"]:
            defaults = {
                "socially_significant": significant,
                "severity": topic["severity"],
                "im_name": topic["im_name"],
            }
            _upsert(topic_model, group, topic["name"], defaults, result)
    return result


def _upsert(
    topic_model: "type[Topic]",
    parent: "Topic | None",
    name: str,
    defaults: dict[str, object],
    result: SeedResult,
) -> "Topic":
    topic, created = topic_model.objects.update_or_create(
        parent=parent, name=name, defaults=defaults
    )
    if created:
        result.created += 1
    else:
        result.updated += 1
    return topic
