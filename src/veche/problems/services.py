"""Grouping cases into problems: by the triage pipeline (a repeat it found) and by an officer
(a correction: naming, merging, splitting, moving a case). Every change of a case's problem is
an Event on its timeline; nothing else of the case changes — its answer, clocks, department
and rating stay its own. An officer's operations lock the problems they touch (in id order)
and are all or nothing."""

import dataclasses
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
from veche.org.models import Block, Department, Municipality, Territory, User
from veche.org.selectors import actor_scope
from veche.problems.models import FastTrack, Instruction, Problem, ProblemCase, Roadmap
from veche.problems.selectors import index_problem, may_manage

TITLE_LENGTH = 120
NAME_LENGTH = 300  # Problem.title, Problem.place
CAUSE_LENGTH = 10_000
NO_RIGHTS = "Недостаточно прав для этого действия."


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
        joined: dict[tuple[int, ProblemCase.Reason], list[Case]] = {}
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
                joined.setdefault((problem_id, repeat.reason), []).append(repeat.earlier)
            problem_of[repeat.case.pk] = problem_id
            joined.setdefault((problem_id, repeat.reason), []).append(repeat.case)
        for (problem_id, reason), cases in joined.items():
            link_cases(problem_id, cases, reason, comment=_reason_label(reason), at=at, by=None)
        return refresh_figures({problem_id for problem_id, _ in joined})


def link_cases(
    problem_id: int,
    cases: Sequence[Case],
    reason: ProblemCase.Reason,
    *,
    comment: str,
    at: datetime,
    by: User | None,
) -> None:
    """Put cases that are in no problem yet into `problem_id`, each with its Event, inside the
    caller's transaction; the caller recounts the problem (`refresh_figures`)."""
    ProblemCase.objects.bulk_create(
        ProblemCase(problem_id=problem_id, case=case, reason=reason, added_at=at, added_by=by)
        for case in cases
    )
    note_problem(cases, problem_id=problem_id, reason=comment, at=at, by=by)


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
    require_manage(municipality.pk, by)
    if any(case.municipality_id != municipality.pk for case in cases):
        raise CaseError(ErrorCode.INVALID, "Обращение из другого МО.")
    with transaction.atomic():
        received = [case.received_at for case in cases] or [now]
        problem = Problem.objects.create(
            municipality=municipality,
            title=title[:NAME_LENGTH],
            topic=topic,
            territory=territory,
            place=place[:NAME_LENGTH],
            cause=cause,
            named_at=now,
            named_by=by,
            first_at=min(received),
            last_at=max(received),
            created_at=now,
            search_lemmas=index_problem(title[:NAME_LENGTH], place[:NAME_LENGTH]),
        )
        _move(cases, problem, by=by, now=now)
        problem.refresh_from_db()
    return problem


@dataclass(frozen=True)
class ProblemChanges:
    """What an officer says about a problem: all of it, as the edit form sends it."""

    title: str
    status: str = Problem.Status.OPEN
    cause: str = ""
    topic: Topic | None = None
    territory: Territory | None = None
    place: str = ""
    department: Department | None = None
    block: Block | None = None

    @classmethod
    def of(cls, problem: Problem) -> "ProblemChanges":
        """The problem as it is: the base for a change of some fields only."""
        return cls(
            title=problem.title,
            status=problem.status,
            cause=problem.cause,
            topic=problem.topic,
            territory=problem.territory,
            place=problem.place,
            department=problem.department,
            block=problem.block,
        )


def update_problem(
    problem: Problem, changes: ProblemChanges, *, by: User, now: datetime
) -> Problem:
    """An officer names or edits a problem. The first edit names it (`named_at`,
    `named_by`): from then on it is the МЦУ's problem, no longer a grouping of the pipeline.
    The cases keep their answers, clocks and departments: the owner here is the problem's."""
    require_manage(problem.municipality_id, by)
    values = _checked(problem.municipality_id, changes)
    with transaction.atomic(durable=True):
        locked = _locked([problem.pk])[problem.pk]
        for field, value in values.items():
            setattr(locked, field, value)
        locked.search_lemmas = index_problem(locked.title, locked.place)
        if locked.named_at is None:
            locked.named_at, locked.named_by = now, by
        # Only what the officer edits: the figures are the services' (refresh_figures).
        locked.save(update_fields=[*values, "search_lemmas", "named_at", "named_by"])
    return locked


def name_problem(problem: Problem, *, title: str, by: User, now: datetime) -> Problem:
    """Give a problem its name (the first naming marks it as named), nothing else changed."""
    changes = dataclasses.replace(ProblemChanges.of(problem), title=title)
    return update_problem(problem, changes, by=by, now=now)


def merge_problems(
    target: Problem, others: Sequence[Problem], *, by: User, now: datetime
) -> Problem:
    """The `others` are the same problem as `target`: every case of theirs moves to it (an
    Event on each case's timeline), their fast tracks, road maps and instructions now serve
    the target, the target's empty fields take theirs, and they are deleted. All or nothing."""
    other_ids = sorted({p.pk for p in others})
    if not other_ids:
        raise CaseError(ErrorCode.INVALID, "Выберите проблемы, которые объединить с этой.")
    if target.pk in other_ids:
        raise CaseError(ErrorCode.INVALID, "Проблему нельзя объединить с ней самой.")
    require_manage(target.municipality_id, by)
    if any(p.municipality_id != target.municipality_id for p in others):
        raise CaseError(ErrorCode.INVALID, "Проблема из другого МО.")
    with transaction.atomic(durable=True):
        locked = _locked([target.pk, *other_ids])
        merged = [locked[pk] for pk in other_ids]
        into = locked[target.pk]
        cases = list(Case.objects.filter(problem_link__problem_id__in=other_ids).order_by("pk"))
        _move(cases, into, by=by, now=now, note=f"Проблемы объединены в «{into.title}»")
        _fill_blanks(into, merged)
        FastTrack.objects.filter(problem_id__in=other_ids).update(problem=into)
        Roadmap.objects.filter(problem_id__in=other_ids).update(problem=into)
        Instruction.objects.filter(problem_id__in=other_ids).update(problem=into)
        Problem.objects.filter(pk__in=other_ids).delete()
        refresh_figures({into.pk})
        into.refresh_from_db()
    return into


def split_problem(
    problem: Problem, cases: Sequence[Case], *, title: str, by: User, now: datetime
) -> Problem:
    """The chosen cases of `problem` have a cause of their own: they go to a new, named
    problem with the same topic, place and owner (an Event on each case's timeline)."""
    if not cases:
        raise CaseError(ErrorCode.INVALID, "Отметьте обращения, которые выделить в новую проблему.")
    require_manage(problem.municipality_id, by)
    with transaction.atomic(durable=True):
        source = _locked([problem.pk])[problem.pk]
        members = set(
            ProblemCase.objects.select_for_update()
            .filter(problem=source)
            .values_list("case_id", flat=True)
        )
        strangers = [case.number for case in cases if case.pk not in members]
        if strangers:
            raise CaseError(
                ErrorCode.INVALID, f"Обращения не из этой проблемы: {', '.join(strangers)}."
            )
        if members <= {case.pk for case in cases}:
            raise CaseError(
                ErrorCode.INVALID,
                "Выделить все обращения нельзя: в проблеме должно остаться хотя бы одно. "
                "Чтобы назвать проблему иначе, измените её название.",
            )
        new = create_problem(
            source.municipality,
            title=title,
            cases=cases,
            by=by,
            now=now,
            topic=source.topic,
            territory=source.territory,
            place=source.place,
        )
        Problem.objects.filter(pk=new.pk).update(
            department=source.department, block=source.block, lat=source.lat, lon=source.lon
        )
        new.refresh_from_db()
    return new


def _move(
    cases: Sequence[Case], problem: Problem | None, *, by: User, now: datetime, note: str = ""
) -> None:
    """Put `cases` into `problem` (or out of any, for `None`) as an officer's decision: each
    case's link is replaced, each move is an Event (its comment ends with `note`, when
    given), and every problem touched is recounted. Runs inside the caller's transaction."""
    scope = actor_scope(by)
    if any(not scope.can(Action.WORK, case) for case in cases):
        raise CaseError(ErrorCode.FORBIDDEN, NO_RIGHTS)
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
            reason=_reason_label(ProblemCase.Reason.OFFICER) + (f". {note}" if note else ""),
            at=now,
            by=by,
        )
    refresh_figures({i for i in (*by_before, target_id) if i is not None})


def _new_problem(case: Case, *, at: datetime) -> Problem:
    analysis = getattr(case, "analysis", None)
    place = analysis.place_name if analysis else ""
    topic_id = case.topic_id or (analysis.topic_id if analysis else None)
    title = _title(case, place)
    return Problem.objects.create(
        municipality_id=case.municipality_id,
        title=title,
        search_lemmas=index_problem(title, place),
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


def refresh_figures(problem_ids: set[int]) -> list[Problem]:
    """Recount each problem's cases, their distinct authors and the span of their dates."""
    figures = list(
        ProblemCase.objects.filter(problem_id__in=problem_ids)
        .values("problem_id")
        .annotate(
            n=Count("id"),
            citizens=Count("case__author", distinct=True),
            first=Min("case__received_at"),
            last=Max("case__received_at"),
        )
    )
    for row in figures:
        Problem.objects.filter(pk=row["problem_id"]).update(
            case_count=row["n"],
            citizen_count=row["citizens"],
            first_at=row["first"],
            last_at=row["last"],
        )
    empty = set(problem_ids) - {row["problem_id"] for row in figures}
    Problem.objects.filter(pk__in=empty).update(case_count=0, citizen_count=0)
    return list(Problem.objects.filter(pk__in=problem_ids))


def _reason_label(reason: str) -> str:
    return f"Проблема: {ProblemCase.Reason(reason).label}"


def require_manage(municipality_id: int, by: User) -> None:
    """Problems, road maps, meetings and instructions are the МЦУ's (`may_manage`)."""
    if not may_manage(municipality_id, by):
        raise CaseError(ErrorCode.FORBIDDEN, NO_RIGHTS)


def _locked(ids: Sequence[int]) -> dict[int, Problem]:
    """The problems, locked in the order of their ids (two merges never wait on each
    other crosswise); every one must still exist."""
    wanted = sorted(set(ids))
    locked = {
        p.pk: p for p in Problem.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    }
    if len(locked) != len(wanted):
        raise CaseError(
            ErrorCode.NOT_FOUND, "Проблема не найдена: её уже объединили с другой или удалили."
        )
    return locked


def _checked(municipality_id: int, changes: ProblemChanges) -> dict[str, object]:
    """The fields to write, or the first reason they cannot be written."""
    title = " ".join(changes.title.split())
    place = " ".join(changes.place.split())
    cause = changes.cause.strip()
    if not title:
        raise CaseError(ErrorCode.INVALID, "Укажите название проблемы.")
    if len(title) > NAME_LENGTH or len(place) > NAME_LENGTH:
        raise CaseError(ErrorCode.INVALID, f"Название и место — не длиннее {NAME_LENGTH} знаков.")
    if len(cause) > CAUSE_LENGTH:
        raise CaseError(ErrorCode.INVALID, f"Первопричина — не длиннее {CAUSE_LENGTH} знаков.")
    if changes.status not in Problem.Status.values:
        raise CaseError(ErrorCode.INVALID, "Нет такого состояния проблемы.")
    for owned, label in (
        (changes.territory, "Территория"),
        (changes.department, "Подразделение"),
        (changes.block, "Отраслевой блок"),
    ):
        if owned is not None and owned.municipality_id != municipality_id:
            raise CaseError(ErrorCode.INVALID, f"{label} из другого МО.")
    block = changes.block
    if block is None and changes.department is not None:
        block = changes.department.block
    return {
        "title": title,
        "status": changes.status,
        "cause": cause,
        "topic": changes.topic,
        "territory": changes.territory,
        "place": place,
        "department": changes.department,
        "block": block,
    }


# The columns (topic_id: no query for the topic) a merge fills when the target leaves them blank.
BLANK_FIELDS = (
    "topic_id", "territory_id", "place", "lat", "lon", "cause", "department_id", "block_id",
)  # fmt: skip


def _fill_blanks(target: Problem, merged: Sequence[Problem]) -> None:
    """What the target does not say yet, it takes from the first merged problem that does."""
    for field in BLANK_FIELDS:
        blank = getattr(target, field)
        if blank in (None, ""):
            values = (getattr(p, field) for p in merged)
            setattr(target, field, next((v for v in values if v not in (None, "")), blank))
    target.search_lemmas = index_problem(target.title, target.place)
    target.save(update_fields=[*BLANK_FIELDS, "search_lemmas"])
