"""`/api/v1/problems`: the problems with their figures, an officer's edit, merge, split and
moving a case; thin endpoints over the selectors and services of this app."""

from typing import Annotated, Literal, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply
from pydantic import AwareDatetime, WithJsonSchema

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.selectors import visible_cases
from veche.catalog.models import Topic
from veche.org.api import Id, api_user
from veche.org.models import Block, Department, Territory, User
from veche.problems.figures import Figures, problem_figures
from veche.problems.models import Problem, ProblemCase
from veche.problems.selectors import (
    SORTS,
    ProblemFilter,
    listed_problems,
    problem_cases,
    visible_problems,
)
from veche.problems.services import (
    CAUSE_LENGTH,
    NAME_LENGTH,
    ProblemChanges,
    merge_problems,
    move_case,
    split_problem,
    update_problem,
)

router = Router(tags=["Проблемы"])

MAX_MERGED = 100
MAX_SPLIT = 1_000


class FiguresOut(Schema):
    cases: int
    citizens: int = Field(description="разных заявителей")
    first_at: AwareDatetime | None
    last_at: AwareDatetime | None
    open: int = Field(description="обращений не в конечном статусе")
    overdue: int = Field(description="обращений с идущим сроком, который истёк")
    rated: int = Field(description="обращений с оценкой заявителя")
    satisfied: int = Field(description="из них последняя оценка 4 или 5 из 5")
    satisfaction: int | None = Field(description="доля довольных, %; null — оценок нет")


# Inline, not a $ref: a component named after the enum («Status») would collide with the case
# status of /cases in the one OpenAPI document, and clients would read the wrong values.
ProblemStatus = Annotated[
    Problem.Status,
    WithJsonSchema({"type": "string", "enum": Problem.Status.values, "title": "ProblemStatus"}),
]


class ProblemOut(Schema):
    id: int
    municipality_id: int
    title: str
    status: ProblemStatus
    named_at: AwareDatetime | None = Field(description="null — собрана разбором, не названа")
    topic_id: int | None
    territory_id: int | None
    place: str
    lat: float | None
    lon: float | None
    cause: str
    department_id: int | None
    block_id: int | None
    created_at: AwareDatetime
    figures: FiguresOut


class ProblemCaseOut(Schema):
    id: int
    number: str
    status: str
    received_at: AwareDatetime
    department_id: int | None
    reason: ProblemCase.Reason = Field(description="почему обращение в проблеме")


class ProblemDetailOut(ProblemOut):
    cases: list[ProblemCaseOut]


class ProblemList(Schema):
    count: int
    items: list[ProblemOut]


class ProblemFilterIn(Schema):
    status: ProblemStatus | None = None
    named: bool | None = Field(None, description="true — названные, false — собранные разбором")
    topic: Id | None = Field(None, description="тема или группа тем")
    territory: Id | None = None
    q: str = Field("", max_length=200, description="слова названия или места, в любой форме")
    sort: Literal[tuple(SORTS)] = "last"  # type: ignore[valid-type]
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


class ProblemPatchIn(Schema):
    """Only the fields given change; null clears a reference."""

    title: str | None = Field(None, min_length=1, max_length=NAME_LENGTH)
    status: ProblemStatus | None = None
    cause: str | None = Field(None, max_length=CAUSE_LENGTH)
    topic_id: int | None = None
    territory_id: int | None = None
    place: str | None = Field(None, max_length=NAME_LENGTH)
    department_id: int | None = None
    block_id: int | None = None


class MergeIn(Schema):
    problem_ids: list[int] = Field(
        min_length=1, max_length=MAX_MERGED, description="проблемы, которые влить в эту"
    )


class SplitIn(Schema):
    case_ids: list[int] = Field(min_length=1, max_length=MAX_SPLIT)
    title: str = Field(min_length=1, max_length=NAME_LENGTH)


class MoveIn(Schema):
    problem_id: int | None = Field(description="куда перенести; null — убрать из проблемы")


class MoveOut(Schema):
    case_id: int
    problem_id: int | None


def _problem(user: User, problem_id: int) -> Problem:
    problem = visible_problems(user).filter(pk=problem_id).first()
    if problem is None:
        raise CaseError(ErrorCode.NOT_FOUND, f"Проблема {problem_id} не найдена.")
    return problem


def _out(problem: Problem, figures: Figures) -> ProblemOut:
    return ProblemOut(
        id=problem.pk,
        municipality_id=problem.municipality_id,
        title=problem.title,
        status=Problem.Status(problem.status),
        named_at=problem.named_at,
        topic_id=problem.topic_id,
        territory_id=problem.territory_id,
        place=problem.place,
        lat=problem.lat,
        lon=problem.lon,
        cause=problem.cause,
        department_id=problem.department_id,
        block_id=problem.block_id,
        created_at=problem.created_at,
        figures=FiguresOut(**vars(figures), satisfaction=figures.satisfaction),
    )


def _changes(problem: Problem, payload: ProblemPatchIn) -> ProblemChanges:
    """The problem as it is, with the fields the payload gives."""
    given, now = payload.model_fields_set, ProblemChanges.of(problem)
    municipality = problem.municipality_id
    return ProblemChanges(
        title=now.title if payload.title is None else payload.title,
        status=payload.status or now.status,
        cause=now.cause if payload.cause is None else payload.cause,
        place=now.place if payload.place is None else payload.place,
        topic=_topic(payload.topic_id) if "topic_id" in given else now.topic,
        territory=_owned(Territory.objects.all(), payload.territory_id, municipality, "территории")
        if "territory_id" in given
        else now.territory,
        department=_owned(
            Department.objects.all(), payload.department_id, municipality, "подразделения"
        )
        if "department_id" in given
        else now.department,
        block=_owned(Block.objects.all(), payload.block_id, municipality, "отраслевого блока")
        if "block_id" in given
        else now.block,
    )


def _topic(pk: int | None) -> Topic | None:
    topic = None if pk is None else Topic.objects.filter(pk=pk).first()
    if pk is not None and topic is None:
        raise CaseError(ErrorCode.INVALID, f"Нет темы с id {pk}.")
    return topic


Owned = TypeVar("Owned", Territory, Department, Block)


def _owned(
    items: QuerySet[Owned], pk: int | None, municipality_id: int, label: str
) -> Owned | None:
    """The municipality's territory, department or block with this id; null clears it."""
    item = None if pk is None else items.filter(pk=pk, municipality_id=municipality_id).first()
    if pk is not None and item is None:
        raise CaseError(ErrorCode.INVALID, f"Нет {label} с id {pk} в этом МО.")
    return item


def _detail(user: User, problem_id: int) -> ProblemDetailOut:
    problem = _problem(user, problem_id)
    figures = problem_figures([problem], now=timezone.now())[problem.pk]
    cases = [
        ProblemCaseOut(
            id=case.pk,
            number=case.number,
            status=case.status,
            received_at=case.received_at,
            department_id=case.department_id,
            reason=ProblemCase.Reason(case.problem_link.reason),
        )
        for case in problem_cases(user, problem)
    ]
    return ProblemDetailOut(**_out(problem, figures).dict(), cases=cases)


@router.get("/problems", response=ProblemList, summary="Проблемы с показателями")
def list_problems(request: HttpRequest, filters: Query[ProblemFilterIn]) -> ProblemList:
    now = timezone.now()
    problems = listed_problems(
        api_user(request),
        ProblemFilter(
            status=filters.status or "",
            named=filters.named,
            topic_id=filters.topic,
            territory_id=filters.territory,
            text=filters.q,
            sort=filters.sort,
        ),
        now=now,
    )
    page = list(problems[filters.offset : filters.offset + filters.limit])
    figures = problem_figures(page, now=now)
    return ProblemList(count=problems.count(), items=[_out(p, figures[p.pk]) for p in page])


@router.get("/problems/{problem_id}", response=ProblemDetailOut, summary="Проблема и её обращения")
def detail(request: HttpRequest, problem_id: int) -> ProblemDetailOut:
    return _detail(api_user(request), problem_id)


@router.patch(
    "/problems/{problem_id}",
    response=ProblemDetailOut,
    summary="Назвать или изменить проблему (первое изменение называет её)",
)
def update(request: HttpRequest, problem_id: int, payload: ProblemPatchIn) -> ProblemDetailOut:
    user = api_user(request)
    problem = _problem(user, problem_id)
    changes = _changes(problem, payload)
    update_problem(problem, changes, by=user, now=timezone.now())
    return _detail(user, problem_id)


@router.post(
    "/problems/{problem_id}/merge",
    response=ProblemDetailOut,
    summary="Влить другие проблемы МО в эту: их обращения, дорожные карты, механизмы и поручения",
)
def merge(request: HttpRequest, problem_id: int, payload: MergeIn) -> ProblemDetailOut:
    user = api_user(request)
    problem = _problem(user, problem_id)
    wanted = set(payload.problem_ids)
    others = list(visible_problems(user).filter(pk__in=wanted))
    missing = sorted(wanted - {p.pk for p in others})
    if missing:
        raise CaseError(
            ErrorCode.NOT_FOUND, f"Проблемы не найдены: {', '.join(map(str, missing))}."
        )
    merge_problems(problem, others, by=user, now=timezone.now())
    return _detail(user, problem_id)


@router.post(
    "/problems/{problem_id}/split",
    response={201: ProblemDetailOut},
    summary="Выделить обращения проблемы в новую, названную",
)
def split(request: HttpRequest, problem_id: int, payload: SplitIn) -> Reply[ProblemDetailOut]:
    user = api_user(request)
    problem = _problem(user, problem_id)
    wanted = set(payload.case_ids)
    cases = list(problem_cases(user, problem).filter(pk__in=wanted))
    missing = sorted(wanted - {c.pk for c in cases})
    if missing:
        raise CaseError(
            ErrorCode.INVALID,
            f"Обращения не из этой проблемы: {', '.join(map(str, missing))}.",
        )
    new = split_problem(problem, cases, title=payload.title, by=user, now=timezone.now())
    return Reply(201, _detail(user, new.pk))


@router.post(
    "/problems/{problem_id}/cases/{case_id}/move",
    response=MoveOut,
    summary="Перенести обращение в другую проблему или убрать из проблемы",
)
def move(request: HttpRequest, problem_id: int, case_id: int, payload: MoveIn) -> MoveOut:
    user = api_user(request)
    problem = _problem(user, problem_id)
    case = visible_cases(user).filter(pk=case_id, problem_link__problem=problem).first()
    if case is None:
        raise CaseError(ErrorCode.NOT_FOUND, f"Обращение {case_id} не найдено в этой проблеме.")
    target = None if payload.problem_id is None else _problem(user, payload.problem_id)
    move_case(case, target, by=user, now=timezone.now())
    return MoveOut(case_id=case.pk, problem_id=target.pk if target else None)
