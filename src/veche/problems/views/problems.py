"""Problems: the list of a municipality's problems, one problem with its cases, and taking
a case out of a problem (an officer's correction)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from veche.cases.errors import CaseError
from veche.cases.selectors import visible_cases
from veche.problems.models import Problem
from veche.problems.selectors import problem_cases, visible_problems
from veche.problems.services import move_case
from veche.web.http import AuthedRequest

PAGE_SIZE = 50


@login_required
@require_GET
def problem_list(request: AuthedRequest) -> HttpResponse:
    problems = visible_problems(request.user).filter(case_count__gt=1)
    if request.GET.get("status") in Problem.Status.values:
        problems = problems.filter(status=request.GET["status"])
    page = Paginator(problems.order_by("-last_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "problems/list.html", {"page": page, "status": request.GET.get("status", "")}
    )


@login_required
@require_GET
def problem_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    problem = _visible(request, pk)
    cases = list(problem_cases(request.user, problem))
    return render(request, "problems/detail.html", {"problem": problem, "cases": cases})


@login_required
@require_POST
def remove_case(request: AuthedRequest, pk: int, case_id: int) -> HttpResponse:
    problem = _visible(request, pk)
    case = visible_cases(request.user).filter(pk=case_id, problem_link__problem=problem).first()
    if case is None:
        raise Http404("Обращение не найдено в этой проблеме.")
    try:
        move_case(case, None, by=request.user, now=timezone.now())
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{case.number} больше не относится к проблеме.")
    return redirect("problems:detail", pk=problem.pk)


def _visible(request: AuthedRequest, pk: int) -> Problem:
    problem = visible_problems(request.user).filter(pk=pk).first()
    if problem is None:
        raise Http404("Проблема не найдена.")
    return problem
