"""What a real МЦУ has around its answers and the demo's recorded history bypasses: the photos
«после» under reports of finished work, the brush-off check of every sent final answer (at
approval, `veche.feedback.checks`), and the citizens' replies to «как вам ответ?»
(`veche.feedback.services`, DOMAIN.md §8 item 12).

Written in bulk, as the product writes them one by one: `ask` and `rate_survey` are one
durable transaction per answer, far too slow for thousands. An unhappy reply goes to the
МЦУ's review instead of reopening the case: the history already says what happened next.
"""

import base64
import random
import re
import struct
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from math import log

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from veche.cases.models import Answer, Attachment, Event
from veche.cases.workflow import Status
from veche.catalog.models import Channel
from veche.demo.answers import BRUSH_OFFS, has_photos
from veche.feedback.checks import check_past_answers
from veche.feedback.models import AnswerCheck, Survey, SurveyPolicy
from veche.feedback.services import Rating, is_unhappy, policy_for, summary
from veche.org.models import Municipality

PHOTO = "demo/foto-posle.png"
PHOTO_NAME = "Фото после работ.png"
# The share of surveys answered, by the channel that asked (README, «Оценка ответа»): Telegram
# asks with buttons, e-mail carries the link, the others show it on the status page. VK and
# the API get no link; phone, reception and letters none either.
ANSWERED: dict[str, float] = {"telegram": 0.5, "email": 0.4, "web_form": 0.42, "pos": 0.38,
                              "im": 0.36, "open311": 0.3}  # fmt: skip
BUTTONS = 0.75  # of Telegram replies: a button pressed, which says nothing of «решено»
REPLY_HOURS = (20.0, 1.1)  # median and spread of the hours from the answer to the reply
UNHAPPY_BEFORE_REOPENING = 0.8  # reopened cases: the citizen said so first


class Quality(StrEnum):
    BRUSH_OFF = "brush_off"  # one of answers.BRUSH_OFFS
    DENIED = "denied"  # «факты не подтвердились»
    WEAK = "weak"  # on the merits, but flagged by the check (no photos, near-copy…)
    GOOD = "good"


# Weights of the ratings 1–5 by the answer's quality.
RATINGS: dict[Quality, tuple[int, ...]] = {
    Quality.BRUSH_OFF: (55, 25, 12, 5, 3),
    Quality.DENIED: (30, 22, 22, 16, 10),
    Quality.WEAK: (8, 10, 22, 32, 28),
    Quality.GOOD: (3, 4, 10, 28, 55),
}
# P(«решено»), P(«не решено») by rating; the rest say «не знаю».
SOLVED = {1: (0.05, 0.8), 2: (0.1, 0.7), 3: (0.35, 0.4), 4: (0.75, 0.1), 5: (0.9, 0.03)}
PROMISE = re.compile(r"\b(?:будут|будет|запланирован\w*|планиру\w*|включен\w*)\b")
COMMENTS = {
    False: (
        "Ничего не сделано, всё как было.",
        "Ответ ни о чём, проблема осталась.",
        "Прошла неделя — без изменений.",
        "Сделали только наполовину.",
        "Отписка.",
    ),
    True: (
        "Спасибо, сделали быстро!",
        "Спасибо за оперативность.",
        "Стало намного лучше, благодарю.",
        "Спасибо, вопрос решён.",
    ),
}


@dataclass(frozen=True)
class Sent:
    answer_id: int
    case_id: int
    channel: str
    text: str
    at: datetime
    sent_by: int | None


def add_quality(municipality: Municipality, rng: random.Random, *, now: datetime) -> None:
    """Photos, brush-off checks and replies, each step in one transaction."""
    with transaction.atomic(durable=True):
        attach_photos(municipality)
    check_past_answers(municipality.pk)  # as the approver saw each before it went out
    with transaction.atomic(durable=True):
        rate_answers(municipality, rng, now=now)


# --- photos -------------------------------------------------------------------------------------


def attach_photos(municipality: Municipality) -> int:
    """A photo «после», added by the executor as they drafted it (where the department has
    none, by the officer who sent it), for each sent final answer that says photos are
    attached. One small file stands for all of them."""
    drafted: dict[int, list[tuple[datetime, int | None]]] = defaultdict(list)
    for case_id, moment, drafter in (
        Event.objects.filter(
            case__municipality=municipality,
            kind=Event.Kind.STATUS_CHANGED,
            after__status=Status.ANSWER_DRAFTED.value,
        )
        .order_by("at", "pk")
        .values_list("case_id", "at", "actor_id")
    ):
        drafted[case_id].append((moment, drafter))
    name = _photo_file()
    size = default_storage.size(name)
    added: list[tuple[Attachment, datetime, int | None]] = []
    for answer in _sent_finals(municipality):
        moments = [d for d in drafted.get(answer.case_id, []) if d[0] <= answer.at]
        if not has_photos(answer.text) or not moments:
            continue
        at, actor_id = moments[-1]
        item = Attachment(
            case_id=answer.case_id, file=name, name=PHOTO_NAME, content_type="image/png", size=size
        )
        added.append((item, at, actor_id or answer.sent_by))
    # Their created_at says when they were stored, as for any import; the Event says when.
    Attachment.objects.bulk_create([item for item, _, _ in added], batch_size=1_000)
    Event.objects.bulk_create(
        [
            Event(
                case_id=item.case_id,
                kind=Event.Kind.ATTACHMENT_ADDED,
                at=at,
                actor_id=actor_id,
                after={"attachment": item.pk, "name": item.name, "size": item.size},
            )
            for item, at, actor_id in added
        ],
        batch_size=1_000,
    )
    return len(added)


def _photo_file() -> str:
    if not default_storage.exists(PHOTO):
        return default_storage.save(PHOTO, ContentFile(_png(160, 120)))
    return PHOTO


def _png(width: int, height: int) -> bytes:
    """A grey-green gradient: a stand-in photo, made without an imaging library."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (90 + x // 4, 110 + y // 3, 90))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# --- the survey ---------------------------------------------------------------------------------


def rate_answers(municipality: Municipality, rng: random.Random, *, now: datetime) -> int:
    """A survey for every sent final answer (the product asks after each); replies to some,
    rated by what the answer was worth. Returns the number of replies."""
    policy = policy_for(municipality.pk)
    flagged = dict(
        AnswerCheck.objects.filter(answer__case__municipality=municipality).values_list(
            "answer_id", "brush_off"
        )
    )
    reopened: dict[int, list[datetime]] = defaultdict(list)
    for case_id, at in Event.objects.filter(
        case__municipality=municipality,
        kind=Event.Kind.STATUS_CHANGED,
        after__status=Status.REOPENED.value,
    ).values_list("case_id", "at"):
        reopened[case_id].append(at)
    surveys: list[Survey] = []
    replies: list[tuple[Survey, Rating, datetime]] = []
    for answer in _sent_finals(municipality):
        survey = Survey(
            case_id=answer.case_id,
            answer_id=answer.answer_id,
            nonce=base64.urlsafe_b64encode(rng.randbytes(12)).decode(),
            asked_via=answer.channel,
            created_at=answer.at,
            expires_at=answer.at + timedelta(days=policy.valid_days),
        )
        surveys.append(survey)
        reopen = min((at for at in reopened[answer.case_id] if at > answer.at), default=None)
        reply = citizen_reply(answer, reopen, flagged.get(answer.answer_id, False), rng)
        if reply is not None and reply[0] <= now and reply[0] < survey.expires_at:
            at, rating, via = reply
            _keep_reply(survey, rating, at=at, via=via, policy=policy)
            replies.append((survey, rating, at))
    Survey.objects.bulk_create(surveys, batch_size=1_000)
    Event.objects.bulk_create([_rating_event(*reply) for reply in replies], batch_size=1_000)
    return len(replies)


def citizen_reply(
    answer: Sent, reopen: datetime | None, flagged: bool, rng: random.Random
) -> tuple[datetime, Rating, str] | None:
    """When and what the citizen replied to the survey of `answer`, if they did: a brush-off
    gets 1–2 mostly, an answer on the merits 4–5; `reopen` is when the history reopened the
    case after it (the citizen was unhappy, and said so before)."""
    share = ANSWERED.get(answer.channel)
    if share is None:
        return None
    if reopen is not None:  # the history reopened it: the citizen was unhappy, and said so
        if rng.random() >= UNHAPPY_BEFORE_REOPENING:
            return None
        at = answer.at + (reopen - answer.at) * rng.uniform(0.1, 0.9)
        return at, Rating(rng.choice((1, 1, 2)), False, _comment(rng, happy=False)), "web"
    if rng.random() >= share:
        return None
    median, spread = REPLY_HOURS
    at = answer.at + timedelta(hours=max(0.25, rng.lognormvariate(log(median), spread)))
    quality = _quality(answer.text, flagged)
    mark = rng.choices(range(1, 6), RATINGS[quality])[0]
    if answer.channel == Channel.Code.TELEGRAM and rng.random() < BUTTONS:
        return at, Rating(mark), Channel.Code.TELEGRAM.value
    yes, no = SOLVED[mark]
    if PROMISE.search(answer.text):  # promised, not done yet
        yes, no = yes * 0.3, no + yes * 0.5
    draw = rng.random()
    solved = None if draw >= yes + no else draw < yes
    happy = mark >= 4 and solved is not False
    comment = _comment(rng, happy=happy) if rng.random() < (0.12 if happy else 0.25) else ""
    return at, Rating(mark, solved, comment), "web"


def _quality(text: str, flagged: bool) -> Quality:
    if any(phrase in text for phrase in BRUSH_OFFS):
        return Quality.BRUSH_OFF
    if "не подтвердились" in text:
        return Quality.DENIED
    return Quality.WEAK if flagged else Quality.GOOD


def _comment(rng: random.Random, *, happy: bool) -> str:
    return rng.choice(COMMENTS[happy])


def _keep_reply(
    survey: Survey, rating: Rating, *, at: datetime, via: str, policy: SurveyPolicy
) -> None:
    """The survey as `rate_survey` leaves it, but with the case left as it was."""
    survey.rating = rating.rating
    survey.solved = rating.solved
    survey.comment = rating.comment
    survey.answered_at = at
    survey.answered_via = via
    unhappy = is_unhappy(rating, policy)
    survey.outcome = Survey.Outcome.REVIEW if unhappy else Survey.Outcome.UNCHANGED


def _rating_event(survey: Survey, rating: Rating, at: datetime) -> Event:
    """The Event `record_rating` writes for the reply, with `rate_survey`'s note and details
    for a reply it does not reopen the case for."""
    review = survey.outcome == Survey.Outcome.REVIEW
    note = summary(rating)
    if review:
        note += " Передано на разбор в МЦУ."
    if rating.comment:
        note += f" Комментарий: {rating.comment}"
    details = {
        "survey": survey.pk,
        "rating": rating.rating,
        "solved": rating.solved,
        "via": survey.answered_via,
        "review": review,
    }
    return Event(
        case_id=survey.case_id,
        kind=Event.Kind.RATING,
        at=at,
        actor=None,
        after={**details, "answer": survey.answer_id, "reopened": False},
        comment=note,
    )


def _sent_finals(municipality: Municipality) -> list[Sent]:
    rows = (
        Answer.objects.filter(
            case__municipality=municipality,
            kind=Answer.Kind.FINAL,
            state=Answer.State.SENT,
            sent_at__isnull=False,
        )
        .order_by("sent_at", "pk")
        .values_list("pk", "case_id", "case__channel__code", "text", "sent_at", "created_by_id")
    )
    return [
        Sent(pk, case_id, channel, text, at, by)
        for pk, case_id, channel, text, at, by in rows
        if at is not None
    ]
