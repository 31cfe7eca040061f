"""`{{ moment|due }}`: a deadline as people say it (`veche.deadlines.clocks.say_due`), in the
active time zone."""

from datetime import datetime

from django import template
from django.utils import timezone

from veche.deadlines.clocks import say_due

register = template.Library()


@register.filter
def due(moment: datetime | None) -> str:
    return say_due(timezone.localtime(moment)) if moment is not None else ""
