"""Receivers: an approved answer goes back through the channel its case came from."""

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from veche.cases.models import Answer
from veche.cases.signals import answer_approved
from veche.intake.services import dispatch_answer


@receiver(answer_approved)
def send_approved_answer(sender: type[Answer], answer: Answer, **kwargs: Any) -> None:
    dispatch_answer(answer, now=timezone.now())
