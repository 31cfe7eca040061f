"""Voting: a resident proves who he is, then casts exactly one ballot.

The identity is confirmed by a code sent to his e-mail or phone (or by a staff login); the
code and the identity are stored as keyed hashes only. Anti-fraud: a pause between codes, a
cap on codes per identity and on wrong codes, a cap on identities asked for from one network
address per hour, throw-away mailboxes refused, and ballots beyond a few from one address are
flagged for the МЦУ to look at (families share an address, so they are counted, not refused).

`cast_ballot` takes the poll row FOR NO KEY UPDATE, so a ballot and `close_poll` never cross,
then the voter row, so two tabs of one voter queue; the unique constraint (poll, voter) is
the last line. Results are counted from the answer rows, so concurrency cannot skew them.
"""

import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from veche.cases.errors import CaseError, ErrorCode
from veche.org.models import User
from veche.participation import identity
from veche.participation.models import Answer, Ballot, Choice, Poll, Question, Voter
from veche.participation.sms import SmsError, gateway

RESEND_AFTER = timedelta(seconds=60)
CODE_LIFETIME = timedelta(minutes=30)
MAX_CODES = 5
MAX_WRONG_CODES = 5
MAX_IDENTITIES_PER_IP_HOUR = 20
FLAG_FROM_BALLOTS_PER_IP = 5
MAX_TEXT = 2000


@dataclass(frozen=True)
class Selection:
    question: Question
    choice: Choice | None = None
    text: str = ""


def accepting(poll: Poll, now: datetime) -> bool:
    return (
        poll.status == Poll.Status.OPEN
        and (poll.opens_at is None or poll.opens_at <= now)
        and (poll.closes_at is None or now < poll.closes_at)
    )


def _require_accepting(poll: Poll, now: datetime) -> None:
    if not accepting(poll, now):
        raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Голосование сейчас не идёт.")


def request_code(poll: Poll, raw_identity: str, *, ip: str, agent: str, now: datetime) -> Voter:
    """Make or refresh the voter for this e-mail or phone and send him a fresh code."""
    _require_accepting(poll, now)
    if poll.confirmation == Poll.Confirmation.EMAIL:
        address = identity.normal_email(raw_identity)
    elif poll.confirmation == Poll.Confirmation.PHONE:
        address = identity.normal_phone(raw_identity)
    else:
        raise CaseError(ErrorCode.INVALID, "В этом опросе голосуют после входа в систему.")
    key = identity.keyed_hash(poll.confirmation, address)
    ip_hash, agent_hash = identity.request_fingerprint(ip, agent)
    code = identity.new_code()
    with transaction.atomic(durable=True):
        voter = _locked_voter(poll, key, ip_hash=ip_hash, agent_hash=agent_hash, now=now)
        if voter.confirmed_at is not None:
            raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Этот адрес уже подтверждён.")
        if voter.code_sent_at and now - voter.code_sent_at < RESEND_AFTER:
            raise CaseError(
                ErrorCode.INVALID, "Код уже отправлен. Новый можно запросить через минуту."
            )
        if voter.codes_sent >= MAX_CODES:
            raise CaseError(ErrorCode.FORBIDDEN, "Слишком много кодов для этого адреса.")
        voter.code_hash = identity.code_hash(key, code)
        voter.code_sent_at, voter.codes_sent, voter.attempts = now, voter.codes_sent + 1, 0
        voter.save(update_fields=["code_hash", "code_sent_at", "codes_sent", "attempts"])
    _send_code(poll, address, code)
    return voter


def _locked_voter(poll: Poll, key: str, *, ip_hash: str, agent_hash: str, now: datetime) -> Voter:
    found = Voter.objects.select_for_update().filter(poll=poll, identity_hash=key).first()
    if found is not None:
        return found
    recent = Voter.objects.filter(ip_hash=ip_hash, created_at__gte=now - timedelta(hours=1))
    if ip_hash and recent.count() >= MAX_IDENTITIES_PER_IP_HOUR:
        raise CaseError(
            ErrorCode.FORBIDDEN, "Слишком много запросов с вашего адреса. Попробуйте позже."
        )
    try:
        with transaction.atomic():
            return Voter.objects.create(
                poll=poll,
                channel=poll.confirmation,
                identity_hash=key,
                ip_hash=ip_hash,
                agent_hash=agent_hash,
                created_at=now,
            )
    except IntegrityError:  # the same person asked twice at once: take the other's row
        return Voter.objects.select_for_update().get(poll=poll, identity_hash=key)


def _send_code(poll: Poll, address: str, code: str) -> None:
    text = f"Код для голосования «{poll.title[:60]}»: {code}. Никому его не сообщайте."
    if poll.confirmation == Poll.Confirmation.EMAIL:
        try:
            send_mail("Код для голосования", text, settings.DEFAULT_FROM_EMAIL, [address])
        except (smtplib.SMTPException, OSError) as error:
            raise CaseError(
                ErrorCode.INVALID, "Письмо не отправлено. Попробуйте через минуту."
            ) from error
        return
    try:
        gateway().send(address, text)
    except SmsError as error:
        raise CaseError(ErrorCode.INVALID, "СМС не отправлено. Попробуйте ещё раз.") from error


def confirm_code(poll: Poll, voter_id: int, code: str, *, now: datetime) -> Voter:
    with transaction.atomic(durable=True):
        voter = Voter.objects.select_for_update().filter(pk=voter_id, poll=poll).first()
        if voter is None:
            raise CaseError(ErrorCode.NOT_FOUND, "Сначала запросите код.")
        if voter.confirmed_at is not None:
            return voter
        if voter.attempts >= MAX_WRONG_CODES:
            raise CaseError(ErrorCode.FORBIDDEN, "Слишком много неверных кодов. Запросите новый.")
        fresh = voter.code_sent_at is not None and now - voter.code_sent_at <= CODE_LIFETIME
        if not fresh or not identity.code_matches(voter.identity_hash, code, voter.code_hash):
            voter.attempts += 1
            voter.save(update_fields=["attempts"])
            return voter
        voter.confirmed_at, voter.code_hash = now, ""
        voter.save(update_fields=["confirmed_at", "code_hash"])
        return voter


def voter_for_user(poll: Poll, user: User, *, ip: str, agent: str, now: datetime) -> Voter:
    """A signed-in person is confirmed by his login (polls with `Confirmation.LOGIN`)."""
    if poll.confirmation != Poll.Confirmation.LOGIN:
        raise CaseError(ErrorCode.INVALID, "В этом опросе голос подтверждается кодом.")
    _require_accepting(poll, now)
    key = identity.keyed_hash("login", str(user.pk))
    ip_hash, agent_hash = identity.request_fingerprint(ip, agent)
    with transaction.atomic(durable=True):
        voter = _locked_voter(poll, key, ip_hash=ip_hash, agent_hash=agent_hash, now=now)
        if voter.confirmed_at is None:
            voter.confirmed_at = now
            voter.save(update_fields=["confirmed_at"])
        return voter


def parse_selections(
    questions: Sequence[Question], raw: Mapping[int, list[str]]
) -> list[Selection]:
    """Turn the submitted values (choice ids or text, by question id) into selections, or say
    which question is answered wrongly."""
    out: list[Selection] = []
    for q in questions:
        values = [v.strip() for v in raw.get(q.pk, []) if v.strip()]
        if q.kind == Question.Kind.TEXT:
            text = "\n".join(values)
            if len(text) > MAX_TEXT:
                raise CaseError(
                    ErrorCode.INVALID, f"Ответ на «{q.text}» длиннее {MAX_TEXT} знаков."
                )
            if text:
                out.append(Selection(q, text=text))
        else:
            by_id = {str(c.pk): c for c in q.choices.all()}
            if any(v not in by_id for v in values) or len(set(values)) != len(values):
                raise CaseError(ErrorCode.INVALID, f"Неизвестный вариант ответа на «{q.text}».")
            if q.kind == Question.Kind.SINGLE and len(values) > 1:
                raise CaseError(ErrorCode.INVALID, f"На «{q.text}» выберите один вариант.")
            out.extend(Selection(q, choice=by_id[v]) for v in values)
        if q.required and not any(s.question.pk == q.pk for s in out):
            raise CaseError(ErrorCode.INVALID, f"Ответьте на вопрос «{q.text}».")
    return out


def cast_ballot(
    poll: Poll,
    voter_id: int,
    selections: Sequence[Selection],
    *,
    ip: str,
    now: datetime,
    resident: bool = False,
) -> Ballot:
    """A poll for a territory asks the voter to declare he lives there (`resident`): a
    declaration, not a proof — Veche keeps no addresses of voters."""
    if poll.territory_id is not None and not resident:
        raise CaseError(ErrorCode.INVALID, "Подтвердите, что вы живёте на этой территории.")
    ip_hash, _ = identity.request_fingerprint(ip, "")
    with transaction.atomic(durable=True):
        locked = Poll.objects.select_for_update(no_key=True).filter(pk=poll.pk).first()
        if locked is None:
            raise CaseError(ErrorCode.NOT_FOUND, "Опрос не найден.")
        _require_accepting(locked, now)
        voter = Voter.objects.select_for_update().filter(pk=voter_id, poll=locked).first()
        if voter is None or voter.confirmed_at is None:
            raise CaseError(ErrorCode.FORBIDDEN, "Сначала подтвердите, что голосуете вы.")
        if Ballot.objects.filter(poll=locked, voter=voter).exists():
            raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Вы уже проголосовали в этом опросе.")
        if any(s.question.poll_id != locked.pk for s in selections):
            raise CaseError(ErrorCode.INVALID, "Ответ не относится к этому опросу.")
        same_ip = Ballot.objects.filter(poll=locked, ip_hash=ip_hash).count() if ip_hash else 0
        flag = (
            f"{same_ip + 1}-й голос с одного сетевого адреса"
            if same_ip + 1 >= FLAG_FROM_BALLOTS_PER_IP
            else ""
        )
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(
                    poll=locked, voter=voter, cast_at=now, ip_hash=ip_hash, flag=flag
                )
        except IntegrityError as error:
            raise CaseError(
                ErrorCode.TRANSITION_NOT_ALLOWED, "Вы уже проголосовали в этом опросе."
            ) from error
        Answer.objects.bulk_create(
            Answer(ballot=ballot, question=s.question, choice=s.choice, text=s.text)
            for s in selections
        )
        return ballot
