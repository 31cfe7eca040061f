"""Who handles a case and what it is about: its department, its topic, its place."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case, Event
from veche.cases.services._common import _event, _lock, _require, _transition
from veche.cases.workflow import ASSIGNABLE_STATUSES, Status
from veche.catalog.models import Topic
from veche.org.access import Action
from veche.org.models import Department, User


def assign_case(
    case: Case, department: Department, *, by: User | None, now: datetime, comment: str = ""
) -> Case:
    """Route a case to a department (and its block); a new case is registered on the way."""
    with transaction.atomic(durable=True):
        locked = _lock(case, Action.ASSIGN, by)
        if department.municipality_id != locked.municipality_id:
            raise CaseError(ErrorCode.INVALID, "Подразделение из другого МО.")
        if locked.status == Status.NEW:
            _transition(locked, Status.REGISTERED, at=now, by=by, comment="")
        if Status(locked.status) not in ASSIGNABLE_STATUSES:
            raise CaseError(
                ErrorCode.TRANSITION_NOT_ALLOWED,
                f"Нельзя назначить исполнителя в статусе «{Status(locked.status).label}».",
            )
        before = {"department": locked.department_id}
        locked.department = department
        locked.block_id = department.block_id
        locked.save(update_fields=["department", "block", "updated_at"])
        _event(
            locked,
            Event.Kind.ASSIGNED,
            at=now,
            by=by,
            before=before,
            after={"department": department.pk},
            comment=comment,
        )
        if locked.status != Status.ASSIGNED:
            _transition(locked, Status.ASSIGNED, at=now, by=by, comment="")
    return locked


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def assign_cases(
    case_ids: Iterable[int], department: Department, *, by: User, now: datetime
) -> BulkResult:
    """Bulk assignment from the inbox: each case on its own, failures reported per case."""
    result = BulkResult()
    for case in Case.objects.filter(pk__in=list(case_ids)).order_by("pk"):
        try:
            assign_case(case, department, by=by, now=now)
        except CaseError as error:
            result.failed[case.pk] = error.message
        else:
            result.done.append(case.pk)
    return result


def change_topic(case: Case, topic: Topic | None, *, by: User | None, now: datetime) -> Case:
    with transaction.atomic(durable=True):
        locked = _lock(case, Action.WORK, by)
        before = {"topic": locked.topic_id}
        locked.topic = topic
        locked.save(update_fields=["topic", "updated_at"])
        _event(
            locked,
            Event.Kind.TOPIC_CHANGED,
            at=now,
            by=by,
            before=before,
            after={"topic": topic.pk if topic else None},
        )
    return locked


def locate_case(
    case: Case,
    *,
    lat: float,
    lon: float,
    address_raw: str = "",
    territory_id: int | None = None,
    at: datetime,
    by: User | None,
) -> Event:
    """Set where the problem is (a citizen's follow-up location, an officer's correction).

    Not durable, like `add_citizen_message`: a channel records its delivery alongside."""
    with transaction.atomic():
        if by is not None:
            _require(case, Action.WORK, by)
        locked = Case.objects.select_for_update().get(pk=case.pk)
        before = {"lat": locked.lat, "lon": locked.lon, "address": locked.address_raw}
        locked.lat, locked.lon = lat, lon
        locked.address_raw = address_raw[:500] or locked.address_raw
        fields = ["lat", "lon", "address_raw", "updated_at"]
        after = {"lat": lat, "lon": lon, "address": locked.address_raw}
        if territory_id is not None and territory_id != locked.territory_id:
            before["territory"] = locked.territory_id
            locked.territory_id = territory_id
            fields.append("territory")
            after["territory"] = territory_id
        locked.save(update_fields=fields)
        return _event(locked, Event.Kind.LOCATED, at=at, by=by, before=before, after=after)
