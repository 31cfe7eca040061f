"""Receivers: an answer about to be approved is checked, and refused where binding."""

from typing import Any

from django.utils import timezone

from veche.cases.models import Answer
from veche.cases.signals import answer_approving
from veche.feedback.checks import refuse_if_blocked


def check_before_approval(sender: type[Answer], answer: Answer, **kwargs: Any) -> None:
    refuse_if_blocked(answer, now=timezone.now())


answer_approving.connect(check_before_approval, dispatch_uid="feedback.check_before_approval")
