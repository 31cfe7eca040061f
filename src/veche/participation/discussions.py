"""Public discussions of a document: the МЦУ publishes the text for a period, residents
comment, and a comment is shown only after the МЦУ approves it (moderation before showing).

A resident may post a few comments per hour from one network address; beyond that he is
asked to wait (the cap stops a flood, not a family)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet

from veche.cases.errors import CaseError, ErrorCode
from veche.org.access import Action as Do
from veche.org.models import Municipality, User
from veche.org.selectors import actor_scope
from veche.participation import identity
from veche.participation.models import Comment, Discussion
from veche.participation.services import may_manage

MAX_COMMENTS_PER_IP_HOUR = 5
MAX_COMMENT = 5000


@dataclass(frozen=True)
class DiscussionData:
    title: str
    document: str
    opens_at: datetime
    closes_at: datetime


def visible_discussions(actor: User) -> QuerySet[Discussion]:
    return Discussion.objects.filter(
        municipality_id__in=actor_scope(actor).municipality_ids(Do.VIEW)
    )


def published_comments(discussion: Discussion) -> QuerySet[Comment]:
    return discussion.comments.filter(state=Comment.State.PUBLISHED)


def create_discussion(
    municipality: Municipality, data: DiscussionData, *, by: User, now: datetime
) -> Discussion:
    if not may_manage(by, municipality.pk):
        raise CaseError(ErrorCode.FORBIDDEN, "Обсуждения ведёт МЦУ своего муниципалитета.")
    if not data.title.strip() or not data.document.strip():
        raise CaseError(ErrorCode.INVALID, "Укажите название и текст документа.")
    if data.closes_at <= data.opens_at:
        raise CaseError(ErrorCode.INVALID, "Окончание обсуждения должно быть позже начала.")
    with transaction.atomic(durable=True):
        return Discussion.objects.create(
            municipality=municipality,
            title=data.title.strip(),
            document=data.document.strip(),
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            created_at=now,
            created_by=by,
        )


def discussion_open(discussion: Discussion, now: datetime) -> bool:
    return discussion.opens_at <= now < discussion.closes_at


def post_comment(
    discussion: Discussion, *, author_name: str, text: str, ip: str, now: datetime
) -> Comment:
    name, body = author_name.strip()[:100], text.strip()
    if not discussion_open(discussion, now):
        raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Обсуждение сейчас не идёт.")
    if not name or not body:
        raise CaseError(ErrorCode.INVALID, "Укажите имя и текст комментария.")
    if len(body) > MAX_COMMENT:
        raise CaseError(ErrorCode.INVALID, f"Комментарий длиннее {MAX_COMMENT} знаков.")
    ip_hash, _ = identity.request_fingerprint(ip, "")
    with transaction.atomic(durable=True):
        recent = Comment.objects.filter(ip_hash=ip_hash, created_at__gte=now - timedelta(hours=1))
        if ip_hash and recent.count() >= MAX_COMMENTS_PER_IP_HOUR:
            raise CaseError(
                ErrorCode.FORBIDDEN, "Слишком много комментариев подряд. Попробуйте позже."
            )
        return Comment.objects.create(
            discussion=discussion, author_name=name, text=body, ip_hash=ip_hash, created_at=now
        )


def moderate_comment(comment: Comment, *, publish: bool, by: User, now: datetime) -> Comment:
    with transaction.atomic(durable=True):
        locked = Comment.objects.select_for_update().select_related("discussion").get(pk=comment.pk)
        if not may_manage(by, locked.discussion.municipality_id):
            raise CaseError(ErrorCode.FORBIDDEN, "Комментарии проверяет МЦУ своего муниципалитета.")
        locked.state = Comment.State.PUBLISHED if publish else Comment.State.REJECTED
        locked.moderated_at, locked.moderated_by = now, by
        locked.save(update_fields=["state", "moderated_at", "moderated_by"])
        return locked
