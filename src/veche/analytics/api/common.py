"""What the analytics endpoints share: the query parameters of the pages (params.py), the
municipality asked for, and the 400/403 answer with a Russian message.

Every endpoint declares its query as `AnalyticsQuery` (or `MunicipalityQuery` when it has no
period and filters) or a subclass adding its own parameters, reads it with `asked` (or
`viewer`), and answers a `ValueError` or `Forbidden` with `refusal`."""

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema

from veche.analytics.indicators import Filters, Period
from veche.analytics.params import InvalidParams, filters_from, period_from
from veche.org.models import Municipality, User
from veche.org.selectors import actor_scope, primary_municipality


class MunicipalityQuery(Schema):
    """Documented here; read by `viewer` and params.py, so a malformed value gets its Russian
    message rather than a generic validation error."""

    municipality: str | None = Field(None, description="МО, если их у вас несколько")


class AnalyticsQuery(MunicipalityQuery):
    period: str | None = Field(None, description="2026-Q3 или 2026-10")
    from_: str | None = Field(None, alias="from", description="начало периода, 2026-10-01")
    to: str | None = Field(None, description="конец периода, 2026-10-31")
    topic: list[str] = Field(default_factory=list, description="темы (повторяемый)")
    department: list[str] = Field(default_factory=list)
    block: list[str] = Field(default_factory=list)
    territory: list[str] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list)
    regime: list[str] = Field(default_factory=list)


class ErrorOut(Schema):
    code: str
    message: str


class Forbidden(Exception):
    """The user has no analytics of the municipality asked for."""


@dataclass(frozen=True)
class Viewer:
    user: User
    municipality: Municipality

    @property
    def today(self) -> date:
        """Today in the municipality (the API has no page middleware to set its zone)."""
        return timezone.localdate(timezone=ZoneInfo(self.municipality.time_zone))


@dataclass(frozen=True)
class Asked(Viewer):
    period: Period
    filters: Filters


def viewer(request: HttpRequest) -> Viewer:
    """The user of an API call and the municipality asked for; InvalidParams or Forbidden."""
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise Forbidden
    municipality = municipality_asked(user, request.GET.get("municipality"))
    if municipality is None:
        raise Forbidden
    return Viewer(user, municipality)


def asked(request: HttpRequest) -> Asked:
    """The user, municipality, period and filters of an API call; InvalidParams or Forbidden."""
    who = viewer(request)
    period = period_from(request.GET, who.today)
    return Asked(who.user, who.municipality, period, filters_from(request.GET))


def municipality_asked(user: User, requested: str | None) -> Municipality | None:
    """The requested municipality if the user sees it, else their first one."""
    requested = (requested or "").strip()
    if not requested:
        return primary_municipality(user)
    if not requested.isdigit():
        raise InvalidParams(f"Параметр municipality: «{requested}» — не номер.")
    if int(requested) not in actor_scope(user).any_municipality_ids():
        return None
    return Municipality.objects.filter(pk=int(requested)).first()


def refusal(problem: Exception) -> tuple[int, ErrorOut]:
    """403 for `Forbidden`; 400 with the message for a bad parameter (`InvalidParams` and
    the other ValueErrors the selectors raise about what was asked)."""
    if isinstance(problem, Forbidden):
        return 403, ErrorOut(code="forbidden", message="Нет доступа к аналитике этого МО.")
    return 400, ErrorOut(code="invalid", message=str(problem))


ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut}
