"""Build the demo municipality: structure and staff, then a year of cases through record_cases.

Safe to run twice: the municipality is found by its ОКТМО and left alone unless `reset` is
given, which deletes it — its cases, citizens and staff — and builds it again. The structure
is committed first; the cases then go in batches, each in its own transaction, so an
interrupted run leaves a partial demo that `reset` clears.
"""

import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from tqdm import tqdm

from veche.analytics.rollups import rebuild_rollups
from veche.cases.models import Case, PersonalDataAccess
from veche.cases.services import CaseDraft, Step, record_cases
from veche.catalog.models import Channel
from veche.demo import places
from veche.demo.answer_templates import create_answer_templates
from veche.demo.cases import CaseBuilder
from veche.demo.channels import create_sources
from veche.demo.engagement import add_engagement
from veche.demo.flow import Flow
from veche.demo.problem_work import add_problem_work
from veche.demo.problems import MissingTopicError, topic_ids
from veche.demo.quality import add_quality
from veche.demo.routing import create_routing_rules
from veche.demo.staff import create_staff, staff_specs
from veche.demo.stories import StoryFlow
from veche.demo.structure import build_structure
from veche.org.models import Membership, Municipality, User
from veche.participation.models import Ballot
from veche.problems.models import FastTrack, Instruction
from veche.triage.gazetteer import DEMO_GAZETTEER
from veche.triage.gazetteer_store import ImportReport, import_gazetteer

DEFAULT_CASES = 20_000
DEFAULT_SEED = 2026


class DemoError(Exception):
    """The demo cannot be built as asked; the message is for the person who asked."""


@dataclass(frozen=True)
class DemoResult:
    municipality: Municipality
    created: bool
    cases: int
    seconds: float


def find_demo() -> Municipality | None:
    return Municipality.objects.filter(oktmo=places.OKTMO).first()


def build_demo(
    *,
    cases: int = DEFAULT_CASES,
    seed: int = DEFAULT_SEED,
    now: datetime,
    reset: bool = False,
    progress: bool = False,
) -> DemoResult:
    started = time.perf_counter()
    existing = find_demo()
    if existing is not None and not reset:
        count = Case.objects.filter(municipality=existing).count()
        return DemoResult(existing, created=False, cases=count, seconds=0.0)
    _check_rubricator()
    if existing is not None:
        delete_demo(existing)
    _check_logins_free()
    rng = random.Random(seed)
    with transaction.atomic():
        structure = build_structure(rng)
        staff = create_staff(structure)
        create_sources(structure.municipality)
    create_routing_rules(structure)  # each rule in its own transaction, like an officer's
    load_demo_gazetteer(structure.municipality)
    create_answer_templates(structure.municipality)
    flow = Flow(structure, now, rng)
    stories = StoryFlow(flow).specs(cases)[:cases]
    specs = sorted(flow.specs(cases - len(stories)) + stories, key=lambda spec: spec.received)
    builder = CaseBuilder(structure, staff, now, rng)
    items: Iterable[tuple[CaseDraft, list[Step]]] = (builder.item(spec) for spec in specs)
    items = _with_progress(items, len(specs), enabled=progress)
    result = record_cases(structure.municipality, items, by=None)
    _say("Проверка ответов на отписку и оценки заявителей…", enabled=progress)
    add_quality(structure.municipality, rng, now=now)  # photos, brush-off checks, ratings
    _say("Проблемы, механизмы ускоренного решения, дорожная карта, совещания…", enabled=progress)
    add_problem_work(structure, now=now)
    _say("Госпаблики, мониторинг инфополя, опрос и общественное обсуждение…", enabled=progress)
    add_engagement(structure, now=now)
    _say("Аналитика: показатели обращений и дневные свёртки…", enabled=progress)
    rebuild_rollups()  # the analytics pages are ready at once, not after the minute task
    seconds = time.perf_counter() - started
    return DemoResult(structure.municipality, created=True, cases=result.created, seconds=seconds)


def load_demo_gazetteer(municipality: Municipality) -> ImportReport:
    """The shipped demo gazetteer, through the same import as any municipality's file; its
    territory names are the demo's territorial units, so every row resolves."""
    with DEMO_GAZETTEER.open("rb") as stream:
        return import_gazetteer(municipality, stream)


def _say(step: str, *, enabled: bool) -> None:
    """A step of the build that has no bar of its own, on the bar's stream."""
    if enabled:
        tqdm.write(step, file=sys.stderr)


def _with_progress(
    items: Iterable[tuple[CaseDraft, list[Step]]], total: int, *, enabled: bool
) -> Iterator[tuple[CaseDraft, list[Step]]]:
    bar = tqdm(items, total=total, desc="Обращения", unit=" шт.", disable=not enabled)
    yield from bar


def _check_rubricator() -> None:
    """The cases use topics of the shipped rubricator (catalog migration 0004) and channels."""
    try:
        topic_ids()
    except MissingTopicError as error:
        raise DemoError(f"{error}. Выполните veche migrate.") from error
    if Channel.objects.count() < len(Channel.Code):
        raise DemoError("Не заведены каналы. Выполните veche migrate.")


def _check_logins_free() -> None:
    taken = User.objects.filter(username__in=[s.username for s in staff_specs()])
    names = sorted(taken.values_list("username", flat=True))
    if names:
        raise DemoError(f"Логины демо-сотрудников уже заняты: {', '.join(names)}.")


def delete_demo(municipality: Municipality) -> None:
    """Delete the demo municipality with its cases, citizens and the staff who work only there."""
    elsewhere = Membership.objects.exclude(municipality=municipality).values("user")
    staff = User.objects.filter(memberships__municipality=municipality).exclude(pk__in=elsewhere)
    with transaction.atomic():
        PersonalDataAccess.objects.filter(
            Q(case__municipality=municipality) | Q(citizen__municipality=municipality)
        ).delete()
        Case.objects.filter(municipality=municipality).delete()
        # They hold their owners and executors (PROTECT): gone before the staff are.
        Instruction.objects.filter(municipality=municipality).delete()
        FastTrack.objects.filter(municipality=municipality).delete()
        # A ballot holds its voter (PROTECT): the polls' ballots go before the polls do.
        Ballot.objects.filter(poll__municipality=municipality).delete()
        User.objects.filter(pk__in=list(staff.values_list("pk", flat=True))).delete()
        municipality.delete()
