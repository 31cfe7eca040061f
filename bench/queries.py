"""Read paths as a page uses them: the inbox first page with its capped count, and the card.

Each inbox scenario is timed `repeat` times; one further run captures the exact SQL and its
EXPLAIN QUERY PLAN, so a slow figure comes with the reason next to it.
"""

import random
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from veche.cases.models import Answer, Case, Citizen, Event
from veche.cases.selectors import (
    CaseFilter,
    case_detail,
    case_timeline,
    count_up_to,
    inbox_cases,
)
from veche.cases.workflow import OPEN_STATUSES, Status
from veche.org.models import User

from .families import COMMON_QUERY, RARE_WORD
from .measure import query_plan, repeat, stats

PAGE = 50
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Actor:
    label: str
    user: User
    department_id: int  # the department filter: the executor's own, a busy one for the МЦУ


def scenarios(department_id: int) -> dict[str, CaseFilter]:
    return {
        "no filter": CaseFilter(),
        "status=in_work": CaseFilter(status=(Status.IN_WORK,)),
        "status=open (10)": CaseFilter(status=tuple(sorted(OPEN_STATUSES))),
        "department": CaseFilter(department_id=department_id),
        f"search «{COMMON_QUERY}»": CaseFilter(text=COMMON_QUERY),
        f"search «{RARE_WORD}»": CaseFilter(text=RARE_WORD),
    }


def measure_inbox(actor: Actor, times: int) -> list[dict[str, Any]]:
    rows = []
    for name, filters in scenarios(actor.department_id).items():
        page_ms: list[float] = []
        count_ms: list[float] = []
        for _ in range(times):  # alternate, as consecutive page loads would
            page_ms += repeat(partial(_page, actor.user, filters), 1)
            count_ms += repeat(partial(_count, actor.user, filters), 1)
        total = [p + c for p, c in zip(page_ms, count_ms, strict=True)]
        rows.append(
            {
                "actor": actor.label,
                "scenario": name,
                "filter": _describe(filters),
                "total_ms": stats(total),
                "page_ms": stats(page_ms),
                "count_ms": stats(count_ms),
                **_explain(actor.user, filters),
            }
        )
    return rows


def _page(user: User, filters: CaseFilter) -> list[Case]:
    return list(inbox_cases(user, filters)[:PAGE])


def _count(user: User, filters: CaseFilter) -> tuple[int, bool]:
    return count_up_to(inbox_cases(user, filters), COUNT_LIMIT)


def _explain(user: User, filters: CaseFilter) -> dict[str, Any]:
    """The result sizes, the exact SQL of the page and the count, and their query plans."""
    with CaptureQueriesContext(connection) as page_queries:
        page = list(inbox_cases(user, filters)[:PAGE])
    with CaptureQueriesContext(connection) as count_queries:
        counted, capped = count_up_to(inbox_cases(user, filters), COUNT_LIMIT)
    page_sql = page_queries.captured_queries[-1]["sql"]
    count_sql = count_queries.captured_queries[-1]["sql"]
    return {
        "rows": len(page),
        "count": counted,
        "count_capped": capped,
        "sql": {"page": page_sql, "count": count_sql},
        "plan": {"page": query_plan(page_sql), "count": query_plan(count_sql)},
    }


def measure_card(actor: Actor, ids: list[int]) -> dict[str, Any]:
    """The case card for each id: the case, its timeline and its answers."""
    timings = [repeat(partial(_card, actor.user, case_id), 1)[0] for case_id in ids]
    with CaptureQueriesContext(connection) as queries:
        events, answers = _card(actor.user, ids[0])
    return {
        "actor": actor.label,
        "card_ms": stats(timings),
        "queries": len(queries),
        "events_on_first": len(events),
        "answers_on_first": len(answers),
    }


def _card(user: User, case_id: int) -> tuple[list[Event], list[Answer]]:
    case = case_detail(user, case_id)
    return list(case_timeline(case)), list(case.answers.all())


def random_ids(actor: Actor, count: int, seed: int) -> list[int]:
    """Ids of cases the actor can see, picked at random."""
    ids = list(
        inbox_cases(actor.user, CaseFilter()).order_by("?").values_list("id", flat=True)[:count]
    )
    random.Random(seed).shuffle(ids)
    return ids


def _describe(filters: CaseFilter) -> dict[str, Any]:
    fields = ("status", "department_id", "text")
    return {f: getattr(filters, f) for f in fields if getattr(filters, f)}


def data_profile() -> dict[str, Any]:
    """What was created: totals and the spread over the dimensions the inbox filters by."""

    def spread(field: str) -> dict[str, int]:
        rows = Case.objects.order_by().values_list(field).annotate(n=Count("id"))
        return {str(key): n for key, n in sorted(rows, key=lambda r: -r[1])}

    return {
        "cases": Case.objects.count(),
        "events": Event.objects.count(),
        "answers": Answer.objects.count(),
        "citizens": Citizen.objects.count(),
        "by_status": spread("status"),
        "by_regime": spread("regime"),
        "by_channel": spread("channel__code"),
        "by_department": spread("department__name"),
    }
