"""Helpers the services compose: they check rights, lock rows, write events and numbers, and
never open a transaction themselves."""

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db.models import F

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case, Citizen, Event, RegistrationCounter
from veche.cases.search import index_text
from veche.cases.services.drafts import CaseDraft, CitizenData
from veche.cases.signals import status_changed
from veche.cases.workflow import Regime, Status, is_allowed
from veche.org.access import Action
from veche.org.models import Municipality, User
from veche.org.selectors import actor_scope


def _require(case: Case, action: Action, by: User | None) -> None:
    if by is None:  # the system itself (a channel, a scheduled job)
        return
    scope = actor_scope(by)
    if not scope.can(Action.VIEW, case):
        raise CaseError(ErrorCode.NOT_FOUND, "Обращение не найдено.")
    if not scope.can(action, case):
        raise CaseError(ErrorCode.FORBIDDEN, "Недостаточно прав для этого действия.")


def _lock(case: Case, action: Action, by: User | None) -> Case:
    """Re-read the case under a row lock and check the actor's right on what is stored now."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    _require(locked, action, by)
    return locked


def _event(
    case: Case,
    kind: Event.Kind,
    *,
    at: datetime,
    by: User | None,
    before: Mapping[str, object] | None = None,
    after: Mapping[str, object] | None = None,
    comment: str = "",
) -> Event:
    return Event.objects.create(
        case=case,
        kind=kind,
        at=at,
        actor=by,
        before=dict(before or {}),
        after=dict(after or {}),
        comment=comment,
    )


def _allocate_numbers(municipality: Municipality, year: int, count: int) -> list[str]:
    """Reserve `count` consecutive registration numbers, e.g. «МЦУ-2026-000123»."""
    counter, _ = RegistrationCounter.objects.select_for_update().get_or_create(
        municipality=municipality, year=year
    )
    RegistrationCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    first = counter.last + 1
    prefix = municipality.case_number_prefix
    return [f"{prefix}-{year}-{n:06d}" for n in range(first, first + count)]


def _build_case(municipality: Municipality, draft: CaseDraft, number: str) -> Case:
    if not draft.text.strip():
        raise CaseError(ErrorCode.INVALID, "Пустой текст обращения.")
    return Case(
        municipality=municipality,
        number=number,
        regime=draft.regime,
        channel=draft.channel,
        external_id=draft.external_id,
        received_at=draft.received_at,
        subject=draft.subject,
        text=draft.text,
        address_raw=draft.address_raw,
        lat=draft.lat,
        lon=draft.lon,
        territory_id=draft.territory_id,
        topic_id=draft.topic_id,
        priority=draft.priority,
        search_lemmas=index_text(draft.subject, draft.text),
    )


def _citizens(
    municipality: Municipality, authors: Iterable[CitizenData | None]
) -> dict[CitizenData, Citizen]:
    """The citizen record of each author, created where missing. Identical personal data is
    one person: a repeat author gets the same record, so repeats can be counted."""
    wanted = {a for a in authors if a is not None and any(vars(a).values())}
    if not wanted:
        return {}
    fields = list(CitizenData.__dataclass_fields__)
    known = Citizen.objects.filter(
        municipality=municipality, full_name__in={a.full_name for a in wanted}
    ).order_by("pk")
    found: dict[CitizenData, Citizen] = {}
    for citizen in known:
        key = CitizenData(**{f: getattr(citizen, f) for f in fields})
        if key in wanted:
            found.setdefault(key, citizen)
    missing = [Citizen(municipality=municipality, **vars(a)) for a in wanted if a not in found]
    Citizen.objects.bulk_create(missing)
    found.update({CitizenData(**{f: getattr(c, f) for f in fields}): c for c in missing})
    return found


def _transition(case: Case, to: Status, *, at: datetime, by: User | None, comment: str) -> Event:
    current = Status(case.status)
    if not is_allowed(current, to, Regime(case.regime)):
        raise CaseError(
            ErrorCode.TRANSITION_NOT_ALLOWED,
            f"Переход «{current.label}» → «{to.label}» не разрешён для режима "
            f"«{Regime(case.regime).label}».",
        )
    if to == Status.ASSIGNED and case.department_id is None:
        raise CaseError(ErrorCode.INVALID, "Сначала выберите исполнителя.")
    case.status = to
    fields = ["status", "updated_at"]
    if to == Status.REGISTERED and case.registered_at is None:
        case.registered_at = at
        fields.append("registered_at")
    case.save(update_fields=fields)
    event = _event(
        case,
        Event.Kind.STATUS_CHANGED,
        at=at,
        by=by,
        before={"status": current.value},
        after={"status": to.value},
        comment=comment,
    )
    status_changed.send(
        sender=Case, case=case, before=current, after=to, at=at, by=by, comment=comment
    )
    return event
