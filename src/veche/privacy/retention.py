"""When a finished case's personal data are due for destruction: the term by the most
specific rule, counted from the day the case entered its final status (DOMAIN.md §7.1,
§8 item 20). Pure functions, except `final_moments`, which reads the timelines."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from veche.cases.models import Event
from veche.cases.workflow import OPEN_STATUSES, Status
from veche.privacy.models import DEFAULT_RETENTION_DAYS

# A case is finished when it can no longer change without a citizen's new step: answered,
# closed, redirected, merged or rejected (cases.workflow).
FINAL_STATUSES = frozenset(set(Status) - OPEN_STATUSES)

# (regime, status) → days; "" means any.
Terms = Mapping[tuple[str, str], int]


def term_days(terms: Terms, regime: str, status: str) -> int:
    """The retention term of a case: the most specific rule, else the default."""
    for key in ((regime, status), (regime, ""), ("", status), ("", "")):
        if key in terms:
            return terms[key]
    return DEFAULT_RETENTION_DAYS


def destruction_day(final_day: date, days: int) -> date:
    """The first day the data may be destroyed: the term has run out the day before."""
    return final_day + timedelta(days=days)


def is_expired(final_day: date, days: int, today: date) -> bool:
    return today >= destruction_day(final_day, days)


def entered_final(statuses: Iterable[tuple[str, datetime]]) -> datetime | None:
    """When the case entered the final status it is in now, from its status changes oldest
    first; `None` when it is not in a final status (or never changed status). Each final
    status restarts the count («закрыто» after «ответ направлен»): the data are kept the
    longer, never the shorter."""
    changes = list(statuses)
    if not changes or changes[-1][0] not in FINAL_STATUSES:
        return None
    return changes[-1][1]


def final_moments(case_ids: list[int]) -> dict[int, datetime]:
    """The moment each case entered its current final status (see `entered_final`)."""
    rows = (
        Event.objects.filter(case_id__in=case_ids, kind=Event.Kind.STATUS_CHANGED)
        .order_by("case_id", "at", "pk")
        .values_list("case_id", "after", "at")
    )
    changes: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for case_id, after, at in rows:
        changes[case_id].append((str((after or {}).get("status", "")), at))
    found = {}
    for case_id, items in changes.items():
        moment = entered_final(items)
        if moment is not None:
            found[case_id] = moment
    return found
