"""The deadlines app listening to the case workflow (`cases` cannot import it, so it
announces): new cases get their clocks, status changes move them."""

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from veche.cases.models import Case
from veche.cases.signals import cases_registered, status_changed
from veche.cases.workflow import Status
from veche.deadlines.services import follow_status, start_clocks
from veche.org.models import User

log = logging.getLogger(__name__)


def start_registered(sender: Any, *, case_ids: Sequence[int], **kwargs: Any) -> None:
    """After commit: a failure must not fail the channel that delivered the cases (they are
    saved already), and the first status change of such a case starts its clocks anyway."""
    try:
        start_clocks(case_ids)
    except Exception:
        log.exception(
            "clocks not started for %d cases; they start on their next change", len(case_ids)
        )


def follow_transition(
    sender: Any,
    *,
    case: Case,
    before: Status,
    after: Status,
    at: datetime,
    by: User | None,
    **kwargs: Any,
) -> None:
    """Inside the status change's transaction: an error here rolls the change back."""
    follow_status(case, before=before, after=after, at=at, by=by, reason=kwargs.get("comment", ""))


def connect() -> None:
    cases_registered.connect(start_registered, dispatch_uid="deadlines.start_registered")
    status_changed.connect(follow_transition, dispatch_uid="deadlines.follow_transition")
