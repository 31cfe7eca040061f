"""Reminders of instructions and road-map actions «like case deadlines do»: on its due day and
once it is overdue, an open instruction reminds its owner, and once overdue also its
controller and the МЦУ's head and deputies (the head's digest lists the municipality's overdue
instructions); an action of an active road map reminds its responsible official (the road
map's owner when nobody is named), and once overdue also the road map's owner. The
notifications are the deadlines app's (`deadlines.items`): the same «Уведомления» list, the
same daily digest.

A run also settles the reminders that no longer hold — the item was done, withdrawn, moved to
another day or handed to someone else — wherever that happened (the road-map pages change
actions without knowing about reminders), so a digest never lists what is already settled.
"""

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from veche.deadlines.items import (
    OVERDUE,
    ItemReminder,
    day_end,
    item_step,
    notify_items,
    settle_notifications,
)
from veche.deadlines.models import Audience, Notification
from veche.org.models import Membership, Municipality, Role
from veche.problems.models import Action, Instruction, Roadmap

CHUNK = 500
SUBJECT_LENGTH = 80
ACTION_OPEN = (Action.Status.PLANNED, Action.Status.IN_PROGRESS)


def remind_items(*, now: datetime) -> int:
    """Every municipality's run. Returns how many notifications were made."""
    return sum(
        remind_municipality(municipality, now=now)
        for municipality in Municipality.objects.order_by("pk")
    )


def remind_municipality(municipality: Municipality, *, now: datetime) -> int:
    """Settle what no longer holds, then notify the steps reached. Running it twice at the
    same moment makes nothing twice (one notification per item, due day, step and person)."""
    today = timezone.localdate(now, ZoneInfo(municipality.time_zone))
    with transaction.atomic(durable=True):
        heads = _centre_heads(municipality)
        _settle_stale(municipality, heads, now=now)
        due = [
            *_instruction_reminders(
                _open_instructions(municipality).filter(due_on__lte=today), heads, now=now
            ),
            *_action_reminders(_open_actions(municipality).filter(due_on__lte=today), now=now),
        ]
        return sum(notify_items(due[i : i + CHUNK], now=now) for i in range(0, len(due), CHUNK))


def instruction_key(pk: int) -> str:
    return f"instruction:{pk}"


def action_key(pk: int) -> str:
    return f"action:{pk}"


# --- helpers (no transactions) ---------------------------------------------------------------


def _open_instructions(municipality: Municipality) -> QuerySet[Instruction]:
    """Open and not reported: a reported one waits for its controller, not its owner."""
    return (
        Instruction.objects.filter(
            municipality=municipality, status=Instruction.Status.OPEN, done_at__isnull=True
        )
        .select_related("owner", "controller", "municipality")
        .order_by("pk")
    )


def _open_actions(municipality: Municipality) -> QuerySet[Action]:
    return (
        Action.objects.filter(
            roadmap__municipality=municipality,
            roadmap__status=Roadmap.Status.ACTIVE,
            status__in=ACTION_OPEN,
        )
        .select_related("responsible", "roadmap__owner", "roadmap__municipality")
        .order_by("pk")
    )


def _centre_heads(municipality: Municipality) -> set[int]:
    return set(
        Membership.objects.filter(
            municipality=municipality,
            role__in=[Role.HEAD, Role.DEPUTY_HEAD],
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )


def _instruction_reminders(
    instructions: Iterable[Instruction], heads: set[int], *, now: datetime
) -> list[ItemReminder]:
    reminders = []
    for instruction in instructions:
        zone = instruction.municipality.time_zone
        step = item_step(instruction.due_on, zone, now=now)
        if step is None:
            continue
        reminders.append(
            ItemReminder(
                key=instruction_key(instruction.pk),
                municipality_id=instruction.municipality_id,
                zone=zone,
                subject=f"Поручение №{instruction.pk} «{_clip(instruction.text)}»",
                url=reverse("problems:instruction", args=[instruction.pk]),
                due_on=instruction.due_on,
                step=step,
                recipients=_instruction_recipients(instruction, step, heads),
            )
        )
    return reminders


def _instruction_recipients(
    instruction: Instruction, step: int, heads: set[int]
) -> dict[int, Audience]:
    """Each person once, as the closest of what they answer for: the owner's own role wins."""
    found: dict[int, Audience] = {}
    if step >= OVERDUE:
        found |= dict.fromkeys(heads, Audience.CENTRE_HEAD)
        controller = instruction.controller
        if controller is not None and controller.is_active:
            found[controller.pk] = Audience.CONTROLLER
    if instruction.owner.is_active:
        found[instruction.owner_id] = Audience.EXECUTOR
    return found


def _action_reminders(actions: Iterable[Action], *, now: datetime) -> list[ItemReminder]:
    reminders = []
    for action in actions:
        roadmap = action.roadmap
        zone = roadmap.municipality.time_zone
        step = item_step(action.due_on, zone, now=now)
        if step is None:
            continue
        reminders.append(
            ItemReminder(
                key=action_key(action.pk),
                municipality_id=roadmap.municipality_id,
                zone=zone,
                subject=f"Мероприятие «{_clip(action.title)}» дорожной карты "
                f"«{_clip(roadmap.title)}»",
                url=_action_url(action),
                due_on=action.due_on,
                step=step,
                recipients=_action_recipients(action, step),
            )
        )
    return reminders


def _action_recipients(action: Action, step: int) -> dict[int, Audience]:
    found: dict[int, Audience] = {}
    owner = action.roadmap.owner
    if owner is not None and owner.is_active and (step >= OVERDUE or action.responsible is None):
        found[owner.pk] = Audience.CONTROLLER if action.responsible else Audience.EXECUTOR
    if action.responsible is not None and action.responsible.is_active:
        found[action.responsible.pk] = Audience.EXECUTOR
    return found


def _action_url(action: Action) -> str:
    return f"{reverse('problems:roadmap', args=[action.roadmap_id])}#action-{action.pk}"


def _settle_stale(municipality: Municipality, heads: set[int], *, now: datetime) -> int:
    """Settle the item reminders whose item is no longer open, whose due day moved, or whose
    person is no longer told about it. Reads only unsettled reminders: a few per open item."""
    mine = Q(item_key__startswith="instruction:") | Q(item_key__startswith="action:")
    notes = list(
        Notification.objects.filter(mine, municipality=municipality, settled_at__isnull=True)
        .filter(clock__isnull=True)
        .values_list("pk", "item_key", "due_at", "user_id")
    )
    if not notes:
        return 0
    wanted = _ids_by_kind(key for _, key, _, _ in notes)
    zone = municipality.time_zone
    live: set[tuple[str, datetime, int]] = set()
    for i in _open_instructions(municipality).filter(pk__in=wanted["instruction"]):
        told = _instruction_recipients(i, OVERDUE, heads)  # everyone, whatever the day
        live |= {(instruction_key(i.pk), day_end(i.due_on, zone), user) for user in told}
    for a in _open_actions(municipality).filter(pk__in=wanted["action"]):
        told = _action_recipients(a, OVERDUE)
        live |= {(action_key(a.pk), day_end(a.due_on, zone), user) for user in told}
    stale = [pk for pk, key, due_at, user in notes if (key, due_at, user) not in live]
    return settle_notifications(Notification.objects.filter(pk__in=stale), now=now)


def _ids_by_kind(keys: Iterable[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {"instruction": set(), "action": set()}
    for key in keys:
        kind, _, pk = key.partition(":")
        if kind in found and pk.isdigit():
            found[kind].add(int(pk))
    return found


def _clip(text: str, length: int = SUBJECT_LENGTH) -> str:
    line = " ".join(text.split())
    if len(line) <= length:
        return line
    return line[: length - 1].rsplit(" ", 1)[0] + "…"
