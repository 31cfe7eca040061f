"""A person's reminders on the pages: the «Уведомления» list, the unread count in the top
bar, and marking them read. Only the person's own: of cases, only those they still see; of
items of other apps (instructions, road-map actions), theirs by being told — the item's page
checks its own visibility."""

from collections.abc import Collection
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from veche.cases.selectors import visible_cases
from veche.deadlines.models import Notification
from veche.org.models import User


def person_notifications(actor: User | AnonymousUser) -> QuerySet[Notification]:
    """Newest first, with the case and clock the list shows."""
    if not actor.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(user_id=actor.pk)
        .filter(Q(case__isnull=True) | Q(case__in=visible_cases(actor)))
        .select_related("case", "clock")
        .order_by("-created_at", "-pk")
    )


def unread_count(actor: User | AnonymousUser) -> int:
    """One query on the partial index `notification_unread`: it runs on every page."""
    if not actor.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).count()


def mark_read(actor: User, *, ids: Collection[int] | None = None, now: datetime) -> int:
    """Mark the person's unread notifications read: those of `ids`, or all. Returns how many."""
    unread = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=now)
