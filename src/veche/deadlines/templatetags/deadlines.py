"""`{{ moment|due }}`: a deadline as people say it — «по 25.11.2026» for a term that ends with
its day (at local midnight), the date and time for a term in hours."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def due(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if (local.hour, local.minute) == (0, 0):
        return f"по {(local - timedelta(minutes=1)):%d.%m.%Y}"
    return f"{local:%d.%m.%Y %H:%M}"
