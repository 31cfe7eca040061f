"""Every write of the intake app: a channel's message becomes a case (or a message on one)
exactly once, a source is polled with backoff, and answers go back where the citizen wrote.
"""

import logging
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F

from veche.cases.errors import CaseError
from veche.cases.models import Answer, Case
from veche.cases.services import (
    CaseDraft,
    add_citizen_message,
    add_system_note,
    attach_file,
    create_case,
    locate_case,
    record_answer_sent,
)
from veche.cases.workflow import Status
from veche.intake.connectors import connector_for
from veche.intake.connectors.base import ConnectorError, Inbound
from veche.intake.models import Delivery, Outbound, Source

log = logging.getLogger(__name__)

# A conversation's next message opens a new case once its case has been finished.
FINISHED = {Status.CLOSED, Status.MERGED, Status.REJECTED, Status.REDIRECTED}
MAX_BACKOFF = timedelta(hours=1)
MAX_SEND_ATTEMPTS = 5
NO_TEXT = "(сообщение без текста, см. вложения)"


def accept(source: Source, inbound: Inbound, *, now: datetime) -> Delivery:
    """Record one inbound message: a new case, or a further message on the case it continues.
    Delivering the same message again returns the first delivery and changes nothing."""
    known = Delivery.objects.filter(source=source, external_id=inbound.external_id).first()
    if known is not None:
        return known
    text = inbound.text.strip() or (NO_TEXT if inbound.files else "")
    thread = _thread_case(source, inbound)
    if thread is not None:
        try:
            with transaction.atomic():
                delivery = _record(source, inbound, thread, Delivery.Outcome.MESSAGE)
                add_citizen_message(thread, text, at=inbound.received_at, via=source.channel.code)
                if inbound.lat is not None and inbound.lon is not None and thread.lat is None:
                    # Citizens often write first and send the location next.
                    locate_case(
                        thread,
                        lat=inbound.lat,
                        lon=inbound.lon,
                        address_raw=inbound.address_raw,
                        at=inbound.received_at,
                        by=None,
                    )
                _attach(thread, inbound, now=now)
        except IntegrityError:  # a concurrent delivery of the same message won
            return Delivery.objects.get(source=source, external_id=inbound.external_id)
        return delivery
    draft = CaseDraft(
        channel=source.channel,
        regime=inbound.regime,
        text=text,
        received_at=inbound.received_at,
        external_id=inbound.external_id,
        subject=inbound.subject[:500],
        author=inbound.author,
        address_raw=inbound.address_raw[:500],
        lat=inbound.lat,
        lon=inbound.lon,
    )
    # The case is idempotent by (channel, external id) on its own, so a crash between the two
    # steps is healed by the next delivery of the same message.
    case, _ = create_case(source.municipality, draft, by=None, now=now)
    with transaction.atomic():
        # The same letter sent to two mailboxes of one municipality is one case: only its
        # first delivery brings the files (a redelivery after a crash still does).
        first = not case.deliveries.exists()
        delivery, created = Delivery.objects.get_or_create(
            source=source,
            external_id=inbound.external_id,
            defaults={
                "conversation": inbound.conversation,
                "case": case,
                "outcome": Delivery.Outcome.CASE,
                "received_at": inbound.received_at,
            },
        )
        if created and first:
            _attach(case, inbound, now=now)
        if created:
            Source.objects.filter(pk=source.pk).update(received_total=F("received_total") + 1)
            if source.config.get("send_receipt", True) and _can_send(source):
                queue_outbound(case, source, Outbound.Kind.RECEIPT, receipt_text(case), now=now)
    return delivery


def receipt_text(case: Case) -> str:
    return (
        f"Здравствуйте! Ваше сообщение зарегистрировано под номером {case.number}. "
        "Мы передадим его ответственным и сообщим о результате здесь же."
    )


def _record(source: Source, inbound: Inbound, case: Case, outcome: str) -> Delivery:
    return Delivery.objects.create(
        source=source,
        external_id=inbound.external_id,
        conversation=inbound.conversation,
        case=case,
        outcome=outcome,
        received_at=inbound.received_at,
    )


def _thread_case(source: Source, inbound: Inbound) -> Case | None:
    """The open case this message continues: one it replies to, or its conversation's."""
    case: Case | None = None
    if inbound.reply_to:
        refs = list(inbound.reply_to)
        delivery = Delivery.objects.filter(source=source, external_id__in=refs).first()
        outbound = Outbound.objects.filter(source=source, external_id__in=refs).first()
        found = delivery or outbound
        case = found.case if found is not None else None
    if case is None and inbound.conversation:
        last = (
            Delivery.objects.filter(source=source, conversation=inbound.conversation)
            .select_related("case")
            .order_by("-received_at", "-pk")
            .first()
        )
        case = last.case if last is not None else None
    if case is None or Status(case.status) in FINISHED:
        return None
    return case


def _attach(case: Case, inbound: Inbound, *, now: datetime) -> None:
    for item in inbound.files:
        upload = SimpleUploadedFile(item.name, item.content, item.content_type)
        try:
            attach_file(case, upload, by=None, now=now)
        except CaseError as exc:
            # The message is kept; the file is refused, and the timeline says why.
            add_system_note(case, f"Вложение не принято: {exc.message}", at=now)
    for note in inbound.notes:
        add_system_note(case, note, at=now)


# --- polling ------------------------------------------------------------------------------------


def due_sources(now: datetime) -> list[Source]:
    """Active sources whose connector polls and whose next attempt is due."""
    sources = Source.objects.filter(is_active=True).select_related("channel", "municipality")
    return [
        s
        for s in sources
        if (s.next_attempt_at is None or s.next_attempt_at <= now) and _can_fetch(s)
    ]


def fetch_source(source: Source, *, now: datetime) -> int:
    """Poll one source and accept what it returns. A failure is recorded on the source and
    retried later with a growing pause; it never stops the other sources."""
    Source.objects.filter(pk=source.pk).update(last_attempt_at=now)
    try:
        messages = connector_for(source.channel.code).fetch(source, now)
        for message in messages:
            accept(source, message, now=now)
    except (ConnectorError, OSError, CaseError) as exc:
        failures = source.failures + 1
        pause = min(timedelta(seconds=source.poll_seconds) * 2**failures, MAX_BACKOFF)
        Source.objects.filter(pk=source.pk).update(
            failures=failures, last_error=str(exc)[:2000], next_attempt_at=now + pause
        )
        log.warning("source %s failed (%s), next attempt in %s", source.pk, exc, pause)
        return 0
    # The connector moved its cursor on the instance; it is saved only after every message
    # was accepted, so a crash re-fetches rather than skips.
    Source.objects.filter(pk=source.pk).update(
        cursor=source.cursor,
        failures=0,
        last_error="",
        last_success_at=now,
        next_attempt_at=now + timedelta(seconds=source.poll_seconds),
    )
    return len(messages)


# --- sending back -------------------------------------------------------------------------------


def source_of(case: Case) -> Source | None:
    """The source the case came from, if it can carry an answer back."""
    first = case.deliveries.select_related("source__channel").order_by("pk").first()
    if first is None or not _can_send(first.source):
        return None
    return first.source


def queue_outbound(
    case: Case,
    source: Source,
    kind: Outbound.Kind,
    text: str,
    *,
    now: datetime,
    answer: Answer | None = None,
) -> Outbound | None:
    """Queue a message to the citizen; it is sent after the transaction commits. At most one
    receipt and one survey per case and one message per answer."""
    try:
        with transaction.atomic():
            outbound = Outbound.objects.create(
                case=case, source=source, kind=kind, text=text, answer=answer, created_at=now
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _enqueue_send(outbound.pk))
    return outbound


def dispatch_answer(answer: Answer, *, now: datetime) -> Outbound | None:
    """Send an approved answer back through the channel its case came from."""
    source = source_of(answer.case)
    if source is None:
        return None
    return queue_outbound(
        answer.case, source, Outbound.Kind.ANSWER, answer.text, now=now, answer=answer
    )


def send_outbound(outbound: Outbound, *, now: datetime) -> bool:
    """Try to deliver one queued message; a failure is kept for a later retry."""
    if outbound.state == Outbound.State.SENT:
        return True
    try:
        reference = connector_for(outbound.source.channel.code).send(outbound.source, outbound)
    except (ConnectorError, OSError) as exc:
        attempts = outbound.attempts + 1
        state = Outbound.State.FAILED if attempts >= MAX_SEND_ATTEMPTS else Outbound.State.PENDING
        Outbound.objects.filter(pk=outbound.pk).update(
            attempts=attempts, last_error=str(exc)[:2000], state=state
        )
        log.warning("outbound %s failed: %s", outbound.pk, exc)
        return False
    with transaction.atomic():
        Outbound.objects.filter(pk=outbound.pk).update(
            state=Outbound.State.SENT,
            attempts=F("attempts") + 1,
            external_id=reference[:300],
            sent_at=now,
            last_error="",
        )
        if outbound.answer is not None:
            record_answer_sent(
                outbound.answer, at=now, via=outbound.source.channel.code, reference=reference
            )
    return True


def _enqueue_send(outbound_id: int) -> None:
    from veche.intake.tasks import send_outbound_task  # tasks import services

    send_outbound_task(outbound_id)


def _can_fetch(source: Source) -> bool:
    return _has(source, "fetch")


def _can_send(source: Source) -> bool:
    """A connector may say a particular source cannot answer (a webhook without a callback)."""
    if not _has(source, "send"):
        return False
    can_send = getattr(connector_for(source.channel.code), "can_send", None)
    return bool(can_send(source)) if callable(can_send) else True


def _has(source: Source, method: str) -> bool:
    try:
        connector = connector_for(source.channel.code)
    except LookupError:
        return False
    return callable(getattr(connector, method, None))
