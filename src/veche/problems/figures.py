"""A problem's figures, for a page of problems in two queries whatever its length.

Stored on the problem and kept by the services when a case joins or leaves
(services.refresh_figures): cases, citizens (distinct authors), first and last seen. Computed when
shown, because they change without any change of the problem: open cases (not in a final
status, cases.workflow.OPEN_STATUSES), overdue cases (a running clock of the deadlines app
past its due moment — they become overdue with time alone) and the satisfaction: the share
of 4 and 5 of 5 among the latest rating of each rated case, read from the cases' timelines
(Event «оценка заявителя»), so every citizen of the problem counts once, as in the
analytics.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from veche.cases.models import Event
from veche.cases.workflow import OPEN_STATUSES
from veche.deadlines.clocks import ClockState
from veche.deadlines.models import Clock
from veche.problems.models import Problem, ProblemCase

SATISFIED_FROM = 4  # of 5, as the analytics count «довольны»


@dataclass(frozen=True)
class Figures:
    cases: int
    citizens: int
    first_at: datetime | None
    last_at: datetime | None
    open: int
    overdue: int
    rated: int  # cases with a rating
    satisfied: int  # of them, the latest rating 4 or 5

    @property
    def satisfaction(self) -> int | None:
        """Percent of the rated cases whose citizen was satisfied; None before any rating."""
        return round(100 * self.satisfied / self.rated) if self.rated else None


def problem_figures(problems: Sequence[Problem], *, now: datetime) -> dict[int, Figures]:
    """The figures of each problem by its id."""
    ids = [p.pk for p in problems]
    if not ids:
        return {}
    counts = {
        row["problem_id"]: (row["open"], row["overdue"])
        for row in ProblemCase.objects.filter(problem_id__in=ids)
        .values("problem_id")
        .annotate(
            open=Count("pk", filter=Q(case__status__in=OPEN_STATUSES)),
            overdue=Count("pk", filter=Q(Exists(_late_clocks(now)))),
        )
    }
    ratings = _rating_counts(ids)
    figures = {}
    for p in problems:
        open_, overdue = counts.get(p.pk, (0, 0))
        rated, satisfied = ratings.get(p.pk, (0, 0))
        figures[p.pk] = Figures(
            cases=p.case_count,
            citizens=p.citizen_count,
            first_at=p.first_at if p.case_count else None,
            last_at=p.last_at if p.case_count else None,
            open=open_,
            overdue=overdue,
            rated=rated,
            satisfied=satisfied,
        )
    return figures


def with_overdue_count(problems: QuerySet[Problem], *, now: datetime) -> QuerySet[Problem]:
    """`problems` with `overdue_count`, for sorting the list by it."""
    late_cases = (
        ProblemCase.objects.filter(problem_id=OuterRef("pk"))
        .filter(Exists(_late_clocks(now)))
        .order_by()
        .values("problem_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return problems.annotate(
        overdue_count=Coalesce(Subquery(late_cases, output_field=IntegerField()), 0)
    )


def satisfaction_counts(latest_ratings: Iterable[object]) -> tuple[int, int]:
    """(rated, satisfied) from the latest rating of each case; a value that is not a mark
    from 1 to 5 (a damaged or foreign event) is not a rating."""
    marks = [
        r for r in latest_ratings if isinstance(r, int) and not isinstance(r, bool) and 1 <= r <= 5
    ]
    return len(marks), sum(1 for r in marks if r >= SATISFIED_FROM)


def _late_clocks(now: datetime) -> QuerySet[Clock]:
    """The running clocks past due of the case of the outer ProblemCase row."""
    return Clock.objects.filter(
        case_id=OuterRef("case_id"), state=ClockState.RUNNING, due_at__lt=now
    )


def _rating_counts(problem_ids: list[int]) -> dict[int, tuple[int, int]]:
    rows = (
        Event.objects.filter(kind=Event.Kind.RATING, case__problem_link__problem_id__in=problem_ids)
        .order_by("case_id", "at", "pk")
        .values_list("case__problem_link__problem_id", "case_id", "after")
    )
    latest: dict[int, tuple[int, object]] = {}
    for problem_id, case_id, after in rows:
        latest[case_id] = (problem_id, after.get("rating") if isinstance(after, dict) else None)
    by_problem: dict[int, list[object]] = {}
    for problem_id, rating in latest.values():
        by_problem.setdefault(problem_id, []).append(rating)
    return {pk: satisfaction_counts(marks) for pk, marks in by_problem.items()}
