"""Reading problems: only in the municipalities where the actor sees every case, and only
the cases of a problem the actor may see."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from veche.cases.models import Case
from veche.cases.selectors import visible_cases
from veche.org.access import Action
from veche.org.models import User
from veche.org.selectors import actor_scope
from veche.problems.models import Problem


def visible_problems(actor: User | AnonymousUser) -> QuerySet[Problem]:
    if not isinstance(actor, User) or not actor.is_active:
        return Problem.objects.none()
    municipalities = actor_scope(actor).municipality_ids(Action.VIEW)
    return Problem.objects.filter(municipality_id__in=municipalities).select_related(
        "topic", "territory", "municipality"
    )


def problem_cases(actor: User | AnonymousUser, problem: Problem) -> QuerySet[Case]:
    return (
        visible_cases(actor)
        .filter(problem_link__problem=problem)
        .select_related("channel", "department", "problem_link")
        .order_by("received_at", "pk")
    )
