"""The arguments of `veche …` commands that name a municipality or a staff member."""

from django.core.management.base import CommandError
from django.db.models import Q, QuerySet

from veche.org.models import Municipality, User


def municipalities_named(value: str | None) -> QuerySet[Municipality]:
    """Every municipality when `value` is None, else exactly the one with this ОКТМО or id."""
    if value is None:
        return Municipality.objects.order_by("pk")
    query = Q(oktmo=value)
    if value.isdigit():
        query |= Q(pk=int(value))
    found = Municipality.objects.filter(query)
    if found.count() != 1:
        raise CommandError(f"МО «{value}» не найдено или не однозначно.")
    return found


def active_user(username: str) -> User:
    """The active staff member with this login; CommandError if there is none."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"Пользователь «{username}» не найден.")
    return user
