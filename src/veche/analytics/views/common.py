"""What every analytics page shares: who may see it, which municipality, period and filters
its query string asks for, and the choices of the filter form."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from veche.analytics import formatting
from veche.analytics.indicators import Filters, Kind, Period
from veche.analytics.params import (
    InvalidParams,
    filter_param,
    filters_from,
    period_from,
    period_param,
)
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.org.models import Municipality
from veche.org.selectors import (
    visible_blocks,
    visible_departments,
    visible_territories,
)
from veche.web.http import AuthedRequest


@dataclass(frozen=True)
class PageQuery:
    municipality: Municipality
    period: Period
    filters: Filters
    today: date
    error: str = ""

    @property
    def period_query(self) -> str:
        return period_param(self.period)

    @property
    def filter_query(self) -> str:
        return filter_param(self.filters)

    @property
    def data_query(self) -> str:
        """The period and the filters: what a link to the same figures keeps."""
        return "&".join(q for q in (self.period_query, self.filter_query) if q)


def page_municipality(request: AuthedRequest) -> Municipality:
    """The user's current municipality; 403 without a role in any."""
    if request.municipality is None:
        raise PermissionDenied("Нет доступа к аналитике: у вас нет роли ни в одном МО.")
    return request.municipality


def page_query(request: AuthedRequest) -> PageQuery:
    """The municipality (the user's current one), period and filters of the request. A bad
    parameter falls back to the defaults and says why in `error`."""
    municipality = page_municipality(request)
    today = timezone.localdate()  # the municipality's (web middleware)
    try:
        return PageQuery(
            municipality, period_from(request.GET, today), filters_from(request.GET), today
        )
    except InvalidParams as error:
        return PageQuery(
            municipality, Period(today.replace(day=1), today), Filters(), today, error.message
        )


def filter_choices(request: AuthedRequest, municipality: Municipality) -> dict[str, Any]:
    """The options of the filter form, limited to what the user can see; topics in the order
    of their groups, for `{% regroup %}`."""
    muni = municipality.pk
    return {
        "topics": Topic.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__name", "name"),
        "departments": visible_departments(request.user).filter(municipality_id=muni),
        "blocks": visible_blocks(request.user).filter(municipality_id=muni),
        "territories": visible_territories(request.user).filter(municipality_id=muni),
        "channels": Channel.objects.order_by("name"),
        "regimes": Regime.choices,
    }


def page_context(request: AuthedRequest, query: PageQuery, tab: str) -> dict[str, Any]:
    """What the tabs, the period switch and the filter form of every page need."""
    today = query.today
    this_month = Period(today.replace(day=1), today)
    before = today.replace(day=1) - timedelta(days=1)
    quarter = (today.month - 1) // 3 + 1
    return {
        "tab": tab,
        "query": query,
        "error": query.error,
        "period": query.period,
        "previous_period": query.period.previous(),
        "period_query": query.period_query,
        "filters": query.filters,
        "choices": filter_choices(request, query.municipality),
        "quick_periods": [
            {"label": label, "query": period_param(p), "current": p == query.period}
            for label, p in (
                ("этот месяц", this_month),
                ("прошлый месяц", Period.month(before.year, before.month)),
                ("этот квартал", Period(Period.quarter(today.year, quarter).start, today)),
                ("прошлый квартал", Period.quarter(today.year, quarter).previous()),
                ("с начала года", Period(today.replace(month=1, day=1), today)),
            )
        ],
        "filter_query": query.filter_query,
    }


def bars(
    rows: list[tuple[Any, str]], totals: dict[Any, float | None], kind: Kind
) -> list[dict[str, Any]]:
    """Rows with their value as people read it and their share of the largest, for the
    plain CSS bar charts of the dashboard and the slices."""
    largest = max((v or 0 for v in totals.values()), default=0) or 1
    return [
        {
            "label": label,
            "value": formatting.value(kind, totals.get(key)),
            "width": (totals.get(key) or 0) / largest,
        }
        for key, label in rows
    ]
