"""Who may order, read and configure reports, and the reports a user may see.

Reports describe a whole municipality, so they belong to the МЦУ's roles there: ordering
and downloading needs «view» over every case of the municipality (department and block roles
do not have it), editing a template needs «configure» (`org.access`).
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from veche.org.access import Action, Grant, Scope
from veche.org.models import Municipality, Role, User
from veche.org.selectors import actor_scope
from veche.reports.models import Report

Actor = User | AnonymousUser


def may_view_reports(actor: Actor, municipality_id: int) -> bool:
    return municipality_id in actor_scope(actor).municipality_ids(Action.VIEW)


def may_edit_templates(actor: Actor, municipality_id: int) -> bool:
    return municipality_id in actor_scope(actor).municipality_ids(Action.CONFIGURE)


def report_municipalities(actor: Actor) -> QuerySet[Municipality]:
    """The municipalities whose reports the actor may order and read."""
    return Municipality.objects.filter(pk__in=actor_scope(actor).municipality_ids(Action.VIEW))


def visible_reports(actor: Actor) -> QuerySet[Report]:
    return Report.objects.filter(
        municipality_id__in=actor_scope(actor).municipality_ids(Action.VIEW)
    ).select_related("municipality", "created_by")


def reader_for(municipality: Municipality) -> User:
    """The actor a report's figures are read as: an unsaved user who sees the whole
    municipality, like the МЦУ roles allowed to order the report. A report is the
    municipality's document, so it must not depend on who pressed the button, and the
    command run by cron has no user at all."""
    reader = User(username=f"reports-{municipality.pk}", is_active=True)
    scope = Scope(grants=(Grant(Role.OBSERVER, municipality.pk),))
    setattr(reader, "_veche_scope", scope)  # noqa: B010 - the cache `actor_scope` reads
    return reader
