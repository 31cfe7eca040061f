"""The МЦУ's poll pages: the list, the editor (poll, questions, choices, open, close), the
results with bars, and the exports. Each post parses one form, calls one service and goes back
to the poll; a refusal shows the poll again with the reason and a 4xx, never a 500."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.cases.errors import CaseError
from veche.cases.forms import first_error
from veche.org.selectors import primary_municipality
from veche.participation.exports import results_csv, results_xlsx
from veche.participation.forms import PollForm, QuestionForm, poll_initial
from veche.participation.models import Poll, Question
from veche.participation.results import poll_results, visible_polls
from veche.participation.services import (
    add_question,
    close_poll,
    create_poll,
    delete_question,
    may_manage,
    open_poll,
    update_poll,
)
from veche.participation.views.public import STATUS
from veche.web.http import AuthedRequest


def _found(request: AuthedRequest, pk: int) -> Poll:
    poll = visible_polls(request.user).filter(pk=pk).first()
    if poll is None:
        raise Http404("Опрос не найден.")
    return poll


@login_required
@require_GET
def poll_list(request: AuthedRequest) -> HttpResponse:
    polls = visible_polls(request.user).annotate(n_ballots=Count("ballots"))
    municipality = primary_municipality(request.user)
    may_create = municipality is not None and may_manage(request.user, municipality.pk)
    return render(request, "participation/polls.html", {"polls": polls, "may_create": may_create})


@login_required
@require_http_methods(["GET", "POST"])
def poll_new(request: AuthedRequest) -> HttpResponse:
    municipality = primary_municipality(request.user)
    if municipality is None or not may_manage(request.user, municipality.pk):
        return HttpResponse("Опросы ведёт МЦУ своего муниципалитета.", status=403)
    form = PollForm(request.POST or None, municipality=municipality)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                poll = create_poll(
                    municipality, form.data_object(), by=request.user, now=timezone.now()
                )
            except CaseError as err:
                error, status = err.message, STATUS[err.code]
            else:
                return redirect("participation:poll", pk=poll.pk)
        else:
            error, status = first_error(form), 400
    return render(
        request, "participation/poll_new.html", {"form": form, "error": error}, status=status
    )


def _editor(
    request: AuthedRequest,
    poll: Poll,
    *,
    error: str = "",
    status: int = 200,
    form: PollForm | None = None,
    question_form: QuestionForm | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "poll": poll,
        "questions": poll.questions.prefetch_related("choices"),
        "may_manage": may_manage(request.user, poll.municipality_id),
        "form": form or PollForm(initial=poll_initial(poll), municipality=poll.municipality),
        "question_form": question_form or QuestionForm(),
        "ballots": poll.ballots.count(),
        "public_url": request.build_absolute_uri(f"/public/polls/{poll.public_key}/"),
        "error": error,
    }
    return render(request, "participation/poll.html", context, status=status)


@login_required
@require_GET
def poll_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _editor(request, _found(request, pk))


@login_required
@require_POST
def poll_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    poll = _found(request, pk)
    form = PollForm(request.POST, municipality=poll.municipality)
    if not form.is_valid():
        return _editor(request, poll, error=first_error(form), status=400, form=form)
    try:
        update_poll(poll, form.data_object(), by=request.user)
    except CaseError as err:
        return _editor(request, poll, error=err.message, status=STATUS[err.code], form=form)
    return redirect("participation:poll", pk=pk)


@login_required
@require_POST
def question_add(request: AuthedRequest, pk: int) -> HttpResponse:
    poll = _found(request, pk)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return _editor(request, poll, error=first_error(form), status=400, question_form=form)
    d = form.cleaned_data
    try:
        add_question(
            poll,
            text=d["text"],
            kind=d["kind"],
            required=d["required"],
            choices=form.choice_list(),
            by=request.user,
        )
    except CaseError as err:
        return _editor(
            request, poll, error=err.message, status=STATUS[err.code], question_form=form
        )
    return redirect("participation:poll", pk=pk)


@login_required
@require_POST
def question_delete(request: AuthedRequest, pk: int, question_pk: int) -> HttpResponse:
    poll = _found(request, pk)
    question = Question.objects.filter(pk=question_pk, poll=poll).first()
    if question is None:
        raise Http404("Вопрос не найден.")
    try:
        delete_question(question, by=request.user)
    except CaseError as err:
        return _editor(request, poll, error=err.message, status=STATUS[err.code])
    return redirect("participation:poll", pk=pk)


@login_required
@require_POST
def poll_status(request: AuthedRequest, pk: int, to: str) -> HttpResponse:
    poll = _found(request, pk)
    try:
        if to == "open":
            open_poll(poll, by=request.user, now=timezone.now())
        else:
            close_poll(poll, by=request.user, now=timezone.now())
    except CaseError as err:
        return _editor(request, poll, error=err.message, status=STATUS[err.code])
    return redirect("participation:poll", pk=pk)


@login_required
@require_GET
def poll_results_page(request: AuthedRequest, pk: int) -> HttpResponse:
    poll = _found(request, pk)
    context = {"poll": poll, "results": poll_results(poll)}
    return render(request, "participation/results.html", context)


@login_required
@require_GET
def poll_export(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    poll = _found(request, pk)
    results = poll_results(poll)
    if fmt == "xlsx":
        body = results_xlsx(results)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, kind = results_csv(results), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="poll-{poll.pk}.{fmt}"'
    return response
