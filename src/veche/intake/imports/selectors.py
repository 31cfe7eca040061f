"""Reads of the import pages, always through the viewer: imports belong to the МЦУ staff who
work on every case of their municipality (Action.WORK without a department limit)."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from veche.intake.models import ImportProblem, ImportRun
from veche.org.access import Action
from veche.org.models import Municipality, User
from veche.org.selectors import actor_scope


def import_municipalities(actor: User | AnonymousUser) -> QuerySet[Municipality]:
    return Municipality.objects.filter(
        id__in=actor_scope(actor).municipality_ids(Action.WORK)
    ).order_by("name")


def visible_runs(actor: User | AnonymousUser) -> QuerySet[ImportRun]:
    ids = actor_scope(actor).municipality_ids(Action.WORK)
    return ImportRun.objects.filter(municipality_id__in=ids).select_related(
        "municipality", "mapping", "created_by"
    )


def run_problems(run: ImportRun, *, limit: int) -> list[ImportProblem]:
    return list(ImportProblem.objects.filter(run=run).order_by("row", "pk")[:limit])
