"""Where the channels meet the satisfaction survey, which the feedback app owns.

intake sits below feedback (tests/test_layers.py), so it cannot call it; feedback registers
one `SurveyDesk` here when it starts (`FeedbackConfig.ready`), and the channels ask it:

- an answer being queued for its channel gets the desk's invitation under its text (e-mail:
  «Оцените ответ: <ссылка>»);
- a rating button pressed in a messenger is handed to the desk, and its reply goes back to
  the chat;
- the public status page shows the desk's link to rate the answer.

Without a desk (a deployment without feedback) answers go out as they are. A failing desk
never stops an answer from going out: the failure is logged and the answer sent without it.
"""

import logging
from datetime import datetime
from typing import Protocol

from veche.cases.models import Answer, Case
from veche.intake.models import Source

log = logging.getLogger(__name__)

UNAVAILABLE = "Оценку сейчас принять не удалось. Попробуйте позже."


class SurveyDesk(Protocol):
    def invitation(self, answer: Answer, *, source: Source, now: datetime) -> str:
        """Text to add under an answer going out through `source`; "" for none."""
        ...

    def rate_by_button(
        self, case_id: int, mark: int, *, source: Source, conversation: str, at: datetime
    ) -> str:
        """Record a rating pressed in the chat `conversation`; the reply to show there."""
        ...

    def link_for(self, case: Case) -> str:
        """The absolute link to rate the case's latest answer; "" when there is nothing to rate."""
        ...


_desks: list[SurveyDesk] = []


def register(desk: SurveyDesk) -> None:
    """Called once by the feedback app; a second registration replaces the first."""
    _desks[:] = [desk]


def invitation(answer: Answer, *, source: Source, now: datetime) -> str:
    for desk in _desks:
        try:
            return desk.invitation(answer, source=source, now=now)
        except Exception:
            log.exception("survey invitation for answer %s failed", answer.pk)
    return ""


def rate_by_button(
    case_id: int, mark: int, *, source: Source, conversation: str, at: datetime
) -> str:
    for desk in _desks:
        try:
            return desk.rate_by_button(
                case_id, mark, source=source, conversation=conversation, at=at
            )
        except Exception:
            log.exception("rating %s of case %s from a button failed", mark, case_id)
    return UNAVAILABLE


def link_for(case: Case) -> str:
    for desk in _desks:
        try:
            return desk.link_for(case)
        except Exception:
            log.exception("survey link for case %s failed", case.pk)
    return ""
