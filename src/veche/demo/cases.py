"""Turn a planned case (flow.Spec) into what `record_cases` takes: a CaseDraft and its Steps."""

import random
from collections import Counter
from dataclasses import replace
from datetime import datetime

from veche.cases.models import Case
from veche.cases.services import CaseDraft, Step
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.demo import orgchart, places
from veche.demo.answers import AnswerContext, final_answer, interim_answer
from veche.demo.flow import Spec
from veche.demo.lifecycle import Outcome, Plan, Route, plan_steps
from veche.demo.mix import SOCIAL
from veche.demo.people import citizen_data
from veche.demo.phrases import (
    SPAM,
    email_text,
    formal_text,
    info_request_text,
    phone_text,
    portal_text,
    social_text,
)
from veche.demo.places_text import Place, place_for
from veche.demo.problems import topic_ids
from veche.demo.staff import Staff
from veche.demo.structure import Structure

WITH_SUBJECT = frozenset({"email", "letter", "web_form"})
# Departments a case is sometimes routed to by mistake before it reaches the right one.
CONFUSABLE = ("ugh", "zhkh", "dorogi", "arch", "vodokanal")
EXTERNAL_ID_PREFIX = {"vk": "wall-", "ok": "ok-", "telegram": "tg-", "web_form": "wf-",
                      "api": "api-", "open311": "311-"}  # fmt: skip
NO_EXTERNAL_ID = frozenset({"phone", "reception", "letter"})
PRIORITY_BY_SEVERITY = {1: Case.Priority.LOW, 4: Case.Priority.HIGH, 5: Case.Priority.URGENT}


class CaseBuilder:
    def __init__(
        self, structure: Structure, staff: Staff, now: datetime, rng: random.Random
    ) -> None:
        self.structure = structure
        self.staff = staff
        self.now = now
        self.rng = rng
        self.channels = {c.code: c for c in Channel.objects.all()}
        self.topics = topic_ids()
        severities = dict(
            Topic.objects.filter(pk__in=self.topics.values()).values_list("pk", "severity")
        )
        self.priority = {
            key: PRIORITY_BY_SEVERITY.get(severities[pk], Case.Priority.NORMAL)
            for key, pk in self.topics.items()
        }
        self.keys = {d.pk: key for key, d in structure.departments.items()}
        self.block_heads = _block_heads()
        self.numbers: Counter[str] = Counter()
        # The latest answered case per (problem, settlement): what a later report merges into.
        self.latest: dict[tuple[str, str], str] = {}

    def item(self, spec: Spec) -> tuple[CaseDraft, list[Step]]:
        draft = self._spam(spec) if spec.outcome == Outcome.REJECT else self._draft(spec)
        merge_into = ""
        if spec.outcome == Outcome.MERGE:
            merge_into = self.latest.get((spec.problem.key, spec.settlement.name), "")
            if not merge_into:  # nothing earlier to merge into: it is handled on its own
                spec = replace(spec, outcome=Outcome.ANSWER)
        elif spec.outcome == Outcome.ANSWER and draft.external_id:
            self.latest[spec.problem.key, spec.settlement.name] = draft.external_id
        plan = replace(self._plan(spec, draft.address_raw), merge_into=merge_into)
        return draft, plan_steps(plan, self.now, self.rng)

    def _draft(self, spec: Spec) -> CaseDraft:
        problem = spec.problem
        place = place_for(
            problem.where, spec.settlement, spec.person, self.rng, problem.prefixes, spot=spec.spot
        )
        located = bool(place.address)
        return CaseDraft(
            channel=self.channels[spec.channel],
            regime=spec.regime,
            text=self._text(spec, place),
            received_at=spec.received,
            external_id=self._external_id(spec.channel),
            subject=problem.subject if spec.channel in WITH_SUBJECT else "",
            author=citizen_data(spec.person, spec.channel) if spec.person else None,
            address_raw=place.address,
            lat=place.lat if located else None,
            lon=place.lon if located else None,
            territory_id=place.territory_id,
            topic_id=self.topics[problem.key],
            priority=self.priority[problem.key],
        )

    def _spam(self, spec: Spec) -> CaseDraft:
        """What gets rejected: adverts, noise, abuse — no topic, no place."""
        return CaseDraft(
            channel=self.channels[spec.channel],
            regime=spec.regime,
            text=self.rng.choice(SPAM),
            received_at=spec.received,
            external_id=self._external_id(spec.channel),
            author=citizen_data(spec.person, spec.channel) if spec.person else None,
        )

    def _text(self, spec: Spec, place: Place) -> str:
        problem, person, rng = spec.problem, spec.person, self.rng
        month = spec.received.month
        if spec.regime == Regime.INFO_REQUEST:
            return info_request_text(problem, person, rng)
        if spec.channel in SOCIAL:
            return social_text(problem, place, rng, month)
        if spec.channel == "phone":
            return phone_text(problem, place, person, rng, month)
        if spec.channel == "email":
            return email_text(problem, place, person, rng, month)
        if spec.regime == Regime.APPEAL:
            return formal_text(problem, place, person, rng, month)
        return portal_text(problem, place, rng, month)

    def _external_id(self, channel: str) -> str:
        if channel in NO_EXTERNAL_ID:
            return ""
        self.numbers[channel] += 1
        number = self.numbers[channel]
        if channel == "email":
            return f"<{number:06d}.{channel}@mail.example>"
        if channel in ("pos", "im"):
            return str((4_180_000 if channel == "pos" else 2_350_000) + number * 3)
        return f"{EXTERNAL_ID_PREFIX[channel]}{number:07d}"

    def _plan(self, spec: Spec, address: str) -> Plan:
        route = self._route(spec)
        department = self.structure.departments[self.keys[route.department_id]]

        def context(at: datetime) -> AnswerContext:
            return AnswerContext(
                problem=spec.problem,
                regime=spec.regime,
                social=spec.channel in SOCIAL,
                person=spec.person,
                department=department,
                address=address,
                received=spec.received,
                at=at,
            )

        return Plan(
            regime=spec.regime,
            outcome=spec.outcome,
            route=route,
            received=spec.received,
            acute=spec.problem.acute,
            speed=spec.speed,
            interim=lambda at: interim_answer(context(at), self.rng),
            final=lambda at: final_answer(context(at), self.rng),
            redirect_to=self._redirect_body(spec),
        )

    def _route(self, spec: Spec) -> Route:
        problem, settlement = spec.problem, spec.settlement
        department_id = self.structure.departments[problem.department].pk
        if problem.local and not settlement.is_town:
            department_id = settlement.unit_department_id
        key = self.keys[department_id]
        wrong = None
        if self.rng.random() < 0.07:
            others = [k for k in CONFUSABLE if k != key]
            wrong = self.structure.departments[self.rng.choice(others)].pk
        staff = self.staff
        approver = staff.department_actor(key, head=True) or staff.id(
            self.block_heads.get(key, "head")
        )
        return Route(
            department_id=department_id,
            wrong_department_id=wrong,
            officer_id=staff.id(_officer(spec.channel)),
            executor_id=staff.department_actor(key),
            approver_id=approver,
        )

    @staticmethod
    def _redirect_body(spec: Spec) -> str:
        key = spec.problem.redirect or orgchart.REDIRECT_BY_GROUP.get(spec.problem.topic[0])
        return orgchart.REDIRECT_BODIES[key or "region"]


def _officer(channel: str) -> str:
    if channel == "pos":
        return "pos"
    if channel in SOCIAL:
        return "im"
    return "deputy"


def _block_heads() -> dict[str, str]:
    """Department key → login of the head of its block (territorial units: the city block)."""
    heads = {d.key: b.head for b in orgchart.BLOCKS for d in b.departments}
    city = next(b.head for b in orgchart.BLOCKS if b.key == "city")
    return heads | {unit.username: city for unit in places.UNITS}
