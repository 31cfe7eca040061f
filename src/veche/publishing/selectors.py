"""Reads of the publishing app, always through the viewer's scope (STYLE.md habit 3)."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from veche.org.access import Action
from veche.org.models import Municipality, User
from veche.org.selectors import actor_scope
from veche.publishing.models import OfficialPage, Post, PostTemplate


def visible_pages(actor: User | AnonymousUser) -> QuerySet[OfficialPage]:
    ids = actor_scope(actor).municipality_ids(Action.VIEW)
    return OfficialPage.objects.filter(municipality_id__in=ids).select_related(
        "municipality", "owner", "department"
    )


def visible_posts(actor: User | AnonymousUser) -> QuerySet[Post]:
    ids = actor_scope(actor).municipality_ids(Action.VIEW)
    return Post.objects.filter(page__municipality_id__in=ids).select_related(
        "page", "page__municipality", "template", "approved_by", "created_by"
    )


def visible_templates(actor: User | AnonymousUser) -> QuerySet[PostTemplate]:
    ids = actor_scope(actor).municipality_ids(Action.VIEW)
    return PostTemplate.objects.filter(municipality_id__in=ids)


def may_work(actor: User, municipality: Municipality) -> bool:
    return municipality.pk in actor_scope(actor).municipality_ids(Action.WORK)


def may_approve(actor: User, municipality: Municipality) -> bool:
    return municipality.pk in actor_scope(actor).municipality_ids(Action.APPROVE)


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    posts: list[Post]


def month_grid(posts: QuerySet[Post], year: int, month: int, zone: ZoneInfo) -> list[list[Day]]:
    """Weeks (Monday first) of the month with each day's posts, in the municipality's zone."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    start = datetime.combine(weeks[0][0], time.min, tzinfo=zone)
    end = datetime.combine(weeks[-1][-1] + timedelta(days=1), time.min, tzinfo=zone)
    by_day: dict[date, list[Post]] = {}
    for post in posts.filter(scheduled_at__gte=start, scheduled_at__lt=end):
        by_day.setdefault(post.scheduled_at.astimezone(zone).date(), []).append(post)
    return [[Day(d, d.month == month, by_day.get(d, [])) for d in week] for week in weeks]


def target_pages(template: PostTemplate) -> list[OfficialPage]:
    pages = OfficialPage.objects.filter(municipality_id=template.municipality_id, is_active=True)
    topics = list(template.topics.all())
    if topics:
        pages = pages.filter(Q(topics__in=topics) | Q(topics__children__in=topics)).distinct()
    return list(pages.order_by("name"))
