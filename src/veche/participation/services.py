"""Writing polls: the МЦУ drafts a poll, its questions and choices, opens it and closes it.

Every function is one operation in its own durable transaction, locks the poll it changes and
refuses with a `CaseError` (Russian message) — a view turns that into a 4xx.
Only a draft is edited: once a resident has seen the questions they stay as they were.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from veche.cases.errors import CaseError, ErrorCode
from veche.org.access import Action as Do
from veche.org.models import Municipality, Territory, User
from veche.org.selectors import actor_scope
from veche.participation.models import Choice, Poll, Question
from veche.problems.models import Problem, Roadmap


@dataclass(frozen=True)
class PollData:
    title: str
    confirmation: str
    description: str = ""
    territory: Territory | None = None
    problem: Problem | None = None
    roadmap: Roadmap | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    results_public: bool = True


def may_manage(user: User, municipality_id: int) -> bool:
    return municipality_id in actor_scope(user).municipality_ids(Do.WORK)


def _check(data: PollData, municipality: Municipality) -> None:
    if not data.title.strip():
        raise CaseError(ErrorCode.INVALID, "Укажите название опроса.")
    if data.confirmation not in Poll.Confirmation.values:
        raise CaseError(ErrorCode.INVALID, "Выберите, как житель подтверждает голос.")
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise CaseError(ErrorCode.INVALID, "Окончание опроса должно быть позже начала.")
    for linked in (data.territory, data.problem, data.roadmap):
        if linked is not None and linked.municipality_id != municipality.pk:
            raise CaseError(ErrorCode.INVALID, "Территория, проблема и карта — только своего МО.")


def _locked_draft(poll: Poll, by: User) -> Poll:
    locked = Poll.objects.select_for_update().filter(pk=poll.pk).first()
    if locked is None:
        raise CaseError(ErrorCode.NOT_FOUND, "Опрос не найден.")
    if not may_manage(by, locked.municipality_id):
        raise CaseError(ErrorCode.FORBIDDEN, "Опросы ведёт МЦУ своего муниципалитета.")
    return locked


def _draft_only(poll: Poll) -> None:
    if poll.status != Poll.Status.DRAFT:
        raise CaseError(
            ErrorCode.TRANSITION_NOT_ALLOWED, "Вопросы меняются только в черновике опроса."
        )


def create_poll(municipality: Municipality, data: PollData, *, by: User, now: datetime) -> Poll:
    if not may_manage(by, municipality.pk):
        raise CaseError(ErrorCode.FORBIDDEN, "Опросы ведёт МЦУ своего муниципалитета.")
    _check(data, municipality)
    with transaction.atomic(durable=True):
        return Poll.objects.create(
            municipality=municipality, created_at=now, created_by=by, **_fields(data)
        )


def update_poll(poll: Poll, data: PollData, *, by: User) -> Poll:
    with transaction.atomic(durable=True):
        locked = _locked_draft(poll, by)
        _check(data, locked.municipality)
        if locked.status == Poll.Status.CLOSED:
            raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Завершённый опрос не меняется.")
        if locked.status == Poll.Status.OPEN and data.confirmation != locked.confirmation:
            raise CaseError(
                ErrorCode.TRANSITION_NOT_ALLOWED,
                "Способ подтверждения нельзя менять во время голосования.",
            )
        for name, value in _fields(data).items():
            setattr(locked, name, value)
        locked.save()
        return locked


def _fields(data: PollData) -> dict[str, object]:
    return {
        "title": data.title.strip(),
        "description": data.description.strip(),
        "confirmation": data.confirmation,
        "territory": data.territory,
        "problem": data.problem,
        "roadmap": data.roadmap,
        "opens_at": data.opens_at,
        "closes_at": data.closes_at,
        "results_public": data.results_public,
    }


def add_question(
    poll: Poll, *, text: str, kind: str, required: bool, choices: list[str], by: User
) -> Question:
    cleaned = [c.strip() for c in choices if c.strip()]
    if not text.strip():
        raise CaseError(ErrorCode.INVALID, "Введите текст вопроса.")
    if kind not in Question.Kind.values:
        raise CaseError(ErrorCode.INVALID, "Выберите вид вопроса.")
    if kind != Question.Kind.TEXT and len(cleaned) < 2:
        raise CaseError(ErrorCode.INVALID, "У вопроса с выбором нужно не меньше двух вариантов.")
    if len(set(cleaned)) != len(cleaned):
        raise CaseError(ErrorCode.INVALID, "Варианты ответа повторяются.")
    with transaction.atomic(durable=True):
        locked = _locked_draft(poll, by)
        _draft_only(locked)
        position = locked.questions.count()
        question = Question.objects.create(
            poll=locked, position=position, text=text.strip(), kind=kind, required=required
        )
        if kind != Question.Kind.TEXT:
            Choice.objects.bulk_create(
                Choice(question=question, position=i, text=c) for i, c in enumerate(cleaned)
            )
        return question


def delete_question(question: Question, *, by: User) -> None:
    with transaction.atomic(durable=True):
        locked = _locked_draft(question.poll, by)
        _draft_only(locked)
        Question.objects.filter(pk=question.pk, poll=locked).delete()


def open_poll(poll: Poll, *, by: User, now: datetime) -> Poll:
    with transaction.atomic(durable=True):
        locked = _locked_draft(poll, by)
        _draft_only(locked)
        questions = list(locked.questions.prefetch_related("choices"))
        if not questions:
            raise CaseError(ErrorCode.INVALID, "В опросе нет ни одного вопроса.")
        if locked.closes_at is not None and locked.closes_at <= now:
            raise CaseError(ErrorCode.INVALID, "Срок окончания опроса уже прошёл.")
        locked.status = Poll.Status.OPEN
        if locked.opens_at is None:
            locked.opens_at = now
        locked.save(update_fields=["status", "opens_at"])
        return locked


def close_poll(poll: Poll, *, by: User, now: datetime) -> Poll:
    with transaction.atomic(durable=True):
        locked = _locked_draft(poll, by)
        if locked.status != Poll.Status.OPEN:
            raise CaseError(
                ErrorCode.TRANSITION_NOT_ALLOWED, "Завершить можно только идущий опрос."
            )
        locked.status = Poll.Status.CLOSED
        if locked.closes_at is None or locked.closes_at > now:
            locked.closes_at = now
        locked.save(update_fields=["status", "closes_at"])
        return locked


def close_expired_polls(*, now: datetime) -> int:
    """Close every open poll whose closing time has passed (ballots are refused from that
    moment anyway; closing publishes the results). One conditional UPDATE per poll, so two
    workers close it once. Returns how many this run closed."""
    closed = 0
    due = Poll.objects.filter(status=Poll.Status.OPEN, closes_at__lte=now)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic(durable=True):
            updated = Poll.objects.filter(
                pk=pk, status=Poll.Status.OPEN, closes_at__lte=now
            ).update(status=Poll.Status.CLOSED)
            closed += updated
    return closed
