"""The period and filters of an analytics page or API call, read from its query string.

`?period=2026-Q3`, `?period=2026-10`, or `?from=2026-10-01&to=2026-10-15`; the default is the
current month so far. Filters: `topic`, `department`, `block`, `territory`, `channel`,
`regime`, each repeatable. A malformed value is an `InvalidParams` with a Russian message,
which the pages show and the API returns as 400.
"""

import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict

from veche.analytics.indicators import Filters, Indicator, Period
from veche.analytics.slices import Dimension
from veche.cases.workflow import Regime


class InvalidParams(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_from(query: Mapping[str, Any], today: date) -> Period:
    text = (query.get("period") or "").strip()
    if match := QUARTER.match(text):
        return Period.quarter(int(match[1]), int(match[2]))
    if match := MONTH.match(text):
        return Period.month(int(match[1]), int(match[2]))
    if text:
        raise InvalidParams(f"Период «{text}» не понят: нужен вид 2026-Q3 или 2026-10.")
    start, end = query.get("from"), query.get("to")
    if start or end:
        first, last = _date(start, "from"), _date(end, "to")
        if last < first:
            raise InvalidParams("Конец периода раньше начала.")
        if (last - first).days > 3_660:
            raise InvalidParams("Период длиннее десяти лет.")
        return Period(first, last)
    return Period(today.replace(day=1), today)


# Each filter's query parameter and the `Filters` field it fills.
FILTER_FIELDS = {
    "topic": "topics",
    "department": "departments",
    "block": "blocks",
    "territory": "territories",
    "channel": "channels",
    "regime": "regimes",
}


def filters_from(query: QueryDict) -> Filters:
    def ids(name: str) -> tuple[int, ...]:
        found = []
        for value in query.getlist(name):
            if not value:
                continue
            if not value.isdigit():
                raise InvalidParams(f"Параметр {name}: «{value}» — не номер.")
            found.append(int(value))
        return tuple(found)

    regimes = tuple(v for v in query.getlist("regime") if v)
    for regime in regimes:
        if regime not in Regime.values:
            raise InvalidParams(f"Режим «{regime}» неизвестен.")
    found = {field: ids(name) for name, field in FILTER_FIELDS.items() if name != "regime"}
    return Filters(**found, regimes=regimes)


def filter_pairs(filters: Filters) -> list[tuple[str, str]]:
    """The filters as query-string pairs that `filters_from` reads back."""
    return [
        (name, str(value))
        for name, field in FILTER_FIELDS.items()
        for value in getattr(filters, field)
    ]


def filter_param(filters: Filters) -> str:
    """The query string that gives the filters back (links keep them)."""
    return urlencode(filter_pairs(filters))


def period_param(period: Period) -> str:
    """The query string that gives the period back (links keep it)."""
    return f"from={period.start:%Y-%m-%d}&to={period.end:%Y-%m-%d}"


def _date(text: str | None, name: str) -> date:
    if not text:
        raise InvalidParams(f"Нужны обе даты периода: не хватает «{name}».")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidParams(f"Дата «{text}» не понята: нужен вид 2026-10-01.") from None


def slice_params(query: Any) -> tuple[Indicator, Dimension, Dimension | None]:
    """The indicator and the dimensions of a slice from its query string."""
    try:
        indicator = Indicator(query.get("indicator") or Indicator.RECEIVED)
    except ValueError:
        raise InvalidParams(f"Показатель «{query.get('indicator')}» неизвестен.") from None
    try:
        rows = Dimension(query.get("rows") or Dimension.DEPARTMENT)
        columns = Dimension(query["columns"]) if query.get("columns") else None
    except ValueError:
        raise InvalidParams("Разрез не понят: выберите его из списка.") from None
    if columns == rows:
        raise InvalidParams("Строки и столбцы — один и тот же разрез: выберите разные.")
    return indicator, rows, columns
