"""The checks of official pages (DOMAIN.md §5, §8 item 16): regular publishing (no silence
beyond the page's N days, at least the weekly norm), mandatory federal/regional content out on
every targeted page by its date, and a complete profile.

`profile_gaps` is pure; the others read published posts recorded by `services`."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet

from veche.publishing.models import OfficialPage, Post, PostTemplate
from veche.publishing.selectors import target_pages

# (field, what is missing) — the required profile of an official page, DOMAIN.md §8 item 16.
PROFILE: tuple[tuple[str, str], ...] = (
    ("is_verified", "отметка «Госорганизация»"),
    ("description", "описание деятельности"),
    ("phone", "телефон"),
    ("address", "адрес"),
    ("hours", "часы работы"),
    ("has_avatar", "аватар"),
    ("has_cover", "обложка"),
    ("has_widgets", "виджеты ЕПГУ/ПОС"),
)


def profile_gaps(page: OfficialPage) -> list[str]:
    """What the page's profile lacks, in the order of the rules."""
    gaps = [label for field, label in PROFILE if not getattr(page, field)]
    if not page.name.strip():
        gaps.insert(0, "название")
    return gaps


@dataclass(frozen=True)
class PageCheck:
    page: OfficialPage
    last_post_at: datetime | None
    posts_week: int
    gaps: list[str]
    now: datetime

    @property
    def silent_days(self) -> int | None:
        return None if self.last_post_at is None else (self.now - self.last_post_at).days

    @property
    def silent(self) -> bool:
        days = self.silent_days
        return days is None or days > self.page.max_silence_days

    @property
    def below_norm(self) -> bool:
        return self.posts_week < self.page.posts_per_week

    @property
    def ok(self) -> bool:
        return not (self.silent or self.below_norm or self.gaps)


def page_checks(pages: QuerySet[OfficialPage], *, now: datetime) -> list[PageCheck]:
    published = Q(posts__state=Post.State.PUBLISHED)
    week = published & Q(posts__published_at__gt=now - timedelta(days=7))
    rows = pages.filter(is_active=True).annotate(
        last_post=Max("posts__published_at", filter=published),
        posts_week=Count("posts", filter=week),
    )
    return [
        PageCheck(page, page.last_post, page.posts_week, profile_gaps(page), now) for page in rows
    ]


@dataclass(frozen=True)
class MandatoryGap:
    template: PostTemplate
    page: OfficialPage
    post: Post | None  # published late, or planned and not out yet

    @property
    def late(self) -> bool:
        return self.post is not None and self.post.state == Post.State.PUBLISHED


def missing_mandatory(templates: QuerySet[PostTemplate], *, now: datetime) -> list[MandatoryGap]:
    """Each targeted page of each mandatory template past its date that had no post from it
    published by then."""
    gaps: list[MandatoryGap] = []
    for template in templates.filter(is_mandatory=True, due_at__lte=now):
        due = template.due_at or now
        posts = {p.page_id: p for p in template.posts.order_by("-published_at")}
        for page in target_pages(template):
            post = posts.get(page.pk)
            if (
                post is not None
                and post.published_at is not None
                and post.state == Post.State.PUBLISHED
                and post.published_at <= due
            ):
                continue
            gaps.append(MandatoryGap(template, page, post))
    return gaps
