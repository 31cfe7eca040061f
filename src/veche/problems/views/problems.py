"""Problems: the list of a municipality's problems with their figures, one problem with its
cases, and an officer's work on it: naming and editing, merging with other problems, splitting
cases off into a new one, moving or taking a case out."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case
from veche.cases.selectors import visible_cases
from veche.problems.figures import problem_figures
from veche.problems.forms import (
    MergeForm,
    MoveForm,
    ProblemForm,
    ProblemListForm,
    SplitForm,
    first_error,
)
from veche.problems.models import Problem
from veche.problems.selectors import (
    listed_problems,
    may_manage,
    other_problems,
    problem_cases,
    visible_problems,
)
from veche.problems.services import merge_problems, move_case, split_problem, update_problem
from veche.web.http import AuthedRequest

PAGE_SIZE = 50
PICK_SIZE = 30  # problems offered at once to merge with or move a case to: search for more
ERROR_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TRANSITION_NOT_ALLOWED: 409,
    ErrorCode.INVALID: 400,
}


@login_required
@require_GET
def problem_list(request: AuthedRequest) -> HttpResponse:
    form = ProblemListForm(request.GET, user=request.user)
    problems = listed_problems(request.user, form.filters(), now=timezone.now())
    page = Paginator(problems, PAGE_SIZE).get_page(request.GET.get("page"))
    figures = problem_figures(list(page.object_list), now=timezone.now())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "problems/list.html",
        {
            "tab": "problems",
            "form": form,
            "page": page,
            "rows": [(p, figures[p.pk]) for p in page.object_list],
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def problem_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible(request, pk))


@login_required
@require_POST
def problem_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    problem = _visible(request, pk)
    form = ProblemForm(request.POST, problem=problem)
    if not form.is_valid():
        return _detail(request, problem, status=400, error=first_error(form), edit_form=form)
    try:
        update_problem(problem, form.changes(), by=request.user, now=timezone.now())
    except CaseError as error:
        return _detail(request, problem, status=_status(error), error=error.message, edit_form=form)
    messages.success(request, "Проблема сохранена.")
    return redirect("problems:detail", pk=problem.pk)


@login_required
@require_POST
def problem_split(request: AuthedRequest, pk: int) -> HttpResponse:
    problem = _visible(request, pk)
    form = SplitForm(request.POST, cases=problem_cases(request.user, problem))
    if not form.is_valid():
        return _detail(request, problem, status=400, error=first_error(form), split_form=form)
    cases = list(form.cleaned_data["cases"])
    try:
        new = split_problem(
            problem, cases, title=form.cleaned_data["title"], by=request.user, now=timezone.now()
        )
    except CaseError as error:
        return _detail(
            request, problem, status=_status(error), error=error.message, split_form=form
        )
    messages.success(request, f"Обращений выделено в новую проблему: {len(cases)}.")
    return redirect("problems:detail", pk=new.pk)


@login_required
@require_http_methods(["GET", "POST"])
def problem_merge(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: find the problems of the municipality to merge with; POST: merge the ticked
    ones into this one."""
    problem = _visible(request, pk)
    if request.method == "GET":
        return _merge_page(request, problem)
    form = MergeForm(request.POST, others=other_problems(request.user, problem))
    if not form.is_valid():
        return _merge_page(request, problem, status=400, error=first_error(form))
    chosen = list(form.cleaned_data["others"])
    try:
        merge_problems(problem, chosen, by=request.user, now=timezone.now())
    except CaseError as error:
        return _merge_page(request, problem, status=_status(error), error=error.message)
    messages.success(request, f"Объединено проблем: {len(chosen)}.")
    return redirect("problems:detail", pk=problem.pk)


@login_required
@require_http_methods(["GET", "POST"])
def problem_move_case(request: AuthedRequest, pk: int, case_id: int) -> HttpResponse:
    """GET: find the problem to move the case to; POST: move it there."""
    problem = _visible(request, pk)
    case = _member(request, problem, case_id)
    if request.method == "GET":
        return _move_page(request, problem, case)
    form = MoveForm(request.POST, targets=other_problems(request.user, problem))
    if not form.is_valid():
        return _move_page(request, problem, case, status=400, error=first_error(form))
    target: Problem = form.cleaned_data["target"]
    try:
        move_case(case, target, by=request.user, now=timezone.now())
    except CaseError as error:
        return _move_page(request, problem, case, status=_status(error), error=error.message)
    messages.success(request, f"{case.number} перенесено в проблему «{target.title}».")
    return redirect("problems:detail", pk=target.pk)


@login_required
@require_POST
def remove_case(request: AuthedRequest, pk: int, case_id: int) -> HttpResponse:
    problem = _visible(request, pk)
    case = _member(request, problem, case_id)
    try:
        move_case(case, None, by=request.user, now=timezone.now())
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{case.number} больше не относится к проблеме.")
    return redirect("problems:detail", pk=problem.pk)


# --- pages --------------------------------------------------------------------------------------


def _detail(
    request: AuthedRequest, problem: Problem, *, status: int = 200, **extra: Any
) -> HttpResponse:
    may_work = _may_work(request, problem)
    context = {
        "tab": "problems",
        "problem": problem,
        "figures": problem_figures([problem], now=timezone.now())[problem.pk],
        "cases": list(problem_cases(request.user, problem)),
        "may_work": may_work,
        "edit_form": ProblemForm(problem=problem) if may_work else None,
        "split_form": None,
        "ticked": set(request.POST.getlist("cases")),
        "roadmaps": list(problem.roadmaps.all()),
        "fast_tracks": list(problem.fast_tracks.all()),
        "instructions": list(problem.instructions.all()),
        "error": "",
        **extra,
    }
    return render(request, "problems/detail.html", context, status=status)


def _merge_page(
    request: AuthedRequest, problem: Problem, *, status: int = 200, error: str = ""
) -> HttpResponse:
    text = request.GET.get("q", "")[:200]
    found = list(other_problems(request.user, problem, text=text)[:PICK_SIZE])
    figures = problem_figures([problem, *found], now=timezone.now())
    ticked = set(request.POST.getlist("others"))
    return render(
        request,
        "problems/problem_merge.html",
        {
            "tab": "problems",
            "problem": problem,
            "figures": figures[problem.pk],
            "q": text,
            "found": [(p, figures[p.pk], str(p.pk) in ticked) for p in found],
            "may_work": _may_work(request, problem),
            "error": error,
        },
        status=status,
    )


def _move_page(
    request: AuthedRequest, problem: Problem, case: Case, *, status: int = 200, error: str = ""
) -> HttpResponse:
    text = request.GET.get("q", "")[:200]
    found = list(other_problems(request.user, problem, text=text)[:PICK_SIZE])
    return render(
        request,
        "problems/problem_move.html",
        {
            "tab": "problems",
            "problem": problem,
            "case": case,
            "q": text,
            "found": found,
            "may_work": _may_work(request, problem),
            "error": error,
        },
        status=status,
    )


def _visible(request: AuthedRequest, pk: int) -> Problem:
    problem = visible_problems(request.user).filter(pk=pk).first()
    if problem is None:
        raise Http404("Проблема не найдена.")
    return problem


def _member(request: AuthedRequest, problem: Problem, case_id: int) -> Case:
    case = visible_cases(request.user).filter(pk=case_id, problem_link__problem=problem).first()
    if case is None:
        raise Http404("Обращение не найдено в этой проблеме.")
    return case


def _may_work(request: AuthedRequest, problem: Problem) -> bool:
    return may_manage(problem.municipality_id, request.user)


def _status(error: CaseError) -> int:
    if error.code == ErrorCode.NOT_FOUND:
        raise Http404(error.message)
    return ERROR_STATUS[error.code]
