"""Which department should handle a case (issue «Triage», item 2), and whether the pipeline
is sure enough to route it without an officer (item 8).

The municipality's rules come first, in their order (`rules.RuleBook`); when none fires, the
municipality's learned routing model (`registry.routing_model`, trained by `veche train` on
its routing history) suggests one. A rule is certain unless it relied on a topic the
pipeline only guessed: then it is as sure as that guess.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from veche.cases.models import Case
from veche.cases.workflow import Status
from veche.org.models import Department, Municipality, Territory
from veche.triage.registry import routing_model
from veche.triage.routing import RoutingCase, RoutingModel
from veche.triage.rules import RuleBook, RuleContext
from veche.triage.topics import Scored, TopicPath

RULE = "rule"
MODEL = "model"


@dataclass(frozen=True)
class Ask:
    """One case as routing sees it: the topic the officer set or the pipeline's guess."""

    case: Case
    text: str
    topic_id: int | None
    topic_confidence: float  # 1.0 when an officer or the source set the topic
    territory_id: int | None


@dataclass(frozen=True)
class Routing:
    department_id: int | None = None
    confidence: float = 0.0
    by: str = ""  # RULE, MODEL or "" (no suggestion)
    rule_id: int | None = None
    # [[department name, probability], …] best first: the learned model's candidates
    candidates: list[list[str | float]] = field(default_factory=list)


class Dispatcher:
    """A municipality's rules, learned model and names, loaded once for a batch of cases."""

    def __init__(self, municipality: Municipality, topics: dict[int, TopicPath]) -> None:
        self.municipality = municipality
        self.book = RuleBook.load(municipality)
        self.model: RoutingModel | None = routing_model(municipality)
        departments = Department.objects.filter(municipality=municipality, is_active=True)
        self.department_ids = dict(departments.values_list("name", "id"))
        self.territory_names = dict(
            Territory.objects.filter(municipality=municipality).values_list("id", "name")
        )
        self.topics = topics

    def route(self, asks: Sequence[Ask]) -> list[Routing]:
        result: list[Routing | None] = [self._by_rule(ask) for ask in asks]
        pending = [i for i, r in enumerate(result) if r is None]
        if pending and self.model is not None:
            cases = [self._routing_case(asks[i]) for i in pending]
            for i, top in zip(pending, self.model.predict(cases), strict=True):
                result[i] = self._by_model(top)
        return [r or Routing() for r in result]

    def _by_rule(self, ask: Ask) -> Routing | None:
        context = RuleContext(
            text=ask.text,
            topic_id=ask.topic_id,
            territory_id=ask.territory_id,
            channel_id=ask.case.channel_id,
        )
        rule = self.book.first(context)
        if rule is None:
            return None
        confidence = ask.topic_confidence if rule.topic_id else 1.0
        return Routing(rule.department_id, round(confidence, 4), RULE, rule.pk)

    def _by_model(self, top: Sequence[Scored]) -> Routing | None:
        known = [(s.label, s.probability) for s in top if s.label in self.department_ids]
        if not known:
            return None
        candidates: list[list[str | float]] = [[n, round(p, 4)] for n, p in known]
        name, probability = known[0]
        return Routing(self.department_ids[name], round(probability, 4), MODEL, None, candidates)

    def _routing_case(self, ask: Ask) -> RoutingCase:
        return RoutingCase(
            text=ask.text,
            territory=self.territory_names.get(ask.territory_id or 0, ""),
            channel=ask.case.channel.code,
            topic=str(self.topics.get(ask.topic_id or 0, "")),
        )


def sure_enough(municipality: Municipality, ask: Ask, routing: Routing) -> bool:
    """May the pipeline route this case itself? The municipality allows it, the case is new
    and waits for a department, and the department is at least as sure as the municipality's
    threshold. (The guessed topic is set with it only when it is as sure.)"""
    return (
        municipality.auto_route
        and ask.case.status == Status.NEW
        and ask.case.department_id is None
        and routing.department_id is not None
        and routing.confidence >= municipality.auto_route_threshold
    )
