"""Reminders of items other apps own that have an owner and a due day — an instruction of a
meeting, an action of a road map: the same `Notification` rows as the clocks of cases, so they
show in the same «Уведомления» list and the same top-bar count and go out in the same daily
digest (`digests`).

The ladder of an item has two steps, by the local date of its municipality: its due day
(`DUE_TODAY`, 100 like the due moment of a clock) and every day after it (`OVERDUE`, 110 like
the overdue step of a clock). The app that owns the items finds the due ones and says who is
told (`ItemReminder.recipients`); this module makes each notification once per item, due
day, step and person — a moved due day reminds again — and `settle_item` takes an item's
reminders out of the digests once it is done, withdrawn, moved or handed to someone else.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from veche.deadlines.models import Audience, Notification

DUE_TODAY = 100
OVERDUE = 110


@dataclass(frozen=True)
class ItemReminder:
    """One step an item has reached: `key` names the item for good («instruction:12»),
    `subject` names it for people («Поручение №12 «Провести обследование…»»), `url` is its
    page (a path); `due_on` is its last day in the municipality's time zone `zone`."""

    key: str
    municipality_id: int
    zone: str
    subject: str
    url: str
    due_on: date
    step: int
    recipients: Mapping[int, Audience]

    @property
    def due_at(self) -> datetime:
        return day_end(self.due_on, self.zone)


def day_end(day: date, zone: str) -> datetime:
    """The moment a term «по `day`» ends: the local midnight after it (as the clocks' day
    terms do, so the digest says «по 20.11.2026»)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(zone))


def item_step(due_on: date, zone: str, *, now: datetime) -> int | None:
    """The step an item due on `due_on` has reached by `now`, in the municipality's zone."""
    today = timezone.localdate(now, ZoneInfo(zone))
    if today > due_on:
        return OVERDUE
    if today == due_on:
        return DUE_TODAY
    return None


def notify_items(reminders: Sequence[ItemReminder], *, now: datetime) -> int:
    """Make the notifications of `reminders` not made yet. Returns how many were made; a run
    beside another makes nothing twice (the unique constraint, conflicts ignored)."""
    if not reminders:
        return 0
    with transaction.atomic():
        fired = set(
            Notification.objects.filter(
                clock__isnull=True, item_key__in={r.key for r in reminders}
            ).values_list("item_key", "due_at", "step", "user_id")
        )
        made = [
            Notification(
                user_id=user_id,
                municipality_id=reminder.municipality_id,
                item_key=reminder.key,
                subject=reminder.subject[:200],
                url=reminder.url[:300],
                due_at=reminder.due_at,
                step=reminder.step,
                audience=audience,
                text=item_text(reminder),
                created_at=now,
            )
            for reminder in reminders
            for user_id, audience in reminder.recipients.items()
            if (reminder.key, reminder.due_at, reminder.step, user_id) not in fired
        ]
        Notification.objects.bulk_create(made, ignore_conflicts=True)
    return len(made)


def settle_item(key: str, *, now: datetime, users: Collection[int] | None = None) -> int:
    """The item is done, withdrawn or moved (or, with `users`, no longer theirs): its
    reminders stay in the list, marked, and leave the digests not sent yet. Runs inside the
    caller's transaction. Returns how many were settled."""
    notes = Notification.objects.filter(clock__isnull=True, item_key=key, settled_at__isnull=True)
    if users is not None:
        notes = notes.filter(user_id__in=users)
    return settle_notifications(notes, now=now)


def settle_notifications(notes: QuerySet[Notification], *, now: datetime) -> int:
    """Settled is also read: nothing is left to do about it, the top bar stops counting it."""
    return notes.update(settled_at=now, read_at=Coalesce("read_at", Value(now)))


def item_text(reminder: ItemReminder) -> str:
    day = f"{reminder.due_on:%d.%m.%Y}"
    if reminder.step == DUE_TODAY:
        return f"{reminder.subject}: срок исполнения — сегодня, {day}."[:500]
    return f"{reminder.subject}: срок исполнения просрочен — истёк {day}."[:500]
