"""Grouping cases into problems: by the triage pipeline (a repeat it found) and by an officer
(a correction). Every change of a case's problem is an Event on its timeline."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max, Min

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case, Event
from veche.cases.services import note_problem
from veche.catalog.models import Topic
from veche.org.access import Action
from veche.org.models import Municipality, Territory, User
from veche.org.selectors import actor_scope
from veche.problems.models import Problem, ProblemCase

TITLE_LENGTH = 120


@dataclass(frozen=True)
class Repeat:
    """`case` repeats `earlier` (text, place and topic, or author): they share a problem."""

    case: Case
    earlier: Case
    reason: ProblemCase.Reason


def group_repeats(repeats: Sequence[Repeat], *, at: datetime) -> list[Problem]:
    """Put each case into the problem of the case it repeats, creating the problem (with both)
    when that one has none. A case already in a problem stays there: an officer's grouping is
    never undone by the pipeline. Returns the problems that changed."""
    if not repeats:
        return []
    with transaction.atomic():
        ids = {r.case.pk for r in repeats} | {r.earlier.pk for r in repeats}
        problem_of: dict[int, int] = dict(
            ProblemCase.objects.filter(case_id__in=ids).values_list("case_id", "problem_id")
        )
        # An officer's decision about a case's problem (an Event with an actor) stands.
        decided = set(
            Event.objects.filter(
                case_id__in=ids, kind=Event.Kind.PROBLEM, actor__isnull=False
            ).values_list("case_id", flat=True)
        )
        joined: dict[tuple[int, str], list[Case]] = {}
        for repeat in repeats:
            if (
                repeat.case.pk in problem_of
                or repeat.case.pk == repeat.earlier.pk
                or {repeat.case.pk, repeat.earlier.pk} & decided
            ):
                continue
            problem_id = problem_of.get(repeat.earlier.pk)
            if problem_id is None:
                problem = _new_problem(repeat.earlier, at=at)
                problem_id = problem_of[repeat.earlier.pk] = problem.pk
                _link(repeat.earlier, problem_id, repeat.reason, at=at, by=None, joined=joined)
            problem_of[repeat.case.pk] = problem_id
            _link(repeat.case, problem_id, repeat.reason, at=at, by=None, joined=joined)
        for (problem_id, reason), cases in joined.items():
            note_problem(cases, problem_id=problem_id, reason=_reason_label(reason), at=at, by=None)
        changed = {problem_id for problem_id, _ in joined}
        return _refresh(changed)


def move_case(case: Case, problem: Problem | None, *, by: User, now: datetime) -> Case:
    """An officer puts a case into a problem, or takes it out of its problem (`None`): a
    correction the next training learns from, as its Event shows."""
    if problem is not None and problem.municipality_id != case.municipality_id:
        raise CaseError(ErrorCode.INVALID, "Проблема из другого МО.")
    with transaction.atomic():
        _move([case], problem, by=by, now=now)
    return case


def create_problem(
    municipality: Municipality,
    *,
    title: str,
    cases: Sequence[Case],
    by: User,
    now: datetime,
    topic: Topic | None = None,
    territory: Territory | None = None,
    place: str = "",
    cause: str = "",
) -> Problem:
    """An officer names a new problem and puts `cases` in it; each case leaves the problem it
    was in (that one is recounted)."""
    title = " ".join(title.split())
    if not title:
        raise CaseError(ErrorCode.INVALID, "Укажите название проблемы.")
    if municipality.pk not in actor_scope(by).municipality_ids(Action.WORK):
        raise CaseError(ErrorCode.FORBIDDEN, "Недостаточно прав для этого действия.")
    if any(case.municipality_id != municipality.pk for case in cases):
        raise CaseError(ErrorCode.INVALID, "Обращение из другого МО.")
    with transaction.atomic():
        received = [case.received_at for case in cases] or [now]
        problem = Problem.objects.create(
            municipality=municipality,
            title=title[:300],
            topic=topic,
            territory=territory,
            place=place[:300],
            cause=cause,
            named_at=now,
            named_by=by,
            first_at=min(received),
            last_at=max(received),
            created_at=now,
        )
        _move(cases, problem, by=by, now=now)
        problem.refresh_from_db()
    return problem


def _move(cases: Sequence[Case], problem: Problem | None, *, by: User, now: datetime) -> None:
    """Put `cases` into `problem` (or out of any, for `None`) as an officer's decision: each
    case's link is replaced, each move is an Event, and every problem touched is recounted.
    Runs inside the caller's transaction."""
    scope = actor_scope(by)
    if any(not scope.can(Action.WORK, case) for case in cases):
        raise CaseError(ErrorCode.FORBIDDEN, "Недостаточно прав для этого действия.")
    target_id = problem.pk if problem else None
    current = {
        link.case_id: link.problem_id
        for link in ProblemCase.objects.select_for_update().filter(case__in=cases)
    }
    moving = [case for case in cases if current.get(case.pk) != target_id]
    if not moving:
        return
    ProblemCase.objects.filter(case__in=moving).delete()
    if problem is not None:
        ProblemCase.objects.bulk_create(
            ProblemCase(
                problem=problem,
                case=case,
                reason=ProblemCase.Reason.OFFICER,
                added_at=now,
                added_by=by,
            )
            for case in moving
        )
    by_before: dict[int | None, list[Case]] = {}
    for case in moving:
        by_before.setdefault(current.get(case.pk), []).append(case)
    for before_id, group in by_before.items():
        note_problem(
            group,
            problem_id=target_id,
            before_id=before_id,
            reason=_reason_label(ProblemCase.Reason.OFFICER),
            at=now,
            by=by,
        )
    _refresh({i for i in (*by_before, target_id) if i is not None})


def _new_problem(case: Case, *, at: datetime) -> Problem:
    analysis = getattr(case, "analysis", None)
    place = analysis.place_name if analysis else ""
    topic_id = case.topic_id or (analysis.topic_id if analysis else None)
    return Problem.objects.create(
        municipality_id=case.municipality_id,
        title=_title(case, place),
        topic_id=topic_id,
        territory_id=case.territory_id or (analysis.place_territory_id if analysis else None),
        place=place,
        lat=case.lat if case.lat is not None else (analysis.place_lat if analysis else None),
        lon=case.lon if case.lon is not None else (analysis.place_lon if analysis else None),
        first_at=case.received_at,
        last_at=case.received_at,
        created_at=at,
    )


def _title(case: Case, place: str) -> str:
    """The topic and the place when known, else the opening of the (masked) text."""
    analysis = getattr(case, "analysis", None)
    topic = case.topic or (analysis.topic if analysis else None)
    if topic is not None and place:
        return f"{topic.name} — {place}"[:TITLE_LENGTH]
    text = (analysis.masked_text if analysis and analysis.masked_text else case.text).strip()
    first_line = " ".join(text.split())
    if len(first_line) > TITLE_LENGTH:
        first_line = first_line[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return first_line or f"Проблема по обращению {case.number}"


def _link(
    case: Case,
    problem_id: int,
    reason: str,
    *,
    at: datetime,
    by: User | None,
    joined: dict[tuple[int, str], list[Case]],
) -> None:
    ProblemCase.objects.create(
        problem_id=problem_id, case=case, reason=reason, added_at=at, added_by=by
    )
    joined.setdefault((problem_id, reason), []).append(case)


def _refresh(problem_ids: set[int]) -> list[Problem]:
    """Recount each problem's cases and the span of their dates."""
    figures = list(
        ProblemCase.objects.filter(problem_id__in=problem_ids)
        .values("problem_id")
        .annotate(n=Count("id"), first=Min("case__received_at"), last=Max("case__received_at"))
    )
    for row in figures:
        Problem.objects.filter(pk=row["problem_id"]).update(
            case_count=row["n"], first_at=row["first"], last_at=row["last"]
        )
    empty = set(problem_ids) - {row["problem_id"] for row in figures}
    Problem.objects.filter(pk__in=empty).update(case_count=0)
    return list(Problem.objects.filter(pk__in=problem_ids))


def _reason_label(reason: str) -> str:
    return f"Проблема: {ProblemCase.Reason(reason).label}"
