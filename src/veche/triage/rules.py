"""The municipality's routing rules in force: «тема × территория × слова × канал → исполнитель».

`RuleBook.load(municipality)` reads the active rules once, in order, with the trees flattened:
a rule for a topic group holds the ids of the group and all its topics, a rule for a territory
those of the territory and everything under it. Keywords are compiled to the pymorphy3 normal
forms of their words, so «яма» finds «ямы» and «ям», and «уличное освещение» finds «уличного
освещения». After loading, `first` and `explain` make no queries: a case's text is split and
lemmatised once, and only when a rule with keywords is reached with its other conditions met.

A word matches a keyword word when the two share a normal form. pymorphy3 offers several for
ambiguous words («ямы» → «ям», «яма»), and all are kept: a rule fires on a possible reading
rather than missing a real one («дорога» also finds «дорогой»); the officer sees why in the
page's test box.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from veche.cases.search import normal_forms
from veche.catalog.models import RoutingRule, Topic
from veche.org.models import Municipality, Territory

WORD = re.compile(r"[0-9a-zа-яё]+")


class Condition(StrEnum):
    TOPIC = "topic"
    TERRITORY = "territory"
    CHANNEL = "channel"
    KEYWORDS = "keywords"


@dataclass(frozen=True)
class RuleContext:
    """What the rules look at in a case; `text` is what the citizen wrote (subject and text)."""

    text: str
    topic_id: int | None = None
    territory_id: int | None = None
    channel_id: int | None = None


@lru_cache(maxsize=300_000)
def _forms(word: str) -> frozenset[str]:
    return frozenset(normal_forms(word))


def split_keywords(raw: str) -> list[str]:
    """«яма, , дорога » → ["яма", "дорога"]: comma-separated, trimmed, inner spaces collapsed."""
    return [" ".join(item.split()) for item in raw.split(",") if item.strip()]


class Words:
    """A text's words, each as the set of its normal forms, and the union of them all."""

    __slots__ = ("forms", "positions")

    def __init__(self, text: str) -> None:
        self.positions = [_forms(w) for w in WORD.findall(text.lower())]
        self.forms: frozenset[str] = frozenset().union(*self.positions)

    def has_phrase(self, phrase: tuple[frozenset[str], ...]) -> bool:
        if any(word.isdisjoint(self.forms) for word in phrase):
            return False
        positions, size = self.positions, len(phrase)
        return any(
            all(not word.isdisjoint(positions[start + i]) for i, word in enumerate(phrase))
            for start in range(len(positions) - size + 1)
        )


@dataclass(frozen=True)
class Keyword:
    text: str  # as the officer wrote it
    words: tuple[frozenset[str], ...]

    @classmethod
    def compile(cls, text: str) -> "Keyword":
        return cls(text, tuple(_forms(w) for w in WORD.findall(text.lower())))

    def found_in(self, words: Words) -> bool:
        if len(self.words) == 1:
            return not self.words[0].isdisjoint(words.forms)
        return bool(self.words) and words.has_phrase(self.words)


@dataclass(frozen=True)
class LoadedRule:
    """A rule with its conditions ready for matching; None is «any»."""

    rule: RoutingRule
    topic_ids: frozenset[int] | None
    territory_ids: frozenset[int] | None
    channel_id: int | None
    keywords: tuple[Keyword, ...]

    def holds_without_keywords(self, context: RuleContext) -> bool:
        return (
            (self.topic_ids is None or context.topic_id in self.topic_ids)
            and (self.territory_ids is None or context.territory_id in self.territory_ids)
            and (self.channel_id is None or context.channel_id == self.channel_id)
        )

    def keyword_in(self, words: Words) -> str | None:
        return next((k.text for k in self.keywords if k.found_in(words)), None)


@dataclass(frozen=True)
class RuleTrace:
    """How one rule fared on a case: fired, or which of its conditions did not hold."""

    rule: RoutingRule
    failed: tuple[Condition, ...]
    keyword: str = ""  # the keyword found in the text, when the rule has keywords

    @property
    def fired(self) -> bool:
        return not self.failed


class RuleBook:
    """A municipality's active rules in order; the first rule that fires wins."""

    def __init__(self, rules: Iterable[LoadedRule]) -> None:
        self.rules = tuple(rules)

    def __len__(self) -> int:
        return len(self.rules)

    @classmethod
    def load(cls, municipality: Municipality) -> "RuleBook":
        """At most three queries: the rules, and the topic and territory trees if rules use them.
        Rules of a department that no longer acts are left out: they would route to nobody."""
        rules = list(
            RoutingRule.objects.filter(
                municipality=municipality, is_active=True, department__is_active=True
            )
            .select_related("department", "topic__parent", "territory", "channel")
            .order_by("position", "id")
        )
        topics = territories = None
        if any(rule.topic_id for rule in rules):
            topics = _Tree(Topic.objects.values_list("id", "parent_id"))
        if any(rule.territory_id for rule in rules):
            in_municipality = Territory.objects.filter(municipality=municipality)
            territories = _Tree(in_municipality.values_list("id", "parent_id"))
        return cls(_compile(rule, topics, territories) for rule in rules)

    def first(self, context: RuleContext) -> RoutingRule | None:
        words: Words | None = None
        for loaded in self.rules:
            if not loaded.holds_without_keywords(context):
                continue
            if not loaded.keywords:
                return loaded.rule
            if words is None:
                words = Words(context.text)
            if loaded.keyword_in(words) is not None:
                return loaded.rule
        return None

    def explain(self, context: RuleContext) -> list[RuleTrace]:
        """Every rule with the conditions that failed for this case, in order; the first
        trace that `fired` is the rule `first` returns."""
        words = Words(context.text)
        return [_trace(loaded, context, words) for loaded in self.rules]


def _trace(loaded: LoadedRule, context: RuleContext, words: Words) -> RuleTrace:
    checks: list[tuple[Condition, bool]] = [
        (Condition.TOPIC, loaded.topic_ids is None or context.topic_id in loaded.topic_ids),
        (
            Condition.TERRITORY,
            loaded.territory_ids is None or context.territory_id in loaded.territory_ids,
        ),
        (Condition.CHANNEL, loaded.channel_id is None or context.channel_id == loaded.channel_id),
    ]
    keyword = loaded.keyword_in(words) if loaded.keywords else None
    checks.append((Condition.KEYWORDS, not loaded.keywords or keyword is not None))
    failed = tuple(condition for condition, held in checks if not held)
    return RuleTrace(loaded.rule, failed, keyword or "")


class _Tree:
    """Parent links of a tree, for the ids of a node and everything under it."""

    def __init__(self, links: Iterable[tuple[int, int | None]]) -> None:
        self.children: dict[int, list[int]] = {}
        for node, parent in links:
            if parent is not None:
                self.children.setdefault(parent, []).append(node)

    def subtree(self, root: int) -> frozenset[int]:
        found, stack = {root}, [root]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return frozenset(found)


def _compile(rule: RoutingRule, topics: _Tree | None, territories: _Tree | None) -> LoadedRule:
    def subtree(tree: _Tree | None, root: int | None) -> frozenset[int] | None:
        return None if root is None or tree is None else tree.subtree(root)

    keywords = (Keyword.compile(k) for k in split_keywords(rule.keywords))
    return LoadedRule(
        rule=rule,
        topic_ids=subtree(topics, rule.topic_id),
        territory_ids=subtree(territories, rule.territory_id),
        channel_id=rule.channel_id,
        # A keyword with no word in it («!!!») finds nothing; it does not make the rule match all.
        keywords=tuple(keywords),
    )


__all__ = [
    "Condition",
    "Keyword",
    "LoadedRule",
    "RuleBook",
    "RuleContext",
    "RuleTrace",
    "Words",
    "split_keywords",
]
