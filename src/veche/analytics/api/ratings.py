"""`/api/v1/analytics/ratings` and `/api/v1/analytics/ratings/workload`: the ratings page's
figures as JSON, with the page's query parameters (`analytics/params.py`). The parameters are
declared for the OpenAPI docs as plain strings and read by the same parser as the pages, so a
bad value is a 400 with the page's Russian message, not a generic validation error."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from veche.analytics.indicators import Filters, Period
from veche.analytics.params import InvalidParams, filters_from, period_from
from veche.analytics.ratings import DepartmentRating, Part, Rating, Score, rate, rating_policy
from veche.analytics.ratings_workload import Load, workload
from veche.org.models import User
from veche.org.selectors import actor_scope, primary_municipality

router = Router()


class RatingsQuery(Schema):
    """The page's query string; every filter is repeatable."""

    municipality: str = Field("", description="номер МО; по умолчанию — МО пользователя")
    period: str = Field("", description="2026-Q3 или 2026-10; по умолчанию — текущий месяц")
    from_: str = Field("", alias="from", description="начало периода, 2026-10-01")
    to: str = Field("", description="конец периода, 2026-10-31")
    topic: list[str] = Field(default_factory=list)
    department: list[str] = Field(default_factory=list, description="только какие строки видны")
    block: list[str] = Field(default_factory=list, description="только какие строки видны")
    territory: list[str] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list)
    regime: list[str] = Field(default_factory=list)


class ErrorOut(Schema):
    code: str
    message: str


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


class DepartmentOut(Schema):
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
    rows: list[DepartmentOut]
    apart: list[DepartmentOut] = Field(description="меньше min_cases обращений — вне рейтинга")


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


class _Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)  # noqa: S101 - both authenticators return a User
    return user


def _parsed(request: HttpRequest) -> tuple[int, Period, Filters]:
    """The municipality, period and filters asked for: `InvalidParams` for a malformed value,
    `_Forbidden` for a municipality the user has no role in."""
    user = _user(request)
    raw = (request.GET.get("municipality") or "").strip()
    if raw and not raw.isdigit():
        raise InvalidParams(f"Параметр municipality: «{raw}» — не номер.")
    allowed = actor_scope(user).any_municipality_ids()
    if raw:
        municipality_id = int(raw)
    else:
        home = primary_municipality(user)
        if home is None:
            raise _Forbidden("У вас нет роли ни в одном МО.")
        municipality_id = home.pk
    if municipality_id not in allowed:
        raise _Forbidden(f"Нет доступа к МО №{municipality_id}.")
    today = timezone.localdate()
    return municipality_id, period_from(request.GET, today), filters_from(request.GET)


def _refusal(error: InvalidParams | _Forbidden) -> Reply[dict[str, str]]:
    if isinstance(error, _Forbidden):
        return Reply(403, {"code": "forbidden", "message": error.message})
    return Reply(400, {"code": "invalid", "message": error.message})


@router.get(
    "/ratings",
    response={200: RatingOut, 400: ErrorOut, 403: ErrorOut},
    summary="Рейтинг исполнителей с объяснением места",
)
def ratings(request: HttpRequest, params: Query[RatingsQuery]) -> Reply[Any]:
    try:
        municipality_id, period, filters = _parsed(request)
    except (InvalidParams, _Forbidden) as error:
        return _refusal(error)
    user = _user(request)
    found = rate(user, municipality_id, period, filters, rating_policy(municipality_id))
    return Reply(200, _rating_out(municipality_id, found))


@router.get(
    "/ratings/workload",
    response={200: WorkloadOut, 400: ErrorOut, 403: ErrorOut},
    summary="Нагрузка по блокам и исполнителям",
)
def ratings_workload(request: HttpRequest, params: Query[RatingsQuery]) -> Reply[Any]:
    try:
        municipality_id, period, filters = _parsed(request)
    except (InvalidParams, _Forbidden) as error:
        return _refusal(error)
    user = _user(request)
    load = workload(user, municipality_id, period, filters, timezone.now())
    return Reply(
        200,
        {
            "municipality_id": municipality_id,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
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
