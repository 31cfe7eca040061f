"""Reading problems: only in the municipalities where the actor sees every case, and only
the cases of a problem the actor may see."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from veche.cases.models import Case
from veche.cases.search import WORD, index_text, normal_forms
from veche.cases.selectors import visible_cases
from veche.org.access import Action
from veche.org.models import User
from veche.org.selectors import actor_scope
from veche.problems.figures import with_overdue_count
from veche.problems.models import Problem

Sort = Literal["last", "cases", "citizens", "overdue"]


def may_manage(municipality_id: int, actor: User) -> bool:
    """МЦУ-wide work in the municipality: what naming and merging problems, road maps,
    meetings and instructions need (not one department's or block's cases)."""
    return municipality_id in actor_scope(actor).municipality_ids(Action.WORK)


SORTS: dict[str, str] = {
    "last": "последнее обращение",
    "cases": "обращений",
    "citizens": "заявителей",
    "overdue": "просрочено",
}
_ORDER: dict[str, tuple[str, ...]] = {
    "last": ("-last_at", "-pk"),
    "cases": ("-case_count", "-last_at", "-pk"),
    "citizens": ("-citizen_count", "-case_count", "-last_at", "-pk"),
    "overdue": ("-overdue_count", "-case_count", "-last_at", "-pk"),
}
QUERY_WORDS = 8  # a longer query is cut: each word is one more LIKE over the titles


@dataclass(frozen=True)
class ProblemFilter:
    """The list's filters; empty values mean «any»."""

    status: str = ""
    named: bool | None = None
    topic_id: int | None = None  # the topic or, for a group, any topic in it
    territory_id: int | None = None
    text: str = ""
    sort: str = "last"


def visible_problems(actor: User | AnonymousUser) -> QuerySet[Problem]:
    if not isinstance(actor, User) or not actor.is_active:
        return Problem.objects.none()
    municipalities = actor_scope(actor).municipality_ids(Action.VIEW)
    return Problem.objects.filter(municipality_id__in=municipalities).select_related(
        "topic", "territory", "municipality"
    )


def listed_problems(
    actor: User | AnonymousUser, filters: ProblemFilter, *, now: datetime
) -> QuerySet[Problem]:
    """The problems of the list page and the API: a grouping of two cases or more, or one an
    officer named (whatever its size), filtered and sorted."""
    problems = visible_problems(actor).filter(Q(case_count__gt=1) | Q(named_at__isnull=False))
    if filters.status in Problem.Status.values:
        problems = problems.filter(status=filters.status)
    if filters.named is not None:
        problems = problems.filter(named_at__isnull=not filters.named)
    if filters.topic_id is not None:
        problems = problems.filter(
            Q(topic_id=filters.topic_id) | Q(topic__parent_id=filters.topic_id)
        )
    if filters.territory_id is not None:
        problems = problems.filter(territory_id=filters.territory_id)
    if (match := title_match(filters.text)) is not None:
        problems = problems.filter(match)
    sort = filters.sort if filters.sort in _ORDER else "last"
    if sort == "overdue":
        problems = with_overdue_count(problems, now=now)
    return problems.order_by(*_ORDER[sort])


def problem_cases(actor: User | AnonymousUser, problem: Problem) -> QuerySet[Case]:
    return (
        visible_cases(actor)
        .filter(problem_link__problem=problem)
        .select_related("channel", "department", "problem_link")
        .order_by("received_at", "pk")
    )


def other_problems(
    actor: User | AnonymousUser, problem: Problem, *, text: str = ""
) -> QuerySet[Problem]:
    """The problems of the same municipality, but this one, that `problem` may be merged
    with or a case moved to; found by words of the title when `text` is given. A grouping of
    the pipeline left empty by officers' moves is no longer a problem to offer."""
    problems = (
        visible_problems(actor)
        .filter(municipality_id=problem.municipality_id)
        .filter(Q(case_count__gt=0) | Q(named_at__isnull=False))
        .exclude(pk=problem.pk)
        .order_by("-last_at", "-pk")
    )
    if (match := title_match(text)) is not None:
        problems = problems.filter(match)
    return problems


def index_problem(title: str, place: str) -> str:
    """What `Problem.search_lemmas` holds: the normal forms of the words, space-delimited on
    both sides so that a form matches a whole word."""
    return f" {index_text(title, place)} "


def title_match(text: str) -> Q | None:
    """Every word of `text` is in the title or the place, in some form of it («ямы» finds
    «Яма»), or begins a word there («гага» finds «Гагарина»). Case does not matter: the
    stored forms are lower case on every database."""
    words = list(dict.fromkeys(w.lower().replace("ё", "е") for w in WORD.findall(text)))
    if not words:
        return None
    condition = Q()
    for word in words[:QUERY_WORDS]:
        alternatives = Q(search_lemmas__contains=f" {word}")
        for form in normal_forms(word):
            alternatives |= Q(search_lemmas__contains=f" {form} ")
        condition &= alternatives
    return condition
