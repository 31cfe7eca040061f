"""Every write of the intake app: a channel's message becomes a case (or a message on one)
exactly once, a source is polled with backoff, and answers go back where the citizen wrote.
"""

import hashlib
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from veche.cases.errors import CaseError
from veche.cases.models import Answer, Case
from veche.cases.services import (
    CaseDraft,
    add_citizen_message,
    add_system_note,
    attach_files,
    create_case,
    locate_case,
    record_answer_sent,
    without_nul,
)
from veche.cases.workflow import Status
from veche.intake import surveys
from veche.intake.connectors import connector_for
from veche.intake.connectors.base import Connector, ConnectorError, Inbound
from veche.intake.models import Delivery, Outbound, Source
from veche.web.outages import enqueue

log = logging.getLogger(__name__)

# A conversation's next message opens a new case once its case has been finished.
FINISHED = {Status.CLOSED, Status.MERGED, Status.REJECTED, Status.REDIRECTED}
MAX_BACKOFF = timedelta(hours=1)
MAX_SEND_ATTEMPTS = 5
LEASE = timedelta(minutes=15)  # longest a fetch may take before its source is polled again
STALE_CLAIM = timedelta(minutes=10)
NO_TEXT = "(сообщение без текста, см. вложения)"
CASE_KEY_LENGTH = 200  # Case.external_id
DELIVERY_KEY_LENGTH = 300  # Delivery.external_id
AUTHOR_LENGTHS = {  # the columns of cases.Citizen
    "full_name": 300,
    "phone": 50,
    "email": 254,
    "postal_address": 500,
    "social_id": 200,
}


def accept(source: Source, inbound: Inbound, *, now: datetime) -> Delivery:
    """Record one inbound message: a new case, or a further message on the case it continues.
    Delivering the same message again returns the first delivery and changes nothing."""
    inbound = _clean(inbound)
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
        external_id=_case_key(source, inbound),
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


def _case_key(source: Source, inbound: Inbound) -> str:
    """The case's external id: the remote id itself where it is unique across sources (a
    Message-ID), else prefixed by the source (two bots both have a message «42:5»)."""
    shared = getattr(connector_for(source.channel.code), "shared_ids", False)
    key = inbound.external_id if shared else f"{source.pk}:{inbound.external_id}"
    if len(key) > CASE_KEY_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _clean(inbound: Inbound) -> Inbound:
    """What no database column can hold: NUL characters (PostgreSQL refuses them; a message
    on an open case is stored without passing through case registration) and remote ids or
    author fields longer than their columns (ids kept unique by hashing)."""
    inbound = without_nul(inbound)
    external_id = inbound.external_id
    if len(external_id) > DELIVERY_KEY_LENGTH:
        external_id = "sha256:" + hashlib.sha256(external_id.encode()).hexdigest()
    author = inbound.author
    if author is not None:
        stored = author.storable()
        author = replace(stored, **{k: v[: AUTHOR_LENGTHS[k]] for k, v in vars(stored).items()})
    return replace(inbound, external_id=external_id, author=author)


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
        found = (
            Delivery.objects.filter(source=source, external_id__in=refs).first()
            or Outbound.objects.filter(source=source, external_id__in=refs).first()
        )
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
    uploads = (SimpleUploadedFile(f.name, f.content, f.content_type) for f in inbound.files)
    for reason in attach_files(case, uploads, by=None, now=now):
        # The message is kept; the file is refused, and the timeline says why.
        add_system_note(case, f"Вложение не принято: {reason}", at=now)
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


def claim_due_sources(now: datetime) -> list[Source]:
    """The due sources, each leased to the caller so that a slow fetch is never started twice
    (a second Telegram getUpdates would be refused; a slower run would write an old cursor)."""
    claimed = []
    for source in due_sources(now):
        still_due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        if Source.objects.filter(still_due, pk=source.pk).update(next_attempt_at=now + LEASE):
            claimed.append(source)
    return claimed


def fetch_source(source: Source, *, now: datetime) -> int:
    """Poll one source and accept what it returns. A failure is recorded on the source and
    retried later with a growing pause; it never stops the other sources.

    The cursor is saved only after every message was accepted, so a crash re-fetches rather
    than skips; a message that cannot be accepted stops its source, with the reason on the
    channel page, until it is fixed: nothing is dropped silently.
    """
    Source.objects.filter(pk=source.pk).update(last_attempt_at=now)
    try:
        messages = connector_for(source.channel.code).fetch(source, now)
        for message in messages:
            accept(source, message, now=now)
    except Exception as exc:
        failures = source.failures + 1
        pause = min(timedelta(seconds=source.poll_seconds) * 2**failures, MAX_BACKOFF)
        Source.objects.filter(pk=source.pk).update(
            failures=failures, last_error=_reason(exc), next_attempt_at=now + pause
        )
        expected = isinstance(exc, ConnectorError | OSError | CaseError)
        log.log(
            logging.WARNING if expected else logging.ERROR,
            "source %s failed (%s), next attempt in %s",
            source.pk,
            exc,
            pause,
            exc_info=not expected,
        )
        return 0
    Source.objects.filter(pk=source.pk).update(
        cursor=source.cursor,
        failures=0,
        last_error="",
        last_success_at=now,
        next_attempt_at=now + timedelta(seconds=source.poll_seconds),
    )
    return len(messages)


def _reason(exc: Exception) -> str:
    message = exc.message if isinstance(exc, CaseError) else str(exc)
    if not isinstance(exc, ConnectorError | OSError | CaseError):
        message = f"{type(exc).__name__}: {message}"
    return message[:2000]


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
    """Send an approved answer back through the channel its case came from, with the
    invitation to rate it under the text where the channel has no buttons for that."""
    source = source_of(answer.case)
    if source is None:
        return None
    invitation = surveys.invitation(answer, source=source, now=now)
    text = f"{answer.text}\n\n{invitation}" if invitation else answer.text
    return queue_outbound(answer.case, source, Outbound.Kind.ANSWER, text, now=now, answer=answer)


def send_outbound(outbound: Outbound, *, now: datetime) -> bool:
    """Deliver one queued message, once: a worker claims it first, so two workers (or a retry
    racing the first attempt) never send it twice. A failure is kept for a later retry."""
    claimed = Outbound.objects.filter(pk=outbound.pk, state=Outbound.State.PENDING).update(
        state=Outbound.State.SENDING, claimed_at=now
    )
    if not claimed:
        return False
    if outbound.answer is not None and not _still_approved(outbound.answer):
        Outbound.objects.filter(pk=outbound.pk).update(
            state=Outbound.State.CANCELLED,
            last_error="Ответ возвращён на доработку до отправки.",
        )
        return False
    try:
        reference = connector_for(outbound.source.channel.code).send(outbound.source, outbound)
    except Exception as exc:
        attempts = outbound.attempts + 1
        state = Outbound.State.FAILED if attempts >= MAX_SEND_ATTEMPTS else Outbound.State.PENDING
        Outbound.objects.filter(pk=outbound.pk).update(
            attempts=attempts, last_error=_reason(exc), state=state
        )
        log.warning("outbound %s failed: %s", outbound.pk, exc)
        return False
    # Sent: say so first, in its own commit, whatever the case's workflow says next.
    Outbound.objects.filter(pk=outbound.pk).update(
        state=Outbound.State.SENT,
        attempts=F("attempts") + 1,
        external_id=reference[:300],
        sent_at=now,
        last_error="",
    )
    if outbound.answer is not None:
        try:
            record_answer_sent(
                outbound.answer, at=now, via=outbound.source.channel.code, reference=reference
            )
        except CaseError as exc:
            add_system_note(
                outbound.case, f"Ответ отправлен, но статус не изменён: {exc.message}", at=now
            )
    return True


def release_stale_claims(now: datetime) -> int:
    """Messages whose worker died while sending go back to the queue."""
    return Outbound.objects.filter(
        state=Outbound.State.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(state=Outbound.State.PENDING)


def _still_approved(answer: Answer) -> bool:
    answer.refresh_from_db(fields=["state"])
    if answer.state != Answer.State.APPROVED:
        return answer.state == Answer.State.SENT  # sent by another way: record_answer_sent no-ops
    if answer.kind == Answer.Kind.FINAL:
        return Case.objects.filter(pk=answer.case_id, status=Status.ANSWER_APPROVED).exists()
    return True


def _enqueue_send(outbound_id: int) -> None:
    from veche.intake.tasks import send_outbound_task  # tasks import services

    # With the queue down the message stays pending; `tasks.retry_outbound` sends it later.
    enqueue(send_outbound_task, outbound_id)


def _can_fetch(source: Source) -> bool:
    return callable(getattr(_connector(source), "fetch", None))


def _can_send(source: Source) -> bool:
    """A connector may say a particular source cannot answer (a webhook without a callback)."""
    connector = _connector(source)
    if not callable(getattr(connector, "send", None)):
        return False
    can_send = getattr(connector, "can_send", None)
    return bool(can_send(source)) if callable(can_send) else True


def _connector(source: Source) -> Connector | None:
    try:
        return connector_for(source.channel.code)
    except LookupError:
        return None
