"""Receivers: an answer about to be approved is checked, and refused where binding; a sent
final answer is followed by the satisfaction question; new cases are checked for repeats of
an answer. The channels reach the survey through `FeedbackDesk` (`veche.intake.surveys`)."""

from typing import Any

from django.utils import timezone

from veche.cases.models import Answer, Case
from veche.cases.signals import answer_approving, answer_sent, cases_registered
from veche.feedback import services
from veche.feedback.checks import refuse_if_blocked
from veche.feedback.desk import BUTTON_CHANNELS, FeedbackDesk, question_text
from veche.intake import surveys
from veche.intake.models import Outbound
from veche.intake.services import queue_outbound, source_of


def check_before_approval(sender: type[Answer], answer: Answer, **kwargs: Any) -> None:
    refuse_if_blocked(answer, now=timezone.now())


def ask_after_sending(sender: type[Answer], answer: Answer, **kwargs: Any) -> None:
    """The survey of every sent final answer (an e-mail already carried its link; a manual
    channel shows it on the status page); a chat gets the question with buttons 1–5."""
    if answer.kind != Answer.Kind.FINAL:
        return
    now = timezone.now()
    case = answer.case
    source = source_of(case)
    via = source.channel.code if source is not None else case.channel.code
    link = services.ask(answer, via=via, now=now)
    if source is not None and via in BUTTON_CHANNELS:
        # One question per case in a chat (intake's Outbound rule): a later answer on a
        # reopened case is rated by the link on the status page or by the same buttons.
        queue_outbound(case, source, Outbound.Kind.SURVEY, question_text(case, link), now=now)


def note_repeats(sender: type[Case], case_ids: list[int], **kwargs: Any) -> None:
    services.note_repeats(case_ids, now=timezone.now())


answer_approving.connect(check_before_approval, dispatch_uid="feedback.check_before_approval")
answer_sent.connect(ask_after_sending, dispatch_uid="feedback.ask_after_sending")
cases_registered.connect(note_repeats, dispatch_uid="feedback.note_repeats")
surveys.register(FeedbackDesk())
