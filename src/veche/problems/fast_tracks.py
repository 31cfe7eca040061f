"""Fast-track mechanisms («механизм ускоренного решения», GLOSSARY.md): for a named recurring
problem an officer sets a routing rule straight to the executor, tried before every other rule
of the municipality, an answer template and a target term shorter than the legal one.

The rule belongs to `catalog` and is written only through its services. Those are durable
(each one its own transaction), so creating a mechanism is several commits: the rule, its
moves to the top of the order, then the mechanism with its template; when the last fails the
rule is deleted again. Answer templates have no catalog service yet: the mechanism's own
template is written here.

The triage pipeline calls `apply_fast_tracks` with the cases it routed by a rule: a case routed
by a mechanism's rule joins the mechanism's problem (an Event by the system) and gets the
target term as the promised date of its answer clock («обещано к»), so the card and the
executor see it. The legal due date is not touched: DOMAIN.md deadlines are law.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case, Event
from veche.catalog.models import AnswerTemplate, RoutingRule, Topic
from veche.catalog.services import (
    CatalogError,
    RuleData,
    clean_keywords,
    create_routing_rule,
    delete_routing_rule,
    move_routing_rule,
    set_routing_rule_active,
    update_routing_rule,
)
from veche.catalog.services import ErrorCode as CatalogCode
from veche.deadlines.calendar import ProductionCalendar
from veche.deadlines.calendar_store import calendar_for
from veche.deadlines.errors import DeadlineError
from veche.deadlines.services import record_promised_date
from veche.org.access import Action
from veche.org.models import Department, Municipality, Territory, User
from veche.org.selectors import actor_scope
from veche.problems.models import FastTrack, Problem, ProblemCase
from veche.problems.services import link_cases, refresh_figures

log = logging.getLogger(__name__)

TARGET_MIN, TARGET_MAX = 1, 29  # the model's validators: shorter than the 30 days of 59-ФЗ
NAME_MAX = 200
RULE_PREFIX = "Ускоренное решение: "
NO_RIGHTS = (
    "Механизмы ускоренного решения настраивают руководитель, заместитель руководителя "
    "и администратор МЦУ."
)
NOT_NAMED = "Механизм создаётся для названной проблемы: сначала дайте проблеме название."


class FastTrackError(CaseError):
    """A refused write; `fields` maps a form field to its message."""

    def __init__(self, code: ErrorCode, message: str, fields: dict[str, str] | None = None):
        super().__init__(code, message)
        self.fields = fields or {}


@dataclass(frozen=True)
class _Settings:
    name: str
    department: Department
    target_days: int
    keywords: str
    topic: Topic | None
    territory: Territory | None
    template_text: str
    template: AnswerTemplate | None


def create_fast_track(
    problem: Problem,
    *,
    name: str,
    department: Department,
    target_days: int,
    keywords: str = "",
    topic: Topic | None = None,
    territory: Territory | None = None,
    template_text: str = "",
    template: AnswerTemplate | None = None,
    by: User,
    now: datetime,
) -> FastTrack:
    """A mechanism for a named problem: its rule (topic, territory and keywords as given,
    «any» where empty) first in the municipality's order, its template (`template`, or a new
    one for the topic from `template_text`), its target term; it works from `now`."""
    _require_configure(problem.municipality_id, by)
    if problem.named_at is None:
        raise FastTrackError(ErrorCode.INVALID, NOT_NAMED)
    wanted = _settings(
        name, department, target_days, keywords, topic, territory, template_text, template
    )
    _validate(problem, wanted)
    rule = _first_rule(problem.municipality, wanted, by=by)
    try:
        with transaction.atomic(durable=True):
            return FastTrack.objects.create(
                municipality_id=problem.municipality_id,
                problem=problem,
                name=wanted.name,
                rule=rule,
                department=wanted.department,
                answer_template=_template(problem, wanted),
                target_days=wanted.target_days,
                started_at=now,
                created_by=by,
            )
    except Exception:
        delete_routing_rule(rule, by=None)  # the mechanism is not there: nor is its rule
        raise


def update_fast_track(
    fast_track: FastTrack,
    *,
    name: str,
    department: Department,
    target_days: int,
    keywords: str = "",
    topic: Topic | None = None,
    territory: Territory | None = None,
    template_text: str = "",
    template: AnswerTemplate | None = None,
    by: User,
    now: datetime,
) -> FastTrack:
    """Change a running mechanism: its rule keeps its place (a rule deleted on the rules page
    is made again, first); a new `template_text` makes a new template, the old one stays."""
    _require_configure(fast_track.municipality_id, by)
    problem = fast_track.problem
    if fast_track.stopped_at is not None:
        raise FastTrackError(ErrorCode.INVALID, "Механизм остановлен: его нельзя изменить.")
    wanted = _settings(
        name, department, target_days, keywords, topic, territory, template_text, template
    )
    _validate(problem, wanted)
    rule = fast_track.rule
    if rule is None:
        rule = _first_rule(problem.municipality, wanted, by=by)
    else:
        try:
            rule = update_routing_rule(rule, _rule_data(wanted, active=rule.is_active), by=by)
        except CatalogError as error:
            raise _from_catalog(error) from error
    with transaction.atomic(durable=True):
        locked = FastTrack.objects.select_for_update().get(pk=fast_track.pk)
        locked.name = wanted.name
        locked.department = wanted.department
        locked.target_days = wanted.target_days
        locked.rule = rule
        if wanted.template is not None or wanted.template_text:
            locked.answer_template = _template(problem, wanted)
        locked.save()
    return locked


def stop_fast_track(fast_track: FastTrack, *, by: User, now: datetime) -> FastTrack:
    """The mechanism ends: its rule is switched off (it keeps its place on the rules page) and
    its figures stop counting new cases at `now`."""
    _require_configure(fast_track.municipality_id, by)
    if fast_track.stopped_at is not None:
        raise FastTrackError(ErrorCode.INVALID, "Механизм уже остановлен.")
    if fast_track.rule is not None:
        try:
            set_routing_rule_active(fast_track.rule, active=False, by=by)
        except CatalogError as error:
            raise _from_catalog(error) from error
    with transaction.atomic(durable=True):
        locked = FastTrack.objects.select_for_update().get(pk=fast_track.pk)
        if locked.stopped_at is None:
            locked.stopped_at = now
            locked.save(update_fields=["stopped_at"])
    return locked


# --- the triage hook --------------------------------------------------------------------------


def apply_fast_tracks(routed: Sequence[tuple[Case, int]], *, at: datetime) -> list[int]:
    """`routed`: cases the pipeline has just routed, each with the rule that routed it. Those
    routed by a running mechanism's rule join its problem — unless they are in a problem
    already or an officer has decided about their problem — and their answer clock gets the
    target term as its promise. Returns the ids of the cases that joined. One query when no
    rule is a mechanism's."""
    if not routed:
        return []
    tracks = {
        track.rule_id: track
        for track in FastTrack.objects.filter(
            rule_id__in={rule_id for _, rule_id in routed}, stopped_at__isnull=True
        ).select_related("municipality", "rule")
    }
    if not tracks:
        return []
    with transaction.atomic():
        joined = _join([(case, tracks[r]) for case, r in routed if r in tracks], at=at)
    for case, track in joined:
        _promise(case, track, at=at)
    return [case.pk for case, _ in joined]


def _join(
    wanted: Sequence[tuple[Case, FastTrack]], *, at: datetime
) -> list[tuple[Case, FastTrack]]:
    ids = [case.pk for case, _ in wanted]
    current = {
        c.pk: c
        for c in Case.objects.select_for_update()
        .filter(pk__in=ids)
        .only("pk", "municipality_id", "department_id", "received_at")
    }
    linked = set(ProblemCase.objects.filter(case_id__in=ids).values_list("case_id", flat=True))
    decided = set(
        Event.objects.filter(
            case_id__in=ids, kind=Event.Kind.PROBLEM, actor__isnull=False
        ).values_list("case_id", flat=True)
    )
    joined: list[tuple[Case, FastTrack]] = []
    for case, track in wanted:
        fresh = current.get(case.pk)
        rule = track.rule
        if (
            fresh is None
            or rule is None
            or fresh.pk in linked
            or fresh.pk in decided
            or fresh.municipality_id != track.municipality_id
            or fresh.department_id != rule.department_id  # the routing did not go through
            or fresh.received_at < track.started_at
        ):
            continue
        linked.add(fresh.pk)
        joined.append((fresh, track))
    for track in {t.pk: t for _, t in joined}.values():
        link_cases(
            track.problem_id,
            [case for case, t in joined if t.pk == track.pk],
            ProblemCase.Reason.FAST_TRACK,
            comment=f"Проблема: механизм ускоренного решения «{track.name}»",
            at=at,
            by=None,
        )
    refresh_figures({track.problem_id for _, track in joined})
    return joined


def target_end(calendar: ProductionCalendar, received_at: datetime, target_days: int) -> datetime:
    """The end of the target term of a case received at `received_at`: local midnight ending
    the `target_days`-th calendar day after the day of receipt, as a legal term in calendar
    days is counted (deadlines.clocks), without moving off a day off."""
    return calendar.end_of_day(calendar.local_date(received_at) + timedelta(days=target_days))


def _promise(case: Case, track: FastTrack, *, at: datetime) -> None:
    """The target as the answer clock's promise, where it is earlier than the legal due date
    and the clock runs; otherwise the legal term alone stands."""
    try:
        promised = target_end(calendar_for(track.municipality), case.received_at, track.target_days)
        record_promised_date(case, promised, by=None, now=at)
    except (DeadlineError, CaseError) as error:
        log.info("fast track %s: no promise on case %s: %s", track.pk, case.pk, error)


# --- helpers: they never open a transaction, except the catalog's own -------------------------


def _require_configure(municipality_id: int, by: User) -> None:
    if municipality_id not in actor_scope(by).municipality_ids(Action.CONFIGURE):
        raise FastTrackError(ErrorCode.FORBIDDEN, NO_RIGHTS)


def _settings(
    name: str,
    department: Department,
    target_days: int,
    keywords: str,
    topic: Topic | None,
    territory: Territory | None,
    template_text: str,
    template: AnswerTemplate | None,
) -> _Settings:
    return _Settings(
        name=" ".join(name.split()),
        department=department,
        target_days=target_days,
        keywords=keywords,
        topic=topic,
        territory=territory,
        template_text=template_text.strip(),
        template=template,
    )


def _validate(problem: Problem, wanted: _Settings) -> None:
    """Everything the mechanism's own parts need, checked before the rule is written; the
    catalog checks the rule's conditions again."""
    errors: dict[str, str] = {}
    if not wanted.name:
        errors["name"] = "Укажите название механизма."
    elif len(wanted.name) > NAME_MAX:
        errors["name"] = f"Название длиннее {NAME_MAX} знаков."
    if not TARGET_MIN <= wanted.target_days <= TARGET_MAX:
        errors["target_days"] = (
            f"Целевой срок — от {TARGET_MIN} до {TARGET_MAX} дней: короче законных 30."
        )
    if wanted.department.municipality_id != problem.municipality_id:
        errors["department"] = "Исполнитель из другого МО."
    elif not wanted.department.is_active:
        errors["department"] = "Исполнитель больше не действует."
    if wanted.territory is not None and wanted.territory.municipality_id != problem.municipality_id:
        errors["territory"] = "Территория из другого МО."
    _, keyword_errors = clean_keywords(wanted.keywords)
    errors.update(keyword_errors)
    if not (wanted.topic or wanted.territory or wanted.keywords.strip() or keyword_errors):
        errors["__all__"] = (
            "Укажите хотя бы одно условие правила: тему, территорию или ключевые слова."
        )
    errors.update(_template_errors(problem, wanted))
    if errors:
        raise FastTrackError(ErrorCode.INVALID, " ".join(errors.values()), errors)


def _template_errors(problem: Problem, wanted: _Settings) -> dict[str, str]:
    if wanted.template is not None and wanted.template_text:
        return {"template_text": "Выберите готовый шаблон или напишите новый, но не то и другое."}
    chosen = wanted.template
    if chosen is not None and (
        not chosen.is_active or chosen.municipality_id not in (None, problem.municipality_id)
    ):
        return {"template": "Шаблон не действует в этом МО."}
    if wanted.template_text and (wanted.topic or problem.topic) is None:
        return {
            "template_text": "Шаблону нужна тема: он предлагается к обращениям этой темы. "
            "Укажите тему в условиях правила."
        }
    return {}


def _rule_data(wanted: _Settings, *, active: bool = True) -> RuleData:
    return RuleData(
        department=wanted.department,
        name=(RULE_PREFIX + wanted.name)[:NAME_MAX],
        topic=wanted.topic,
        territory=wanted.territory,
        keywords=wanted.keywords,
        is_active=active,
    )


def _first_rule(municipality: Municipality, wanted: _Settings, *, by: User) -> RoutingRule:
    """The mechanism's rule, made and moved up to the first place (catalog has no «move to
    the top»: one step at a time, each its own transaction)."""
    try:
        rule = create_routing_rule(municipality, _rule_data(wanted), by=by)
    except CatalogError as error:
        raise _from_catalog(error) from error
    try:
        for _ in range(rule.position - 1):
            rule = move_routing_rule(rule, up=True, by=by)
    except Exception as error:
        delete_routing_rule(rule, by=None)
        if isinstance(error, CatalogError):
            raise _from_catalog(error) from error
        raise
    return rule


def _template(problem: Problem, wanted: _Settings) -> AnswerTemplate | None:
    if wanted.template is not None:
        return wanted.template
    if not wanted.template_text:
        return None
    return AnswerTemplate.objects.create(
        municipality_id=problem.municipality_id,
        topic=wanted.topic or problem.topic,
        name=wanted.name[:NAME_MAX],
        text=wanted.template_text,
    )


def _from_catalog(error: CatalogError) -> FastTrackError:
    code = {
        CatalogCode.FORBIDDEN: ErrorCode.FORBIDDEN,
        CatalogCode.NOT_FOUND: ErrorCode.NOT_FOUND,
    }.get(error.code, ErrorCode.INVALID)
    return FastTrackError(code, error.message, error.fields)
