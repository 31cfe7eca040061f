"""The satisfaction survey (DOMAIN.md §8 item 12): a sent final answer is followed by the
question «как вам ответ?», by a signed link (e-mail, the public status page) or by buttons
(Telegram). One reply per question, before it expires. An unhappy reply reopens the case or
goes to the МЦУ for review, as the municipality decides (`SurveyPolicy`); every reply is an
Event on the case. A new case by the same author on the same problem after an answer is a
repeat, counted against that answer (DOMAIN.md §8 item 7).
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from veche.cases.models import Answer, Case
from veche.cases.services.answers import note_repeat, record_rating
from veche.feedback.models import Repeat, Survey, SurveyPolicy
from veche.intake.models import Delivery, Source
from veche.problems.models import ProblemCase

SALT = "veche.feedback.survey"
SCALE = range(1, 6)
COMMENT_LENGTH = 2000


class SurveyErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    ANSWERED = "answered"
    EXPIRED = "expired"
    INVALID = "invalid"


class SurveyError(Exception):
    def __init__(self, code: SurveyErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Rating:
    """What the citizen said: 1–5, whether the problem was solved (None: not said)."""

    rating: int
    solved: bool | None = None
    comment: str = ""


# --- the rules ----------------------------------------------------------------------------------


def policy_for(municipality_id: int) -> SurveyPolicy:
    """The municipality's survey rules; the defaults (an unsaved row) when it has none."""
    found = SurveyPolicy.objects.filter(municipality_id=municipality_id).first()
    return found or SurveyPolicy(municipality_id=municipality_id)


def is_unhappy(rating: Rating, policy: SurveyPolicy) -> bool:
    return rating.rating <= policy.unhappy_at_most or (
        policy.unsolved_is_unhappy and rating.solved is False
    )


def summary(rating: Rating) -> str:
    """«Оценка заявителя: 2 из 5, не решено.», as the timeline says it."""
    solved = {True: ", решено", False: ", не решено", None: ""}[rating.solved]
    return f"Оценка заявителя: {rating.rating} из 5{solved}."


# --- the link -----------------------------------------------------------------------------------


def token_for(survey: Survey) -> str:
    """«<pk>-<nonce>:<signature>»: short enough for a letter, worthless without the key."""
    return signing.Signer(salt=SALT).sign(f"{survey.pk}-{survey.nonce}")


def link_for(survey: Survey) -> str:
    """The absolute link citizens open (VECHE_PUBLIC_URL + /feedback/r/<token>/)."""
    path = reverse("feedback:survey", args=[token_for(survey)])
    return f"{settings.VECHE_PUBLIC_URL}{path}"


def find(token: str) -> Survey:
    """The survey a link names; a forged, mangled or stale link names none."""
    try:
        pk, _, nonce = signing.Signer(salt=SALT).unsign(token).partition("-")
    except signing.BadSignature:
        pk = nonce = ""
    if not pk.isdigit() or not nonce:
        raise SurveyError(SurveyErrorCode.NOT_FOUND, "Ссылка для оценки неверна.")
    survey = (
        Survey.objects.select_related("case__municipality", "answer")
        .filter(pk=pk, nonce=nonce)
        .first()
    )
    if survey is None:
        raise SurveyError(SurveyErrorCode.NOT_FOUND, "Ссылка для оценки неверна.")
    return survey


def check_open(survey: Survey, *, now: datetime) -> None:
    """Raise when the survey takes no more replies: answered already, or expired."""
    if survey.answered_at is not None:
        raise SurveyError(SurveyErrorCode.ANSWERED, "Оценка по этой ссылке уже получена. Спасибо!")
    if now >= survey.expires_at:
        raise SurveyError(
            SurveyErrorCode.EXPIRED,
            "Срок, в который можно оценить ответ, истёк. Если проблема не решена, напишите "
            "нам снова: сообщение будет связано с прежним.",
        )


# --- asking -------------------------------------------------------------------------------------


def ask(answer: Answer, *, via: str, now: datetime) -> str:
    """The link to rate a final answer, creating its survey on the first call (the channel
    asks while sending, `receivers` after it was sent: both get the same survey). "" for an
    interim answer: it promises, it does not answer."""
    if answer.kind != Answer.Kind.FINAL:
        return ""
    case = Case.objects.only("municipality_id").get(pk=answer.case_id)
    days = policy_for(case.municipality_id).valid_days
    survey, _ = Survey.objects.get_or_create(
        answer=answer,
        defaults={
            "case_id": answer.case_id,
            "nonce": secrets.token_urlsafe(12),
            "asked_via": via,
            "created_at": now,
            "expires_at": now + timedelta(days=days),
        },
    )
    return link_for(survey)


def open_link(case: Case, *, now: datetime) -> str:
    """The link to rate the case's latest answer while it can still be rated; "" otherwise
    (also while its answer, asked about on the way out, has not been delivered yet)."""
    survey = (
        Survey.objects.filter(
            case=case,
            answer__state=Answer.State.SENT,
            answered_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return link_for(survey) if survey is not None else ""


# --- rating -------------------------------------------------------------------------------------


def rate(
    token: str,
    rating: int,
    solved: bool | None,
    comment: str = "",
    *,
    now: datetime,
    via: str = "web",
) -> Survey:
    """The citizen's reply through the link: kept once, refused when answered or expired."""
    return rate_survey(find(token), Rating(rating, solved, comment), via=via, now=now)


def rate_survey(survey: Survey, rating: Rating, *, via: str, now: datetime) -> Survey:
    """Keep the reply, say it on the case's timeline, and act on an unhappy one: reopen the
    case, or leave it for the МЦУ's review (also when the case can no longer be reopened)."""
    if rating.rating not in SCALE:
        raise SurveyError(SurveyErrorCode.INVALID, "Оценка — число от 1 до 5.")
    comment = rating.comment.strip()[:COMMENT_LENGTH]
    with transaction.atomic(durable=True):
        locked = (
            Survey.objects.select_for_update().select_related("answer", "case").get(pk=survey.pk)
        )
        check_open(locked, now=now)
        policy = policy_for(locked.case.municipality_id)
        unhappy = is_unhappy(rating, policy)
        reopen = unhappy and policy.on_unhappy == SurveyPolicy.Unhappy.REOPEN
        note = summary(rating)
        if unhappy and not reopen:
            note += " Передано на разбор в МЦУ."
        if comment:
            note += f" Комментарий: {comment}"
        event = record_rating(
            locked.answer,
            at=now,
            comment=note,
            details={
                "survey": locked.pk,
                "rating": rating.rating,
                "solved": rating.solved,
                "via": via,
                "review": unhappy and not reopen,
            },
            reopen=reopen,
        )
        if not unhappy:
            locked.outcome = Survey.Outcome.UNCHANGED
        elif event.after.get("reopened"):
            locked.outcome = Survey.Outcome.REOPENED
        else:
            locked.outcome = Survey.Outcome.REVIEW
        locked.rating = rating.rating
        locked.solved = rating.solved
        locked.comment = comment
        locked.answered_at = now
        locked.answered_via = via
        locked.save(
            update_fields=["rating", "solved", "comment", "answered_at", "answered_via", "outcome"]
        )
    return locked


def rate_by_button(
    case_id: int, mark: int, *, source: Source, conversation: str, at: datetime
) -> str:
    """A rating button pressed in a chat: accepted only from the chat the case came from (the
    button's data could be forged), for the case's latest question; the reply for the chat."""
    if not Delivery.objects.filter(
        source=source, case_id=case_id, conversation=conversation
    ).exists():
        return "Эта оценка не относится к вашим обращениям."
    survey = Survey.objects.filter(case_id=case_id).order_by("-created_at", "-pk").first()
    if survey is None:
        return "Оценивать пока нечего: ответ ещё не направлен."
    try:
        rated = rate_survey(survey, Rating(mark), via=source.channel.code, now=at)
    except SurveyError as exc:
        return exc.message
    return thanks(rated)


def thanks(survey: Survey) -> str:
    said = f"Спасибо! Ваша оценка: {survey.rating} из 5."
    if survey.outcome == Survey.Outcome.REOPENED:
        return f"{said} Обращение {survey.case.number} возобновлено: мы вернёмся к нему."
    if survey.outcome == Survey.Outcome.REVIEW:
        return f"{said} Вашу оценку рассмотрит муниципальный центр управления."
    return said


# --- repeats ------------------------------------------------------------------------------------


def note_repeats(case_ids: Sequence[int], *, now: datetime) -> list[Repeat]:
    """Each new case whose author was answered on the same problem shortly before: a repeat
    of that answer, counted once, with an Event on the new case.

    «The same problem»: the earlier case is in the new case's problem (`problems.ProblemCase`:
    triage grouped them, e.g. as «повторное обращение»), or both have the same topic.
    «Shortly»: the answer was sent no more than the municipality's `repeat_days` before the
    new case came in. Reads the candidate answers of a whole batch at once: an import of
    thousands of cases must not cost a query per case.
    """
    found = []
    for start in range(0, len(case_ids), CHUNK):
        cases = list(
            Case.objects.filter(pk__in=case_ids[start : start + CHUNK], author__isnull=False)
            .exclude(pk__in=Repeat.objects.values("case_id"))
            .only("pk", "municipality_id", "author_id", "topic_id", "received_at")
        )
        answered = _answers_repeated(cases)
        for case in cases:
            answer = answered.get(case.pk)
            if answer is None:
                continue
            with transaction.atomic(durable=True):
                repeat, created = Repeat.objects.get_or_create(
                    case=case, defaults={"answer": answer, "found_at": now}
                )
                if created:
                    note_repeat(case, answer, at=now)
                    found.append(repeat)
    return found


CHUNK = 500


def _answers_repeated(cases: Sequence[Case]) -> dict[int, Answer]:
    """For each case, the latest final answer its author got on the same problem within the
    window before it came in (see `note_repeats`)."""
    if not cases:
        return {}
    windows = {
        m: timedelta(days=policy_for(m).repeat_days) for m in {c.municipality_id for c in cases}
    }
    earliest = min(c.received_at - windows[c.municipality_id] for c in cases)
    latest = max(c.received_at for c in cases)
    rows = list(
        Answer.objects.filter(
            kind=Answer.Kind.FINAL,
            state=Answer.State.SENT,
            case__author_id__in={c.author_id for c in cases},
            sent_at__range=(earliest, latest),
        ).values_list("pk", "case_id", "case__author_id", "case__topic_id", "sent_at")
    )
    if not rows:
        return {}
    problem_of: dict[int, int] = dict(
        ProblemCase.objects.filter(
            case_id__in={r[1] for r in rows} | {c.pk for c in cases}
        ).values_list("case_id", "problem_id")
    )
    by_author: dict[int, list[tuple[int, int, int | None, datetime | None]]] = {}
    for pk, case_id, author_id, topic_id, sent_at in rows:
        by_author.setdefault(author_id, []).append((pk, case_id, topic_id, sent_at))
    chosen: dict[int, int] = {}
    for case in cases:
        window = windows[case.municipality_id]
        problem = problem_of.get(case.pk)
        best: tuple[datetime, int] | None = None
        for answer_id, answered_case, topic, sent in by_author.get(case.author_id or 0, ()):
            same = (case.topic_id is not None and topic == case.topic_id) or (
                problem is not None and problem_of.get(answered_case) == problem
            )
            if (
                same
                and sent is not None
                and answered_case != case.pk
                and case.received_at - window <= sent <= case.received_at
                and (best is None or (sent, answer_id) > best)
            ):
                best = (sent, answer_id)
        if best is not None:
            chosen[case.pk] = best[1]
    answers = Answer.objects.in_bulk(set(chosen.values()))
    return {case_id: answers[pk] for case_id, pk in chosen.items()}
