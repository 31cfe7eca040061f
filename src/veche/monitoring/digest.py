"""The daily digest of the information field for the head: once a day, at the digest hour
(VECHE_DIGEST_HOUR) in the municipality's time zone or the first run after it, each head and
deputy head gets one e-mail and one Telegram message: how much was said about the municipality
in the last day, the riskiest mentions, and the alerts still open. `FieldDigest` keeps it to one
per person and day (claimed before it is sent, so two runs never send it twice).
"""

from datetime import datetime, timedelta
from smtplib import SMTPException
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from veche.deadlines.models import StaffContact
from veche.deadlines.telegram import TelegramSendError, send_message, staff_bot_configured
from veche.monitoring.models import Alert, FieldDigest, Mention, MonitoredSource
from veche.org.models import Membership, Municipality, Role, User

TOP = 5
HEADS = (Role.HEAD, Role.DEPUTY_HEAD)


def digest_text(municipality: Municipality, *, now: datetime) -> str:
    since = now - timedelta(days=1)
    day = Mention.objects.filter(municipality=municipality, published_at__gt=since)
    own = day.filter(repost_of__isnull=True)
    negative = own.filter(negativity__gte=0.5).count()
    lines = [
        f"Инфополе «{municipality.name}» за сутки: публикаций {own.count()}, "
        f"репостов {day.count() - own.count()}, негативных {negative}."
    ]
    top = list(own.order_by("-risk", "-published_at")[:TOP])
    if top:
        lines.append("\nСамые рискованные:")
        lines.extend(
            f"— {m.risk:.2f} · {m.source.name}: {_cut(m.text)}\n  {m.url or '(без ссылки)'}"
            for m in top
        )
    open_alerts = list(
        Alert.objects.filter(municipality=municipality, handled_at__isnull=True)[:20]
    )
    if open_alerts:
        lines.append(f"\nНеотработанные сигналы ({len(open_alerts)}):")
        lines.extend(
            f"— {a.subject}: {a.summary}\n  "
            f"{settings.VECHE_PUBLIC_URL}{reverse('monitoring:alert', args=[a.pk])}"
            for a in open_alerts
        )
    return "\n".join(lines)


def send_field_digests(*, now: datetime) -> int:
    """Send the digests due by `now`; returns how many went out."""
    sent = 0
    watched = MonitoredSource.objects.filter(is_active=True).values_list("municipality_id")
    for municipality in Municipality.objects.filter(pk__in=watched.distinct()):
        local = now.astimezone(ZoneInfo(municipality.time_zone))
        if local.hour < settings.VECHE_DIGEST_HOUR:
            continue
        heads = Membership.objects.filter(
            municipality=municipality, role__in=HEADS, user__is_active=True
        ).values_list("user_id", flat=True)
        text = ""
        for user in User.objects.filter(pk__in=heads.distinct()):
            text = text or digest_text(municipality, now=now)
            try:
                with transaction.atomic(durable=True):
                    digest = FieldDigest.objects.create(
                        municipality=municipality, user=user, day=local.date(),
                        created_at=now, text=text,
                    )  # fmt: skip
            except IntegrityError:
                continue  # sent today already
            _deliver(digest, user, day=f"{local:%d.%m.%Y}")
            sent += 1
    return sent


def _deliver(digest: FieldDigest, user: User, *, day: str) -> None:
    subject = f"Вече: инфополе на {day}"
    contact = StaffContact.objects.filter(user=user).first()
    errors = []
    if user.email and (contact is None or contact.email_digest):
        try:
            send_mail(subject, digest.text, None, [user.email])
        except (SMTPException, OSError) as exc:
            errors.append(f"e-mail: {exc}")
    if contact and contact.telegram_chat_id and contact.telegram_digest and staff_bot_configured():
        try:
            send_message(contact.telegram_chat_id, f"{subject}\n\n{digest.text}")
        except TelegramSendError as exc:
            errors.append(str(exc))
    if errors:
        FieldDigest.objects.filter(pk=digest.pk).update(error="; ".join(errors)[:500])


def _cut(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
