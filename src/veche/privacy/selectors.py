"""Reads of the privacy pages, always through the viewer's managed municipalities."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from veche.cases.models import Case, Citizen, PersonalDataAccess
from veche.deadlines.calendar_store import calendar_for
from veche.org.models import Municipality, User
from veche.privacy.errors import ErrorCode, PrivacyError
from veche.privacy.models import DestructionAct, LegalHold, RetentionRule
from veche.privacy.rights import managed_municipality_ids


@dataclass(frozen=True)
class AccessFilter:
    user: str = ""  # login, or part of it
    citizen_id: int | None = None
    since: date | None = None  # local days, inclusive
    until: date | None = None


def access_log(
    actor: User, filters: AccessFilter, *, zone: ZoneInfo
) -> QuerySet[PersonalDataAccess]:
    """Who read the personal data of the citizens of the actor's municipalities, newest first."""
    rows = PersonalDataAccess.objects.filter(
        citizen__municipality_id__in=managed_municipality_ids(actor)
    ).select_related("user", "case")
    if filters.user:
        rows = rows.filter(user__username__icontains=filters.user)
    if filters.citizen_id is not None:
        rows = rows.filter(citizen_id=filters.citizen_id)
    if filters.since is not None:
        rows = rows.filter(at__gte=datetime.combine(filters.since, time(), zone))
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time(), zone)
        rows = rows.filter(at__lt=end)
    return rows.order_by("-at", "-pk")


def managed_citizen(actor: User, pk: int) -> Citizen:
    """A citizen of one of the actor's municipalities, else «not found» (never «forbidden»:
    that would tell the record exists)."""
    citizen = Citizen.objects.filter(
        pk=pk, municipality_id__in=managed_municipality_ids(actor)
    ).first()
    if citizen is None:
        raise PrivacyError(ErrorCode.NOT_FOUND, "Заявитель не найден.")
    return citizen


def managed_case(actor: User, number: str) -> Case:
    case = Case.objects.filter(
        number=number.strip(), municipality_id__in=managed_municipality_ids(actor)
    ).first()
    if case is None:
        raise PrivacyError(ErrorCode.NOT_FOUND, f"Обращение «{number.strip()}» не найдено.")
    return case


def retention_rules(actor: User) -> QuerySet[RetentionRule]:
    return RetentionRule.objects.filter(
        municipality_id__in=managed_municipality_ids(actor)
    ).select_related("municipality")


def active_holds(actor: User) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(
        case__municipality_id__in=managed_municipality_ids(actor), released_at=None
    ).select_related("case", "placed_by")


def destruction_acts(actor: User) -> QuerySet[DestructionAct]:
    return DestructionAct.objects.filter(
        municipality_id__in=managed_municipality_ids(actor)
    ).select_related("municipality")


# A subject's request is answered within 10 working days, extendable by 5 with a reasoned
# notice: 152-ФЗ ст. 20 ч. 1, ч. 3 as amended by 266-ФЗ of 14.07.2022 (DOMAIN.md §7.1).
SUBJECT_REQUEST_DAYS = 10
SUBJECT_REQUEST_EXTENSION = 5


@dataclass(frozen=True)
class RequestTerms:
    received: date
    due: date
    extended_due: date


def subject_request_terms(municipality: Municipality, received: date) -> RequestTerms:
    """The last day to answer a subject's request received on `received`, by the
    municipality's production calendar, and the last day with the extension."""
    calendar = calendar_for(municipality)
    return RequestTerms(
        received=received,
        due=calendar.working_day_after(received, SUBJECT_REQUEST_DAYS),
        extended_due=calendar.working_day_after(
            received, SUBJECT_REQUEST_DAYS + SUBJECT_REQUEST_EXTENSION
        ),
    )
