"""Cases about the same problem: one merged into another, or a duplicate of an original."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case, Event
from veche.cases.services._common import _event, _lock, _transition
from veche.cases.workflow import Status
from veche.org.access import Action
from veche.org.models import User


def merge_case(
    case: Case, into: Case, *, by: User | None, now: datetime, comment: str = ""
) -> Case:
    """Merge a case into another one about the same problem (ИМ merges posts into one
    incident, DOMAIN.md §8 item 8): the case closes as MERGED, both timelines say so, and the
    author still counts in its own right."""
    if case.pk == into.pk:
        raise CaseError(ErrorCode.INVALID, "Нельзя объединить обращение с самим собой.")
    with transaction.atomic(durable=True):
        target = _lock(into, Action.WORK, by)
        locked = _lock(case, Action.WORK, by)
        if target.municipality_id != locked.municipality_id:
            raise CaseError(ErrorCode.INVALID, "Обращения из разных МО.")
        if target.status == Status.MERGED:
            raise CaseError(ErrorCode.INVALID, f"{target.number} уже объединено с другим.")
        _transition(locked, Status.MERGED, at=now, by=by, comment=comment)
        locked.parent = target
        locked.save(update_fields=["parent", "updated_at"])
        _event(
            locked, Event.Kind.LINKED, at=now, by=by, after={"parent": target.pk}, comment=comment
        )
        _event(
            target, Event.Kind.LINKED, at=now, by=by, after={"merged": locked.pk}, comment=comment
        )
    return locked


def mark_duplicate(
    case: Case, original: Case, *, by: User | None, now: datetime, comment: str = ""
) -> Case:
    """Link a дубликат to its original (DOMAIN.md §1.3): one joint answer is allowed; the
    status is left to the officer."""
    if case.pk == original.pk:
        raise CaseError(ErrorCode.INVALID, "Обращение не может быть дубликатом самого себя.")
    with transaction.atomic(durable=True):
        first = _lock(original, Action.VIEW, by)
        locked = _lock(case, Action.WORK, by)
        if first.municipality_id != locked.municipality_id:
            raise CaseError(ErrorCode.INVALID, "Обращения из разных МО.")
        before = {"duplicate_of": locked.duplicate_of_id}
        locked.duplicate_of = first
        locked.save(update_fields=["duplicate_of", "updated_at"])
        _event(
            locked,
            Event.Kind.LINKED,
            at=now,
            by=by,
            before=before,
            after={"duplicate_of": first.pk},
            comment=comment,
        )
    return locked


def note_problem(
    cases: Sequence[Case],
    *,
    problem_id: int | None,
    before_id: int | None = None,
    reason: str,
    at: datetime,
    by: User | None,
) -> None:
    """Say on each case's timeline that it joined a problem (`problem_id`) or left one
    (`problem_id` None): `problems` groups the cases, the timeline here records it."""
    Event.objects.bulk_create(
        Event(
            case=case,
            kind=Event.Kind.PROBLEM,
            at=at,
            actor=by,
            before={"problem": before_id} if before_id else {},
            after={"problem": problem_id},
            comment=reason,
        )
        for case in cases
    )
