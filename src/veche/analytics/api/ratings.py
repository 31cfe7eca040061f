"""`/api/v1/analytics/ratings` and `/api/v1/analytics/ratings/workload`: the ratings page's
figures as JSON, for the parameters of the page (`api/common.py`)."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from veche.analytics.api.common import ERRORS, AnalyticsQuery, Forbidden, asked, refusal
from veche.analytics.ratings import (
    DepartmentRating,
    Load,
    Part,
    Rating,
    Score,
    rate,
    rating_policy,
    workload,
)

router = Router()


class RatingsQuery(AnalyticsQuery):
    """Department and block choose only the rows shown: a department keeps its place among
    all of the municipality's."""

    department: list[str] = Field(default_factory=list, description="только какие строки видны")
    block: list[str] = Field(default_factory=list, description="только какие строки видны")


class PartOut(Schema):
    label: str
    x: int
    n: int
    raw: float | None
    shrunk: float | None = Field(description="(x + m·p₀)/(n + m)")
    municipality: float | None = Field(description="p₀, доля по МО")
    municipality_x: int
    municipality_n: int


class ScoreOut(Schema):
    component: str
    label: str
    points: float | None = Field(description="0–100")
    municipality_points: float | None
    weight: float = Field(description="доля в индексе после перераспределения, 0–1")
    contribution: float | None
    parts: list[PartOut]


class DepartmentRatingOut(Schema):
    department_id: int
    name: str
    block: str
    rank: int | None
    index: float | None
    received: int
    median_answer_seconds: float | None
    components: list[ScoreOut]
    missing: list[str] = Field(description="показатели без данных, их вес перераспределён")
    weakest: str | None
    why: str


class PolicyOut(Schema):
    weights: dict[str, int]
    min_cases: int
    prior_cases: int


class RatingOut(Schema):
    municipality_id: int
    start: str
    end: str
    method: str
    policy: PolicyOut
    ranked_total: int
    municipality: list[ScoreOut]
    rows: list[DepartmentRatingOut]
    apart: list[DepartmentRatingOut] = Field(
        description="меньше min_cases обращений — вне рейтинга"
    )


class LoadOut(Schema):
    id: int | None
    name: str
    block: str
    received: int
    open_now: int
    overdue_now: int
    staff: int
    open_per_staff: float | None


class WorkloadOut(Schema):
    municipality_id: int
    start: str
    end: str
    blocks: list[LoadOut]
    departments: list[LoadOut]
    total: LoadOut


@router.get(
    "/ratings",
    response={200: RatingOut, **ERRORS},
    summary="Рейтинг исполнителей с объяснением места",
)
def ratings(request: HttpRequest, params: Query[RatingsQuery]) -> Reply[Any]:
    try:
        a = asked(request)
    except (ValueError, Forbidden) as problem:
        return Reply(*refusal(problem))
    muni = a.municipality.pk
    found = rate(a.user, muni, a.period, a.filters, rating_policy(muni))
    return Reply(200, _rating_out(muni, found))


@router.get(
    "/ratings/workload",
    response={200: WorkloadOut, **ERRORS},
    summary="Нагрузка по блокам и исполнителям",
)
def ratings_workload(request: HttpRequest, params: Query[RatingsQuery]) -> Reply[Any]:
    try:
        a = asked(request)
    except (ValueError, Forbidden) as problem:
        return Reply(*refusal(problem))
    load = workload(a.user, a.municipality.pk, a.period, a.filters, timezone.now())
    return Reply(
        200,
        {
            "municipality_id": a.municipality.pk,
            "start": a.period.start.isoformat(),
            "end": a.period.end.isoformat(),
            "blocks": [_load_out(row) for row in load.blocks],
            "departments": [_load_out(row) for row in load.departments],
            "total": _load_out(load.total),
        },
    )


def _rating_out(municipality_id: int, rating: Rating) -> dict[str, Any]:
    policy = rating.policy
    return {
        "municipality_id": municipality_id,
        "start": rating.period.start.isoformat(),
        "end": rating.period.end.isoformat(),
        "method": rating.method,
        "policy": {
            "weights": {c.value: w for c, w in policy.weights.items()},
            "min_cases": policy.min_cases,
            "prior_cases": policy.prior_cases,
        },
        "ranked_total": rating.ranked_total,
        "municipality": [_score_out(s) for s in rating.reference],
        "rows": [_department_out(r) for r in rating.rows],
        "apart": [_department_out(r) for r in rating.apart],
    }


def _department_out(row: DepartmentRating) -> dict[str, Any]:
    weakest = row.weakest
    return {
        "department_id": row.department_id,
        "name": row.name,
        "block": row.block,
        "rank": row.rank,
        "index": row.index,
        "received": row.received,
        "median_answer_seconds": row.median_answer_seconds,
        "components": [_score_out(s) for s in row.scores],
        "missing": [c.value for c in row.missing],
        "weakest": weakest.component.value if weakest else None,
        "why": row.why,
    }


def _score_out(score: Score) -> dict[str, Any]:
    return {
        "component": score.component.value,
        "label": score.label,
        "points": score.points,
        "municipality_points": score.reference,
        "weight": score.weight,
        "contribution": score.contribution,
        "parts": [_part_out(p) for p in score.parts],
    }


def _part_out(part: Part) -> dict[str, Any]:
    return {
        "label": part.label,
        "x": part.x,
        "n": part.n,
        "raw": part.raw,
        "shrunk": part.shrunk,
        "municipality": part.reference,
        "municipality_x": part.reference_x,
        "municipality_n": part.reference_n,
    }


def _load_out(load: Load) -> dict[str, Any]:
    return {
        "id": load.key,
        "name": load.name,
        "block": load.block,
        "received": load.received,
        "open_now": load.open_now,
        "overdue_now": load.overdue_now,
        "staff": load.staff,
        "open_per_staff": load.open_per_staff,
    }
