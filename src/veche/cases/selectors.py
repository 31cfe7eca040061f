"""Every read of cases starts from `visible_cases(actor)`: visibility lives here and only here."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case, Event
from veche.cases.search import text_match
from veche.cases.workflow import Regime, Status
from veche.org.access import Action, Scope
from veche.org.models import User
from veche.org.selectors import actor_scope


def scope_filter(scope: Scope, action: Action = Action.VIEW) -> Q:
    """The cases a scope reaches for an action, as a filter; nothing when it has no grants."""
    condition = Q(pk__in=[])
    if municipalities := scope.municipality_ids(action):
        condition |= Q(municipality_id__in=municipalities)
    if blocks := scope.block_ids(action):
        condition |= Q(block_id__in=blocks)
    if departments := scope.department_ids(action):
        condition |= Q(department_id__in=departments)
    return condition


def visible_cases(actor: User | AnonymousUser) -> QuerySet[Case]:
    return Case.objects.filter(scope_filter(actor_scope(actor)))


SORTS: dict[str, tuple[str, ...]] = {
    "-received_at": ("-received_at", "-id"),
    "received_at": ("received_at", "id"),
    "-priority": ("-priority", "-received_at", "-id"),
    "number": ("number",),
    "-number": ("-number",),
}


@dataclass(frozen=True)
class CaseFilter:
    """The inbox and API filters; every field optional."""

    status: tuple[Status, ...] = ()
    regime: Regime | None = None
    channel: str | None = None
    topic_id: int | None = None
    department_id: int | None = None
    block_id: int | None = None
    territory_id: int | None = None
    municipality_id: int | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    text: str = ""
    urgent: bool = False  # only cases the triage pipeline flagged as urgent
    # «Нужен разбор»: new cases the pipeline was not sure enough to route
    needs_review: bool = False
    due: str = ""  # DUE_FILTERS: overdue, today, soon (two days), extended
    sort: str = "-received_at"


def inbox_cases(actor: User | AnonymousUser, filters: CaseFilter) -> QuerySet[Case]:
    qs = visible_cases(actor)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.regime:
        qs = qs.filter(regime=filters.regime)
    if filters.channel:
        qs = qs.filter(channel__code=filters.channel)
    if filters.topic_id:
        qs = qs.filter(Q(topic_id=filters.topic_id) | Q(topic__parent_id=filters.topic_id))
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if filters.block_id:
        qs = qs.filter(block_id=filters.block_id)
    if filters.territory_id:
        qs = qs.filter(
            Q(territory_id=filters.territory_id) | Q(territory__parent_id=filters.territory_id)
        )
    if filters.municipality_id:
        qs = qs.filter(municipality_id=filters.municipality_id)
    if filters.received_from:
        qs = qs.filter(received_at__gte=filters.received_from)
    if filters.received_to:
        qs = qs.filter(received_at__lt=filters.received_to)
    if filters.urgent:
        qs = qs.filter(analysis__urgent=True)
    if filters.needs_review:
        qs = qs.filter(
            analysis__needs_review=True,
            department__isnull=True,
            status__in=(Status.NEW, Status.REGISTERED),
        )
    if filters.due in DUE_FILTERS:
        qs = qs.filter(_due(filters.due, now=timezone.now()))
    if text := filters.text.strip():
        qs = qs.filter(_search(text))
    order = SORTS.get(filters.sort, SORTS["-received_at"])
    return qs.select_related("channel", "topic", "department", "municipality", "analysis").order_by(
        *order
    )


DUE_FILTERS = {
    "overdue": "просрочено",
    "today": "истекает сегодня",
    "soon": "истекает в 2 дня",
    "extended": "продлён срок",
}


def end_of_today(now: datetime, zone: tzinfo | None = None) -> datetime:
    """Where today ends in `zone` (by default the active one, the viewer's municipality's):
    the next local midnight, which is also the moment a day term «по» today is due, so
    «due today» holds it."""
    zone = zone or timezone.get_current_timezone()
    tomorrow = timezone.localdate(now, zone) + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=zone)


def _due(name: str, *, now: datetime) -> Q:
    """Cases by their running deadlines. The clocks belong to the deadlines app, a layer up;
    the lookup goes through its relation by name (`Clock.case`, related name «clocks»)."""
    if name == "extended":
        return Q(pk__in=Case.objects.filter(clocks__extended_by__gt=0).values("pk"))
    windows = {
        "overdue": Q(clocks__due_at__lte=now),
        "today": Q(clocks__due_at__gt=now, clocks__due_at__lte=end_of_today(now)),
        "soon": Q(clocks__due_at__gt=now, clocks__due_at__lte=now + timedelta(days=2)),
    }
    running = Case.objects.filter(windows[name], clocks__state="running")
    return Q(pk__in=running.values("pk"))


def _search(text: str) -> Q:
    """By words in any form, or, when the text has digits, by registration or external number.

    Every branch is `id IN (…)` on its own index, so the scope and the order only check ids.
    """
    found = text_match(text) or Q(pk__in=[])
    if any(c.isdigit() for c in text):
        # SQLite folds only ASCII case, so compare with the upper-cased number ourselves.
        numbers = Case.objects.filter(number__in={text, text.upper()}).values("id")
        external = Case.objects.with_external_id().filter(external_id=text).values("id")
        found |= Q(pk__in=numbers) | Q(pk__in=external)
    return found


def case_detail(actor: User | AnonymousUser, case_id: int) -> Case:
    """One visible case, or NOT_FOUND whether it is absent or someone else's."""
    case = (
        visible_cases(actor)
        .select_related(
            "channel", "topic__parent", "department", "block", "territory", "author", "analysis"
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise CaseError(ErrorCode.NOT_FOUND, "Обращение не найдено.")
    return case


def case_timeline(case: Case) -> QuerySet[Event]:
    return case.events.select_related("actor").order_by("at", "id")


def count_up_to(queryset: QuerySet[Case], limit: int) -> tuple[int, bool]:
    """How many rows, counting no further than `limit` (a full count of a million rows is the
    slowest part of an inbox page); the flag says the true number is larger."""
    counted = queryset.order_by()[: limit + 1].count()
    return min(counted, limit), counted > limit
