"""The answer to the citizen: drafted, approved, then recorded as sent by its channel."""

import zoneinfo
from collections.abc import Mapping
from datetime import datetime

from django.db import transaction

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Answer, Case, Event
from veche.cases.services._common import _event, _lock, _transition
from veche.cases.signals import answer_approved, answer_approving, answer_sent
from veche.cases.workflow import Regime, Status, is_allowed
from veche.org.access import Action
from veche.org.models import User


def draft_answer(
    case: Case,
    text: str,
    *,
    by: User,
    now: datetime,
    kind: Answer.Kind = Answer.Kind.FINAL,
) -> Answer:
    """Save a draft answer; a final draft moves the case to approval («на согласовании»)."""
    if not text.strip():
        raise CaseError(ErrorCode.INVALID, "Пустой текст ответа.")
    with transaction.atomic(durable=True):
        locked = _lock(case, Action.WORK, by)
        if kind == Answer.Kind.FINAL:
            _transition(locked, Status.ANSWER_DRAFTED, at=now, by=by, comment="")
        answer = Answer.objects.create(
            case=locked, kind=kind, text=text.strip(), created_by=by, created_at=now
        )
        _event(
            locked,
            Event.Kind.ANSWER_DRAFTED,
            at=now,
            by=by,
            after={"answer": answer.pk, "kind": kind.value},
        )
    return answer


def approve_answer(answer: Answer, *, by: User, now: datetime, comment: str = "") -> Answer:
    """The approval step before an answer goes out (DOMAIN.md §3: «на согласование»)."""
    with transaction.atomic(durable=True):
        case = _lock(answer.case, Action.APPROVE, by)
        locked = Answer.objects.select_for_update().get(pk=answer.pk)
        if locked.state != Answer.State.DRAFT:
            raise CaseError(ErrorCode.INVALID, "Ответ уже согласован.")
        answer_approving.send(sender=Answer, answer=locked, by=by)
        if locked.kind == Answer.Kind.FINAL:
            _transition(case, Status.ANSWER_APPROVED, at=now, by=by, comment=comment)
        locked.state = Answer.State.APPROVED
        locked.approved_by = by
        locked.save(update_fields=["state", "approved_by"])
        _event(case, Event.Kind.ANSWER_APPROVED, at=now, by=by, after={"answer": locked.pk})
        transaction.on_commit(lambda: answer_approved.send(sender=Answer, answer=locked))
    return locked


def latest_approved(case: Case) -> Answer | None:
    """The approved final answer not yet sent: what «Ответ направлен» records as sent."""
    return (
        case.answers.filter(kind=Answer.Kind.FINAL, state=Answer.State.APPROVED)
        .order_by("-created_at", "-pk")
        .first()
    )


def latest_draft(case: Case) -> Answer | None:
    """The final answer awaiting approval: the latest final draft of the case."""
    return (
        case.answers.filter(kind=Answer.Kind.FINAL, state=Answer.State.DRAFT)
        .order_by("-created_at", "-pk")
        .first()
    )


def record_answer_sent(
    answer: Answer, *, at: datetime, via: str, reference: str = "", by: User | None = None
) -> Answer:
    """The channel has delivered an approved answer to the citizen; a final answer moves the
    case to «Ответ направлен». Called by the channel that sent it (`by` None), or for ПОС and
    ИМ, where the answer is posted in their own system, by the officer who posted it
    (`via` "manual", `reference` what they noted); never twice for one answer."""
    with transaction.atomic():
        locked = Answer.objects.select_for_update().select_related("case").get(pk=answer.pk)
        if locked.state == Answer.State.SENT:
            return locked
        if locked.state != Answer.State.APPROVED:
            raise CaseError(ErrorCode.INVALID, "Направить можно только согласованный ответ.")
        case = Case.objects.select_for_update().get(pk=locked.case_id)
        if locked.kind == Answer.Kind.FINAL:
            _transition(case, Status.ANSWERED, at=at, by=by, comment=reference)
        locked.state = Answer.State.SENT
        locked.sent_at = at
        locked.save(update_fields=["state", "sent_at"])
        _event(
            case,
            Event.Kind.ANSWER_SENT,
            at=at,
            by=by,
            after={"answer": locked.pk, "via": via, "reference": reference},
        )
        transaction.on_commit(lambda: answer_sent.send(sender=Answer, answer=locked))
    return locked


def record_rating(
    answer: Answer,
    *,
    at: datetime,
    comment: str,
    details: Mapping[str, object],
    reopen: bool,
) -> Event:
    """The citizen's rating of a sent answer, on the case's timeline; an unhappy one reopens
    the case where the municipality says so (DOMAIN.md §8 item 12), if the workflow still
    allows it (`details` then gets "reopened"). The feedback app keeps the survey itself and
    calls this in its transaction, so the rating and the reopening are one commit."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=answer.case_id)
        can_reopen = is_allowed(Status(case.status), Status.REOPENED, Regime(case.regime))
        reopened = reopen and can_reopen
        event = _event(
            case,
            Event.Kind.RATING,
            at=at,
            by=None,
            after={**details, "answer": answer.pk, "reopened": reopened},
            comment=comment,
        )
        if reopened:
            _transition(case, Status.REOPENED, at=at, by=None, comment=comment)
    return event


def note_repeat(case: Case, answer: Answer, *, at: datetime) -> Event:
    """The author wrote again on the same problem after `answer` was sent (a повторное
    обращение, DOMAIN.md §8 item 7): said on the new case's timeline, for the officer and for
    the count of repeats per answer (the feedback app keeps the link)."""
    earlier = Case.objects.select_related("municipality").get(pk=answer.case_id)
    zone = zoneinfo.ZoneInfo(earlier.municipality.time_zone)
    sent = f"{answer.sent_at.astimezone(zone):%d.%m.%Y}" if answer.sent_at else "—"
    with transaction.atomic():
        return _event(
            case,
            Event.Kind.REPEAT,
            at=at,
            by=None,
            after={"answer": answer.pk, "case": answer.case_id},
            comment=f"Повторное обращение после ответа от {sent} по обращению {earlier.number}.",
        )
