"""What the rating reads: the counters of every department of the municipality summed over
the period from the daily rollups, their names and blocks, their answer times, and which
rows the actor sees. The arithmetic is `formula.py`'s."""

from collections import defaultdict
from dataclasses import replace

from django.core.exceptions import PermissionDenied
from django.db.models import Sum

from veche.analytics.indicators import Actor, Filters, Period, quantile
from veche.analytics.models import CaseFact, DailyRollup, RatingPolicy
from veche.analytics.ratings.formula import (
    COUNTERS,
    DepartmentRating,
    Policy,
    Rating,
    evaluate,
    pool_of,
    reference_scores,
    standings,
)
from veche.org.models import Department
from veche.org.selectors import actor_scope


def rate(
    actor: Actor,
    municipality_id: int,
    period: Period,
    filters: Filters,
    policy: RatingPolicy | Policy,
) -> Rating:
    """The departments' rating for a period. Topic, territory, channel and regime filters
    choose the cases that count; department and block filters only choose the rows shown,
    so a department keeps its place among all."""
    scope = actor_scope(actor)
    if municipality_id not in scope.any_municipality_ids():
        raise PermissionDenied("Нет доступа к рейтингу этого МО.")
    rules = policy if isinstance(policy, Policy) else Policy.of(policy)
    pool_filters = replace(filters, departments=(), blocks=())
    counts = _department_counts(municipality_id, period, pool_filters)
    pool = pool_of(counts, rules)
    departments = Department.objects.filter(pk__in=counts).select_related("block")
    names = {d.pk: (str(d), d.block.name if d.block else "", d.block_id) for d in departments}
    medians = _median_answers(municipality_id, period, pool_filters, list(counts))
    ranked, apart = standings(
        [
            DepartmentRating(
                pk,
                names[pk][0],
                names[pk][1],
                evaluate(row, pool, rules),
                eligible=row["received"] >= rules.min_cases,
                median_answer_seconds=medians.get(pk),
            )
            for pk, row in counts.items()
        ]
    )
    shown = _shown(actor, municipality_id, filters, {pk: n[2] for pk, n in names.items()})
    return Rating(
        period,
        rules,
        [r for r in ranked if r.department_id in shown],
        [r for r in apart if r.department_id in shown],
        len(ranked),
        reference_scores(pool, rules),
    )


def _department_counts(
    municipality_id: int, period: Period, filters: Filters
) -> dict[int, dict[str, int]]:
    rows = (
        DailyRollup.objects.filter(
            filters.q(), municipality_id=municipality_id, department__isnull=False,
            day__gte=period.start, day__lte=period.end,
        )
        .values("department_id")
        .annotate(**{f"s_{c}": Sum(c) for c in COUNTERS})
        .order_by()
    )  # fmt: skip
    return {row["department_id"]: {c: int(row[f"s_{c}"] or 0) for c in COUNTERS} for row in rows}


def _median_answers(
    municipality_id: int, period: Period, filters: Filters, department_ids: list[int]
) -> dict[int, float]:
    rows = CaseFact.objects.filter(
        filters.q(), municipality_id=municipality_id, department_id__in=department_ids,
        answered_day__gte=period.start, answered_day__lte=period.end,
        answer_seconds__isnull=False,
    ).values_list("department_id", "answer_seconds")  # fmt: skip
    seconds: dict[int, list[int]] = defaultdict(list)
    for department_id, value in rows:
        if department_id is not None and value is not None:
            seconds[department_id].append(value)
    found = {pk: quantile(values, 0.5) for pk, values in seconds.items()}
    return {pk: value for pk, value in found.items() if value is not None}


def _shown(
    actor: Actor, municipality_id: int, filters: Filters, blocks: dict[int, int | None]
) -> set[int]:
    """The departments whose rows the actor sees, narrowed by the department and block
    filters: all for МЦУ roles, their block's for a block head, their own for its staff."""
    scope = actor_scope(actor)
    whole = municipality_id in scope.municipality_ids()
    mine, my_blocks = scope.department_ids(), scope.block_ids()
    return {
        pk
        for pk, block in blocks.items()
        if (whole or pk in mine or block in my_blocks)
        and (not filters.departments or pk in filters.departments)
        and (not filters.blocks or block in filters.blocks)
    }
