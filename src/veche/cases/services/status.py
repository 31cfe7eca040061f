"""A case's status as an officer changes it; the table in `veche.cases.workflow` decides which
transitions are allowed."""

from datetime import datetime

from django.db import transaction

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case
from veche.cases.services._common import _lock, _require, _transition
from veche.cases.services.answers import (
    approve_answer,
    latest_approved,
    latest_draft,
    record_answer_sent,
)
from veche.cases.workflow import Regime, Status, is_allowed
from veche.org.access import Action
from veche.org.models import User


def change_status(
    case: Case, to: Status, *, by: User | None, now: datetime, comment: str = ""
) -> Case:
    """Move the case on. Approval («Согласовать ответ») approves the final draft itself: the
    status never says «согласован» while the answer stays a draft."""
    if to == Status.ANSWER_APPROVED:
        _require(case, Action.APPROVE, by)
        draft = latest_draft(case)
        if draft is None and is_allowed(Status(case.status), to, Regime(case.regime)):
            raise CaseError(
                ErrorCode.INVALID, "Нет проекта окончательного ответа для согласования."
            )
        if draft is not None and by is not None:
            approve_answer(draft, by=by, now=now, comment=comment)
            return Case.objects.get(pk=case.pk)
        # Not allowed from this status (or by the system): the transition below says why.
    if to == Status.ANSWERED and by is not None:
        approved = latest_approved(case)
        if approved is not None:  # posted by hand in ПОС or ИМ: the answer is sent now
            _require(case, Action.WORK, by)
            record_answer_sent(approved, at=now, via="manual", reference=comment, by=by)
            return Case.objects.get(pk=case.pk)
    action = Action.APPROVE if to == Status.ANSWER_APPROVED else Action.WORK
    with transaction.atomic(durable=True):
        locked = _lock(case, action, by)
        _transition(locked, to, at=now, by=by, comment=comment)
    return locked
