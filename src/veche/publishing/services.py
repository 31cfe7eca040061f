"""What changes the content plan: planning, approving, publishing and collecting stats.

Publishing is exactly-once across worker restarts:
1. `_claim` moves one due post from «согласован» to «публикуется» with a fresh claim token in
   its own transaction, and writes a `Publication` row: two workers cannot both hold a post.
2. The network is called outside any transaction (`connector.send`).
3. `_finish` records the remote id, but only while the claim is still ours.
A worker that dies between 2 and 3 leaves the post «публикуется». After `STALE_AFTER`
`publish_due` takes it back (`_reclaim`) and, before posting again, asks the network whether the
post is already on the page (`connector.find`); only if it is not is the post sent again. A
network that cannot be asked (Telegram) leaves such a post «нужна проверка» for a person,
because a second copy on an official page is worse than a late one.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q

from veche.cases.errors import CaseError, ErrorCode
from veche.org.access import Action
from veche.org.models import User
from veche.org.selectors import actor_scope
from veche.publishing.connectors import connector_for
from veche.publishing.connectors.base import Published, PublishError
from veche.publishing.models import OfficialPage, Post, PostTemplate, Publication
from veche.publishing.selectors import target_pages

MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=2)  # doubled after each failed attempt
STALE_AFTER = timedelta(minutes=10)  # a claim older than this belonged to a dead worker
STATS_DAYS = 30  # stats are refreshed for posts published this recently


def _require(user: User, page: OfficialPage, action: Action) -> None:
    if page.municipality_id not in actor_scope(user).municipality_ids(action):
        raise CaseError(ErrorCode.FORBIDDEN, "Нет прав на посты этой страницы.")


def plan_post(
    page: OfficialPage,
    *,
    text: str,
    scheduled_at: datetime,
    by: User,
    now: datetime,
    template: PostTemplate | None = None,
) -> Post:
    _require(by, page, Action.WORK)
    if not text.strip():
        raise CaseError(ErrorCode.INVALID, "Текст поста пуст.")
    if not page.is_active:
        raise CaseError(ErrorCode.INVALID, "Страница не ведётся.")
    return Post.objects.create(
        page=page, text=text.strip(), scheduled_at=scheduled_at, created_by=by, template=template
    )


def plan_from_template(
    template: PostTemplate, *, scheduled_at: datetime, by: User, now: datetime
) -> list[Post]:
    """A draft on every active page of the municipality whose topics meet the template's (all
    pages when the template has no topics), skipping pages that already have one from it."""
    pages = target_pages(template)
    planned = set(Post.objects.filter(template=template).values_list("page_id", flat=True))
    with transaction.atomic():
        return [
            plan_post(
                page,
                text=template.text,
                scheduled_at=scheduled_at,
                by=by,
                now=now,
                template=template,
            )
            for page in pages
            if page.pk not in planned
        ]


def edit_post(post: Post, *, text: str, scheduled_at: datetime, by: User, now: datetime) -> Post:
    _require(by, post.page, Action.WORK)
    if post.state not in (Post.State.DRAFT, Post.State.APPROVED):
        raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Опубликованный пост не правят.")
    if not text.strip():
        raise CaseError(ErrorCode.INVALID, "Текст поста пуст.")
    # A changed post needs a new approval.
    changed = Post.objects.filter(pk=post.pk, state__in=[Post.State.DRAFT, Post.State.APPROVED])
    if not changed.update(
        text=text.strip(), scheduled_at=scheduled_at, state=Post.State.DRAFT, approved_by=None
    ):
        raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Пост уже публикуется.")
    post.refresh_from_db()
    return post


def approve_post(post: Post, *, by: User, now: datetime) -> Post:
    _require(by, post.page, Action.APPROVE)
    if not Post.objects.filter(pk=post.pk, state=Post.State.DRAFT).update(
        state=Post.State.APPROVED, approved_by=by, approved_at=now
    ):
        raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Согласовать можно только черновик.")
    post.refresh_from_db()
    return post


def resolve_uncertain(post: Post, *, published: bool, by: User, now: datetime) -> Post:
    """A person looked at the channel: the post is there (done) or not (publish again)."""
    _require(by, post.page, Action.APPROVE)
    fields = (
        {"state": Post.State.PUBLISHED, "published_at": now}
        if published
        else {
            "state": Post.State.APPROVED,
            "next_attempt_at": now,
            "claim": None,
            "may_be_out": False,
        }
    )
    if not Post.objects.filter(pk=post.pk, state=Post.State.UNCERTAIN).update(**fields):
        raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Пост не ждёт проверки.")
    post.refresh_from_db()
    return post


# --- publishing ---------------------------------------------------------------------------------


def due_posts(now: datetime) -> list[int]:
    ready = Q(state=Post.State.APPROVED, scheduled_at__lte=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    stale = Q(state=Post.State.PUBLISHING, claimed_at__lt=now - STALE_AFTER)
    return list(
        Post.objects.filter(ready | stale, page__is_active=True)
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)
    )


def publish_due(*, now: datetime) -> int:
    """Publish every due post and take back those a dead worker left; the count published."""
    return sum(publish_post(pk, now=now) for pk in due_posts(now))


@dataclass(frozen=True)
class _Claim:
    post: Post
    token: uuid.UUID
    publication: Publication
    # The post may be out already (an earlier attempt's fate is unknown): look before posting.
    look_first: bool


def publish_post(post_id: int, *, now: datetime) -> bool:
    claim = _claim(post_id, now=now)
    if claim is None:
        return False
    post, connector = claim.post, connector_for(claim.post.page.network)
    try:
        found = None
        if claim.look_first:
            if not connector.can_find:
                _uncertain(claim, now=now)
                return False
            found = connector.find(post.page, post, _first_attempt(post))
        published = found or connector.send(post.page, post)
    except PublishError as exc:
        _failed(claim, exc, now=now)
        return False
    return _finish(claim, published, found=found is not None, now=now)


def _claim(post_id: int, *, now: datetime) -> _Claim | None:
    token = uuid.uuid4()
    with transaction.atomic(durable=True):
        ready = Q(state=Post.State.APPROVED, scheduled_at__lte=now) & (
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        stale = Q(state=Post.State.PUBLISHING, claimed_at__lt=now - STALE_AFTER)
        post = (
            Post.objects.select_for_update()
            .filter(ready | stale, pk=post_id, page__is_active=True)
            .first()
        )
        if post is None:
            return None
        reclaimed = post.state == Post.State.PUBLISHING
        if reclaimed and post.claim is not None:
            Publication.objects.filter(
                post=post, claim=post.claim, outcome=Publication.Outcome.STARTED
            ).update(
                outcome=Publication.Outcome.UNCERTAIN, finished_at=now, error="обработчик прервался"
            )
        # Looking first is needed when an earlier attempt may have reached the network.
        look_first = reclaimed or post.may_be_out
        Post.objects.filter(pk=post.pk).update(
            state=Post.State.PUBLISHING, claim=token, claimed_at=now, attempts=F("attempts") + 1
        )
        publication = Publication.objects.create(post=post, claim=token, started_at=now)
    post.refresh_from_db()
    return _Claim(post=post, token=token, publication=publication, look_first=look_first)


def _first_attempt(post: Post) -> datetime:
    first = post.publications.order_by("started_at").first()
    return first.started_at if first is not None else post.scheduled_at


def _finish(claim: _Claim, published: Published, *, found: bool, now: datetime) -> bool:
    with transaction.atomic(durable=True):
        done = Post.objects.filter(
            pk=claim.post.pk, state=Post.State.PUBLISHING, claim=claim.token
        ).update(
            state=Post.State.PUBLISHED,
            remote_id=published.remote_id,
            remote_url=published.url,
            published_at=now,
            error="",
            next_attempt_at=None,
            may_be_out=False,
        )
        outcome = Publication.Outcome.FOUND if found else Publication.Outcome.PUBLISHED
        Publication.objects.filter(pk=claim.publication.pk).update(
            outcome=outcome, finished_at=now, remote_id=published.remote_id
        )
    return bool(done)


def _failed(claim: _Claim, exc: PublishError, *, now: datetime) -> None:
    attempts = claim.post.attempts
    final = exc.permanent or attempts >= MAX_ATTEMPTS
    with transaction.atomic(durable=True):
        Post.objects.filter(pk=claim.post.pk, claim=claim.token).update(
            state=Post.State.FAILED if final else Post.State.APPROVED,
            error=str(exc),
            # The request may have gone out: the next attempt looks on the page first.
            may_be_out=claim.look_first or exc.maybe_sent,
            next_attempt_at=None if final else now + BACKOFF * 2 ** (attempts - 1),
        )
        Publication.objects.filter(pk=claim.publication.pk).update(
            outcome=Publication.Outcome.FAILED if final else Publication.Outcome.RETRY,
            finished_at=now,
            error=str(exc),
        )


def _uncertain(claim: _Claim, *, now: datetime) -> None:
    message = "Публикация прервалась, а сеть не даёт проверить страницу: проверьте канал вручную."
    with transaction.atomic(durable=True):
        Post.objects.filter(pk=claim.post.pk, claim=claim.token).update(
            state=Post.State.UNCERTAIN, error=message
        )
        Publication.objects.filter(pk=claim.publication.pk).update(
            outcome=Publication.Outcome.UNCERTAIN, finished_at=now, error=message
        )


# --- stats --------------------------------------------------------------------------------------


def refresh_stats(page: OfficialPage, *, now: datetime) -> int:
    """Views, likes, reposts and comments of the page's recent posts, as the network reports."""
    posts = {
        p.remote_id: p
        for p in page.posts.filter(
            state=Post.State.PUBLISHED, published_at__gte=now - timedelta(days=STATS_DAYS)
        ).exclude(remote_id="")
    }
    stats = connector_for(page.network).fetch(page, list(posts))
    for item in stats:
        post = posts.get(item.remote_id)
        if post is not None:
            Post.objects.filter(pk=post.pk).update(
                views=item.views,
                likes=item.likes,
                reposts=item.reposts,
                comments=item.comments,
                stats_at=now,
            )
    return len(stats)
