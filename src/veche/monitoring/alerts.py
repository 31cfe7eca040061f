"""Alerts about the information field: a spike of talk about one subject (a place or a
watched word) or one mention of high risk raises an alert to the head and the МЦУ, with the
mentions as evidence; one open alert per subject gathers further evidence instead of ringing
again. It reaches them at once in the in-app notification list (the deadlines app's, as an
item), by e-mail and by the staff Telegram bot, and again in their next daily digest; marking
it handled with the response taken settles those notifications.
"""

import logging
from collections.abc import Sequence
from datetime import datetime
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from veche.cases.errors import CaseError, ErrorCode
from veche.deadlines.items import DUE_TODAY, settle_item
from veche.deadlines.models import Audience, Notification, StaffContact
from veche.deadlines.telegram import TelegramSendError, send_message, staff_bot_configured
from veche.monitoring.models import Alert, Mention
from veche.monitoring.risk import RISK_ALERT, RISK_CRITICAL, SpikeRule, detect_spike
from veche.org.models import Membership, Municipality, Role, User

log = logging.getLogger(__name__)

SPIKE = SpikeRule()
# Who is told: the head of the МЦУ and their deputy, and the МЦУ's officers on duty.
TOLD: dict[Role, Audience] = {
    Role.HEAD: Audience.CENTRE_HEAD,
    Role.DEPUTY_HEAD: Audience.CENTRE_HEAD,
    Role.IM_OFFICER: Audience.CONTROLLER,
    Role.PUBLICS_OFFICER: Audience.CONTROLLER,
}


def check_alerts(municipality: Municipality, touched: Sequence[Mention], *, now: datetime) -> int:
    """Raise the alerts the touched mentions call for; returns how many were raised anew."""
    raised = 0
    own = [m for m in touched if m.repost_of_id is None]
    for mention in own:
        if mention.risk >= RISK_ALERT:
            level = Alert.Level.CRITICAL if mention.risk >= RISK_CRITICAL else Alert.Level.WARNING
            summary = f"Публикация с высоким риском ({mention.risk:.2f}) в «{mention.source}»"
            raised += raise_alert(
                municipality, Alert.Kind.RISK, f"публикация {mention.external_id}", level,
                summary, [mention], now=now,
            )  # fmt: skip
    for subject in sorted({s for m in own for s in m.subjects}):
        raised += _check_spike(municipality, subject, now=now)
    return raised


def _check_spike(municipality: Municipality, subject: str, *, now: datetime) -> int:
    since = now - SPIKE.longest - SPIKE.baseline
    talk = [
        m
        for m in Mention.objects.filter(
            municipality=municipality, repost_of__isnull=True, published_at__gt=since
        ).only("pk", "published_at", "places", "keywords")
        if subject in m.subjects
    ]
    spike = detect_spike([m.published_at for m in talk], now=now, rule=SPIKE)
    if spike is None:
        return 0
    recently_handled = Alert.objects.filter(
        municipality=municipality,
        kind=Alert.Kind.SPIKE,
        subject=subject[:300],
        handled_at__gt=now - SPIKE.longest,
    ).exists()
    if recently_handled:
        return 0
    evidence = [m for m in talk if m.published_at > now - spike.window]
    level = Alert.Level.CRITICAL if spike.p_value < 1e-6 else Alert.Level.WARNING
    minutes = int(spike.window.total_seconds() // 60)
    summary = (
        f"Всплеск обсуждения: {spike.count} публикаций за {minutes} мин при обычных "
        f"{spike.expected:g}"
    )
    return raise_alert(municipality, Alert.Kind.SPIKE, subject, level, summary, evidence, now=now)


def raise_alert(
    municipality: Municipality,
    kind: Alert.Kind,
    subject: str,
    level: Alert.Level,
    summary: str,
    evidence: Sequence[Mention],
    *,
    now: datetime,
) -> int:
    """Open an alert about `subject`, or add the evidence to the one open. Returns 1 when a new
    alert was raised (and its people told), else 0."""
    subject = subject[:300]
    with transaction.atomic():
        alert = _open(municipality, kind, subject)
        if alert is None:
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        municipality=municipality, kind=kind, subject=subject, level=level,
                        summary=summary[:500], created_at=now,
                    )  # fmt: skip
            except IntegrityError:  # raised by another run a moment ago
                alert = _open(municipality, kind, subject)
            else:
                alert.evidence.add(*evidence)
                _notify(alert, now=now)
                return 1
        if alert is not None:
            alert.evidence.add(*evidence)
            if level == Alert.Level.CRITICAL and alert.level != level:
                Alert.objects.filter(pk=alert.pk).update(level=level, summary=summary[:500])
    return 0


def _open(municipality: Municipality, kind: str, subject: str) -> Alert | None:
    return Alert.objects.filter(
        municipality=municipality, kind=kind, subject=subject, handled_at__isnull=True
    ).first()


def mark_handled(alert: Alert, *, response: str, by: User, now: datetime) -> Alert:
    """The alert was dealt with: the response taken is kept and its notifications settled."""
    response = response.strip()
    if not response:
        raise CaseError(ErrorCode.INVALID, "Опишите, что сделано по сигналу.")
    with transaction.atomic(durable=True):
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if locked.handled_at is not None:
            raise CaseError(ErrorCode.INVALID, "Сигнал уже отработан.")
        locked.handled_at, locked.handled_by, locked.response = now, by, response[:5000]
        locked.save(update_fields=["handled_at", "handled_by", "response"])
        settle_item(locked.item_key, now=now)
    return locked


def recipients(municipality: Municipality) -> dict[int, Audience]:
    told: dict[int, Audience] = {}
    rows = Membership.objects.filter(
        municipality=municipality, role__in=list(TOLD), user__is_active=True
    ).values_list("user_id", "role")
    for user_id, role in rows.order_by("user_id", "role"):
        audience = TOLD[Role(role)]
        if told.get(user_id) != Audience.CENTRE_HEAD:
            told[user_id] = audience
    return told


def _notify(alert: Alert, *, now: datetime) -> None:
    """In-app notifications now (inside the caller's transaction), e-mail and Telegram after
    the commit."""
    people = recipients(alert.municipality)
    url = reverse("monitoring:alert", args=[alert.pk])
    subject = f"Сигнал мониторинга: {alert.subject}"[:200]
    text = f"{alert.get_level_display().capitalize()}. {alert.summary}"[:500]
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                municipality=alert.municipality,
                item_key=alert.item_key,
                subject=subject,
                url=url,
                due_at=now,
                step=DUE_TODAY,
                audience=audience,
                text=text,
                created_at=now,
            )
            for user_id, audience in people.items()
        ],
        ignore_conflicts=True,
    )
    message = f"{subject}\n{text}\n{settings.VECHE_PUBLIC_URL}{url}"
    ids = list(people)
    transaction.on_commit(lambda: _deliver(ids, subject, message))


def _deliver(user_ids: Sequence[int], subject: str, message: str) -> None:
    contacts = {c.user_id: c for c in StaffContact.objects.filter(user_id__in=user_ids)}
    for user in User.objects.filter(pk__in=user_ids):
        contact = contacts.get(user.pk)
        try:
            if user.email and (contact is None or contact.email_digest):
                send_mail(subject, message, None, [user.email])
            if contact and contact.telegram_chat_id and staff_bot_configured():
                send_message(contact.telegram_chat_id, message)
        except (SMTPException, OSError, TelegramSendError) as exc:
            log.warning("monitoring: alert not delivered to %s: %s", user.pk, exc)
