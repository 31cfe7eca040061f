"""Residents' comments under official posts: collected from the network, checked for an answer
within the ЦУР clock (DOMAIN.md §5: comments fall under the incident regime, 8 hours), and
turned into a case in one click through `veche.intake.services.accept`.

The case key is the one the intake VK connector uses for the same comment
(`wall<owner>_<post>_c<id>`), so a comment that also reaches the inbox through the community's
Callback API is one case, not two."""

from datetime import datetime, timedelta

from django.db.models import QuerySet

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case
from veche.cases.services import CitizenData
from veche.cases.workflow import Regime
from veche.intake.connectors.base import Inbound
from veche.intake.services import accept
from veche.org.access import Action
from veche.org.models import User
from veche.org.selectors import actor_scope
from veche.publishing.connectors import connector_for
from veche.publishing.models import Network, OfficialPage, PageComment, Post
from veche.triage.mood import assess_mood

ANSWER_WITHIN = timedelta(hours=8)
COMMENT_DAYS = 14  # comments are read under posts published this recently


def collect_comments(page: OfficialPage, *, now: datetime) -> int:
    """Record new comments and refresh whether each was answered; the count of new ones."""
    posts = {
        p.remote_id: p
        for p in page.posts.filter(
            state=Post.State.PUBLISHED, published_at__gte=now - timedelta(days=COMMENT_DAYS)
        ).exclude(remote_id="")
    }
    created = 0
    for item in connector_for(page.network).comments(page, list(posts)):
        post = posts.get(item.post_remote_id)
        if post is None:
            continue
        _, new = PageComment.objects.update_or_create(
            page=page,
            remote_id=item.remote_id,
            defaults={"answered": item.answered, "text": item.text},
            create_defaults={
                "post": post,
                "author": item.author_id,
                "text": item.text,
                "posted_at": item.posted_at,
                "answered": item.answered,
                "negativity": assess_mood(item.text).negativity,
            },
        )
        created += int(new)
    return created


def unanswered_comments(pages: QuerySet[OfficialPage], *, now: datetime) -> QuerySet[PageComment]:
    """Comments older than the answer clock with neither an answer nor a case."""
    return (
        PageComment.objects.filter(
            page__in=pages, answered=False, case__isnull=True, posted_at__lt=now - ANSWER_WITHIN
        )
        .select_related("page", "post")
        .order_by("posted_at")
    )


def comment_to_case(comment: PageComment, *, by: User, now: datetime) -> Case:
    page = comment.page
    if page.municipality_id not in actor_scope(by).municipality_ids(Action.WORK):
        raise CaseError(ErrorCode.FORBIDDEN, "Нет прав на обращения этого МО.")
    if comment.case_id is not None:
        return comment.case  # type: ignore[return-value]
    source = page.intake_source
    if source is None:
        raise CaseError(
            ErrorCode.INVALID, "У страницы не указан источник для обращений: задайте его в реестре."
        )
    owner = f"-{abs(int(page.remote_id))}" if page.network == Network.VK else page.remote_id
    social = f"vk.com/id{comment.author}" if page.network == Network.VK else comment.author
    inbound = Inbound(
        external_id=f"wall{owner}_{comment.post.remote_id}_c{comment.remote_id}",
        text=comment.text or "(комментарий без текста)",
        received_at=comment.posted_at,
        author=CitizenData(social_id=social),
        regime=Regime.INCIDENT,
        conversation=f"wall{owner}_{comment.post.remote_id}_c{comment.remote_id}_u{comment.author}",
    )
    delivery = accept(source, inbound, now=now)
    PageComment.objects.filter(pk=comment.pk).update(case=delivery.case)
    comment.case = delivery.case
    return delivery.case
