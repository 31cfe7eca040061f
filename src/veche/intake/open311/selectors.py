"""Reads behind the Open311 endpoints: jurisdictions, services and the public request feed.

The feed is public by the spec (GET needs no key), so it is not `visible_cases(actor)`: it is a
fixed projection — the cases that came in through Open311 itself, of one municipality. Cases of
other channels (59-ФЗ appeals above all: their content may not be disclosed, ст. 6) never
appear; widening `PUBLIC_CHANNELS` is a decision for the municipality, not for a client.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from veche.cases.models import Case
from veche.cases.workflow import OPEN_STATUSES
from veche.catalog.models import Channel, Topic
from veche.intake.open311.errors import Open311Error
from veche.org.models import Municipality

PUBLIC_CHANNELS = frozenset({Channel.Code.OPEN311})
MAX_REQUESTS = 1000  # the spec's default limit of one GET requests answer


@dataclass(frozen=True)
class RequestQuery:
    """GET requests filters, already checked. Ids, when given, override everything else."""

    start: datetime
    end: datetime
    ids: tuple[int, ...] = ()
    service_codes: tuple[int, ...] = ()
    statuses: frozenset[str] = frozenset()  # "open", "closed"; empty means both


def jurisdiction(code: str, *, fallback: Collection[int] = ()) -> Municipality:
    """The municipality whose ОКТМО is `code`. Without a code: the only municipality the
    caller may act in (`fallback`, e.g. an API key's), else the deployment's only one."""
    code = code.strip()
    if code:
        found = Municipality.objects.filter(oktmo=code).first()
        if found is None:
            raise Open311Error(404, f"jurisdiction_id «{code}» не найден.")
        return found
    candidates = list(fallback) or list(Municipality.objects.values_list("pk", flat=True)[:2])
    if len(candidates) != 1:
        raise Open311Error(400, "Не указан jurisdiction_id (код ОКТМО муниципалитета).")
    return Municipality.objects.get(pk=candidates[0])


def service_topics() -> QuerySet[Topic]:
    """The services: active level-1 topics of active groups, grouped as in the rubricator."""
    return (
        Topic.objects.filter(parent__isnull=False, is_active=True, parent__is_active=True)
        .select_related("parent")
        .order_by("parent__name", "name", "pk")
    )


def as_id(text: str) -> int | None:
    """A database id written in ASCII digits, or None (no `isdigit()`: «²» is a digit too)."""
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


def service_topic(code: str) -> Topic:
    pk = as_id(code)
    topic = service_topics().filter(pk=pk).first() if pk is not None else None
    if topic is None:
        raise Open311Error(404, f"service_code «{code}» не найден.")
    return topic


def public_requests(municipality: Municipality) -> QuerySet[Case]:
    return Case.objects.filter(
        municipality=municipality, channel__code__in=PUBLIC_CHANNELS
    ).select_related("topic__parent", "department", "municipality")


def find_requests(municipality: Municipality, query: RequestQuery) -> list[Case]:
    """Newest first, at most `MAX_REQUESTS`."""
    cases = public_requests(municipality)
    if query.ids:
        cases = cases.filter(pk__in=query.ids)
    else:
        cases = cases.filter(received_at__gte=query.start, received_at__lte=query.end)
        if query.service_codes:
            cases = cases.filter(topic_id__in=query.service_codes)
        if query.statuses == {"open"}:
            cases = cases.filter(status__in=OPEN_STATUSES)
        elif query.statuses == {"closed"}:
            cases = cases.exclude(status__in=OPEN_STATUSES)
    return list(cases.order_by("-received_at", "-pk")[:MAX_REQUESTS])


def request_by_id(municipality: Municipality, raw_id: str) -> Case:
    pk = as_id(raw_id)
    case = public_requests(municipality).filter(pk=pk).first() if pk is not None else None
    if case is None:
        raise Open311Error(404, f"service_request_id «{raw_id}» не найден.")
    return case


def request_by_token(municipality: Municipality, token: str) -> Case:
    """The case a `token` returned by POST stands for (the token is its external id)."""
    case = (
        public_requests(municipality).filter(~Q(external_id=""), external_id=token).first()
        if token
        else None
    )
    if case is None:
        raise Open311Error(404, f"token «{token}» не найден.")
    return case
