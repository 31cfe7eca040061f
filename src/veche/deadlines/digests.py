"""The daily digest: once a day, at VECHE_DIGEST_HOUR local time or the first hourly run
after it, each person with new reminders gets one e-mail and one Telegram message listing
their cases, instructions and road-map actions — overdue, due today, due later — with links;
never a message per reminder.

The day is the local date of the municipality of the person's reminders, and `Digest` keeps
it to one per person and day: the row is claimed with the reminders it carries in one
transaction, the mail and the Telegram message go after the commit, and a failure is written
on the row (no second try that day: the reminders are on the page anyway). Reminders of
clocks that stopped since (the answer went) and of items settled since (an instruction done,
withdrawn or moved: `items.settle_item`) are dropped from the digest.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from smtplib import SMTPException
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.urls import reverse

from veche.cases.selectors import end_of_today
from veche.deadlines.book import KIND_NAMES
from veche.deadlines.clocks import ClockKind, ClockState, say_due
from veche.deadlines.models import Digest, Notification, StaffContact
from veche.deadlines.telegram import TelegramSendError, send_message, staff_bot_configured
from veche.org.models import User

# What a digest line says of an item other than a case's clock, by its key's prefix (the apps
# that make such items name them: problems «instruction:…», «action:…»; monitoring «monitoring-
# alert:…»). The prefixes are plain strings: deadlines imports none of those apps.
ITEM_LABELS = {
    "instruction": "срок поручения",
    "action": "срок мероприятия дорожной карты",
    "monitoring-alert": "сигнал инфополя",
}
OVERDUE, TODAY, SOON = "Просрочено", "Истекает сегодня", "Истекает позже"
GROUPS = (OVERDUE, TODAY, SOON)


@dataclass(frozen=True)
class DigestLine:
    group: str
    number: str  # a case's number, or an item's subject («Поручение №12»)
    label: str  # «срок ответа», or what the item is
    due_at: datetime  # local
    url: str
    is_case: bool = True


@dataclass(frozen=True)
class DigestMessage:
    subject: str
    text: str


def send_digests(*, now: datetime) -> int:
    """Send the digests due by `now`: to each person with reminders not yet in a digest,
    whose local digest hour has come and who got none today. Returns how many went out."""
    sent = 0
    for user_id, zone in _waiting_people():
        local = now.astimezone(ZoneInfo(zone))
        if local.hour < settings.VECHE_DIGEST_HOUR:
            continue
        try:
            claimed = _claim(user_id, local.date(), zone=zone, now=now)
        except IntegrityError:
            continue  # another run claimed the same day a moment ago
        if claimed is not None:
            _deliver(*claimed, now=now)
            sent += 1
    return sent


def digest_message(lines: Sequence[DigestLine], *, day: date) -> DigestMessage:
    """The digest's text, the same for the mail and for Telegram: plain text, a group per
    urgency, a case (or an instruction, an action) per line with its link."""
    cases = sum(1 for line in lines if line.is_case)
    items = len(lines) - cases
    counts = [f"обращений: {cases}"] if cases else []
    counts += [f"поручений и мероприятий: {items}"] if items else []
    parts = [f"Сроки {'на' if items else 'обращений на'} {day:%d.%m.%Y}."]
    for group in GROUPS:
        mine = [line for line in lines if line.group == group]
        if mine:
            parts.append(f"\n{group} ({len(mine)}):")
            parts.extend(
                f"— {line.number}: {line.label} — {say_due(line.due_at)}\n  {line.url}"
                for line in mine
            )
    parts.append(f"\nВсе уведомления: {_absolute(reverse('deadlines:notifications'))}")
    subject = f"Вече: сроки на {day:%d.%m.%Y} — {', '.join(counts)}"
    return DigestMessage(subject=subject, text="\n".join(parts))


# --- helpers (no transactions) ----------------------------------------------------------------


def _waiting_people() -> list[tuple[int, str]]:
    """People with reminders not yet in a digest, each with the time zone of the first of
    their municipalities those reminders come from."""
    rows = (
        Notification.objects.filter(digested_at__isnull=True)
        .values_list("user_id", "municipality_id", "municipality__time_zone")
        .distinct()
        .order_by("user_id", "municipality_id")
    )
    zones: dict[int, str] = {}
    for user_id, _, zone in rows:
        zones.setdefault(user_id, zone)
    return list(zones.items())


def _claim(
    user_id: int, day: date, *, zone: str, now: datetime
) -> tuple[Digest, User, list[DigestLine]] | None:
    with transaction.atomic(durable=True):
        if Digest.objects.filter(user_id=user_id, day=day).exists():
            return None
        notes = list(
            Notification.objects.filter(user_id=user_id, digested_at__isnull=True)
            .select_related("clock", "case")
            .only(
                "pk",
                "case__number",
                "clock__kind",
                "clock__state",
                "clock__due_at",
                "item_key",
                "subject",
                "url",
                "due_at",
                "settled_at",
            )
            .order_by(Coalesce("clock__due_at", "due_at"), "pk")
        )
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(digested_at=now)
        lines = _lines(notes, zone=zone, now=now)
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if not lines or user is None:
            return None
        # The unique (user, day) constraint: of two runs at once, one fails here, rolled back.
        digest = Digest.objects.create(user=user, day=day, created_at=now, items=len(lines))
    return digest, user, lines


def _lines(notes: Sequence[Notification], *, zone: str, now: datetime) -> list[DigestLine]:
    """A line per running clock and per unsettled item (a clock or an item with two steps
    since the last digest is listed once)."""
    tz = ZoneInfo(zone)
    today_ends = end_of_today(now, tz)
    lines: dict[tuple[str, object], DigestLine] = {}
    for note in notes:
        clock = note.clock
        if clock is not None:
            key: tuple[str, object] = ("clock", clock.pk)
            if clock.state != ClockState.RUNNING or key in lines:
                continue
            due_at, number = clock.due_at, note.case.number if note.case else ""
            label = f"срок {KIND_NAMES[ClockKind(clock.kind)]}"
            url = reverse("cases:detail", args=[note.case_id])
        else:
            key = ("item", note.item_key)
            if note.settled_at is not None or note.due_at is None or key in lines:
                continue
            due_at, number, url = note.due_at, note.subject, note.url
            label = ITEM_LABELS.get(note.item_key.partition(":")[0], "срок исполнения")
        group = OVERDUE if due_at <= now else TODAY if due_at <= today_ends else SOON
        lines[key] = DigestLine(
            group=group,
            number=number,
            label=label,
            due_at=due_at.astimezone(tz),
            url=_absolute(url),
            is_case=clock is not None,
        )
    return list(lines.values())


def _deliver(digest: Digest, user: User, lines: list[DigestLine], *, now: datetime) -> None:
    message = digest_message(lines, day=digest.day)
    contact = StaffContact.objects.filter(user=user).first()
    errors = []
    if user.email and (contact is None or contact.email_digest):
        try:
            send_mail(message.subject, message.text, None, [user.email])
            digest.emailed_at = now
        except (SMTPException, OSError) as exc:
            errors.append(f"e-mail: {exc}")
    if contact and contact.telegram_chat_id and contact.telegram_digest and staff_bot_configured():
        try:
            send_message(contact.telegram_chat_id, message.text)
            digest.telegram_at = now
        except TelegramSendError as exc:
            errors.append(str(exc))
    digest.error = "; ".join(errors)[:500]
    digest.save(update_fields=["emailed_at", "telegram_at", "error"])


def _absolute(path: str) -> str:
    return f"{settings.VECHE_PUBLIC_URL}{path}"
