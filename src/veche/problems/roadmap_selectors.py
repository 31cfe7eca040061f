"""Reading road maps: the МЦУ sees its municipality's; a department's staff, a block head or
an official see the road maps they have a part in (their action, their department's action,
the map they own), so that they can report progress on it."""

import uuid

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from veche.cases.models import Case
from veche.org.access import Action as Do
from veche.org.models import Territory, User
from veche.org.selectors import actor_scope
from veche.problems.models import Action, Roadmap


def visible_roadmaps(actor: User | AnonymousUser) -> QuerySet[Roadmap]:
    if not isinstance(actor, User) or not actor.is_active:
        return Roadmap.objects.none()
    scope = actor_scope(actor)
    departments = scope.department_ids(Do.VIEW)
    blocks = scope.block_ids(Do.VIEW)
    reach = Q(municipality_id__in=scope.municipality_ids(Do.VIEW))
    if actor.pk is not None:  # the reports read as an unsaved user who owns nothing
        reach |= Q(owner_id=actor.pk) | Q(
            pk__in=Action.objects.filter(responsible_id=actor.pk).values("roadmap_id")
        )
    if departments:
        reach |= Q(department_id__in=departments) | Q(
            pk__in=Action.objects.filter(department_id__in=departments).values("roadmap_id")
        )
    if blocks:
        reach |= Q(department__block_id__in=blocks) | Q(
            pk__in=Action.objects.filter(department__block_id__in=blocks).values("roadmap_id")
        )
    return Roadmap.objects.filter(reach).select_related(
        "municipality", "problem", "topic", "territory", "department", "owner"
    )


def roadmap_actions(roadmap: Roadmap) -> QuerySet[Action]:
    return (
        roadmap.actions.select_related("responsible", "department")
        .prefetch_related("documents")
        .order_by("position", "pk")
    )


def public_roadmap(key: uuid.UUID) -> Roadmap | None:
    """A published road map by the key of its public page."""
    return (
        Roadmap.objects.filter(public_key=key, is_public=True)
        .select_related("municipality", "problem", "topic", "territory", "department")
        .first()
    )


def public_roadmaps_for_case(case: Case) -> list[Roadmap]:
    """The published road maps a case is part of: its problem's, and those of a topic ×
    territory its topic and territory fall within (the cases whose effect they measure)."""
    reach = Q(pk__in=[])
    link = getattr(case, "problem_link", None)
    if link is not None:
        reach |= Q(problem_id=link.problem_id)
    topics = _topic_line(case)
    territories = _territory_line(case.territory_id)
    if topics or territories:
        reach |= (
            Q(problem__isnull=True)
            & ~Q(topic__isnull=True, territory__isnull=True)
            & (Q(topic__isnull=True) | Q(topic_id__in=topics))
            & (Q(territory__isnull=True) | Q(territory_id__in=territories))
        )
    return list(
        Roadmap.objects.filter(reach, municipality_id=case.municipality_id, is_public=True)
        .exclude(status=Roadmap.Status.CANCELLED)
        .order_by("-started_on", "pk")
    )


def _topic_line(case: Case) -> list[int]:
    """The case's topic and its group."""
    if case.topic_id is None:
        return []
    topic = case.topic
    return [case.topic_id] + ([topic.parent_id] if topic and topic.parent_id else [])


def _territory_line(territory_id: int | None) -> list[int]:
    """The territory and every territory it lies within."""
    found: list[int] = []
    while territory_id is not None and territory_id not in found and len(found) < 20:
        found.append(territory_id)
        territory_id = (
            Territory.objects.filter(pk=territory_id).values_list("parent_id", flat=True).first()
        )
    return found
