"""Small presentation filters shared by every page."""

from django import template
from django.contrib.auth.models import AnonymousUser

from veche.org.access import Action
from veche.org.models import User
from veche.org.selectors import actor_scope

register = template.Library()


@register.filter
def thousands(value: int | str) -> str:
    """12345 → «12 345» with a no-break space, as Russian typography writes numbers."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,}".replace(",", "\u00a0")


@register.filter
def may(user: User | AnonymousUser, action: str) -> bool:
    """`{% if user|may:"assign" %}`: the user holds the action in at least one municipality
    (for showing a menu entry; every view checks the right again on its own)."""
    return bool(actor_scope(user).municipality_ids(Action(action)))
