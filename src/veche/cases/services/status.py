"""A case's status as an officer changes it; the table in `veche.cases.workflow` decides which
transitions are allowed."""

from datetime import datetime

from django.db import transaction

from veche.cases.models import Case
from veche.cases.services._common import _lock, _transition
from veche.cases.workflow import Status
from veche.org.access import Action
from veche.org.models import User


def change_status(
    case: Case, to: Status, *, by: User | None, now: datetime, comment: str = ""
) -> Case:
    action = Action.APPROVE if to == Status.ANSWER_APPROVED else Action.WORK
    with transaction.atomic(durable=True):
        locked = _lock(case, action, by)
        _transition(locked, to, at=now, by=by, comment=comment)
    return locked
