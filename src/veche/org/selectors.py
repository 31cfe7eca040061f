"""Reads of organisational data, always through the viewer's scope."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from veche.org.access import EMPTY_SCOPE, Grant, Scope
from veche.org.models import Block, Department, Membership, Municipality, Role, Territory, User


def actor_scope(actor: User | AnonymousUser) -> Scope:
    """The grants of a user, read once per request and kept on the user object."""
    if not actor.is_authenticated or not actor.is_active:
        return EMPTY_SCOPE
    cached: Scope | None = getattr(actor, "_veche_scope", None)
    if cached is None:
        rows = Membership.objects.filter(user=actor).values_list(
            "role", "municipality_id", "department_id", "block_id"
        )
        cached = Scope(grants=tuple(Grant(Role(r), m, d, b) for r, m, d, b in rows))
        setattr(actor, "_veche_scope", cached)  # noqa: B010 - a per-request cache on the user
    return cached


def visible_municipalities(actor: User | AnonymousUser) -> QuerySet[Municipality]:
    return Municipality.objects.filter(id__in=actor_scope(actor).any_municipality_ids())


def visible_departments(actor: User | AnonymousUser) -> QuerySet[Department]:
    return Department.objects.filter(
        municipality_id__in=actor_scope(actor).any_municipality_ids()
    ).select_related("block")


def visible_blocks(actor: User | AnonymousUser) -> QuerySet[Block]:
    return Block.objects.filter(municipality_id__in=actor_scope(actor).any_municipality_ids())


def visible_territories(actor: User | AnonymousUser) -> QuerySet[Territory]:
    return Territory.objects.filter(municipality_id__in=actor_scope(actor).any_municipality_ids())


def primary_municipality(actor: User | AnonymousUser) -> Municipality | None:
    """The municipality whose time zone and name the pages use for this user."""
    ids = sorted(actor_scope(actor).any_municipality_ids())
    return Municipality.objects.filter(id=ids[0]).first() if ids else None
