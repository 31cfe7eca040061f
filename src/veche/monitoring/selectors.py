"""Reads of the monitoring app; each takes the viewer. The information field is МЦУ-wide:
seen by those who work with the whole municipality (Action.WORK), its sources configured by
those who configure it (Action.CONFIGURE)."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from veche.monitoring.models import Alert, Mention, MonitoredSource
from veche.org.access import Action
from veche.org.models import Municipality, User
from veche.org.selectors import actor_scope


def field_municipalities(
    actor: User | AnonymousUser, action: Action = Action.WORK
) -> QuerySet[Municipality]:
    return Municipality.objects.filter(pk__in=actor_scope(actor).municipality_ids(action)).order_by(
        "name"
    )


def visible_sources(actor: User | AnonymousUser) -> QuerySet[MonitoredSource]:
    ids = actor_scope(actor).municipality_ids(Action.WORK)
    return MonitoredSource.objects.filter(municipality_id__in=ids).select_related("municipality")


def visible_alerts(actor: User | AnonymousUser) -> QuerySet[Alert]:
    ids = actor_scope(actor).municipality_ids(Action.WORK)
    return Alert.objects.filter(municipality_id__in=ids).select_related(
        "municipality", "handled_by"
    )


@dataclass(frozen=True)
class MentionFilter:
    source: int | None = None
    subject: str = ""
    min_risk: float | None = None
    reposts: bool = False


def mention_feed(actor: User | AnonymousUser, query: MentionFilter) -> QuerySet[Mention]:
    """The viewer's mentions, newest first, narrowed by the filter; reposts hidden unless
    asked for (their originals carry the talk)."""
    ids = actor_scope(actor).municipality_ids(Action.WORK)
    found = Mention.objects.filter(municipality_id__in=ids).select_related("source", "case")
    if not query.reposts:
        found = found.filter(repost_of__isnull=True)
    if query.source is not None:
        found = found.filter(source_id=query.source)
    if query.min_risk is not None:
        found = found.filter(risk__gte=query.min_risk)
    if query.subject:
        # The matched places and words are short JSON lists: searched as their text.
        found = found.filter(
            Q(places__icontains=query.subject) | Q(keywords__icontains=query.subject)
        )
    return found.order_by("-published_at", "-pk")
