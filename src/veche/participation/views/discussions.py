"""The МЦУ's discussion pages: the list, a new discussion, and one discussion with its
comments to moderate (publish or reject; nothing is shown to residents before that)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.cases.errors import CaseError
from veche.cases.forms import first_error
from veche.org.selectors import primary_municipality
from veche.participation.discussions import (
    create_discussion,
    moderate_comment,
    visible_discussions,
)
from veche.participation.forms import DiscussionForm
from veche.participation.models import Comment, Discussion
from veche.participation.services import may_manage
from veche.participation.views.public import STATUS
from veche.web.http import AuthedRequest


def _found(request: AuthedRequest, pk: int) -> Discussion:
    found = visible_discussions(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("Обсуждение не найдено.")
    return found


@login_required
@require_GET
def discussion_list(request: AuthedRequest) -> HttpResponse:
    rows = visible_discussions(request.user).annotate(
        pending=Count("comments", filter=Q(comments__state=Comment.State.PENDING))
    )
    municipality = primary_municipality(request.user)
    may_create = municipality is not None and may_manage(request.user, municipality.pk)
    context = {"discussions": rows, "may_create": may_create}
    return render(request, "participation/discussions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def discussion_new(request: AuthedRequest) -> HttpResponse:
    municipality = primary_municipality(request.user)
    if municipality is None or not may_manage(request.user, municipality.pk):
        return HttpResponse("Обсуждения ведёт МЦУ своего муниципалитета.", status=403)
    form = DiscussionForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                found = create_discussion(
                    municipality, form.data_object(), by=request.user, now=timezone.now()
                )
            except CaseError as err:
                error, status = err.message, STATUS[err.code]
            else:
                return redirect("participation:discussion", pk=found.pk)
        else:
            error, status = first_error(form), 400
    context = {"form": form, "error": error}
    return render(request, "participation/discussion_new.html", context, status=status)


@login_required
@require_GET
def discussion_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    found = _found(request, pk)
    context = {
        "discussion": found,
        "comments": found.comments.all(),
        "may_manage": may_manage(request.user, found.municipality_id),
        "public_url": request.build_absolute_uri(f"/public/polls/discussions/{found.public_key}/"),
    }
    return render(request, "participation/discussion.html", context)


@login_required
@require_POST
def comment_moderate(request: AuthedRequest, pk: int, comment_pk: int) -> HttpResponse:
    found = _found(request, pk)
    comment = found.comments.filter(pk=comment_pk).first()
    if comment is None:
        raise Http404("Комментарий не найден.")
    decision = request.POST.get("decision", "")
    if decision not in ("publish", "reject"):
        return HttpResponse("Выберите: опубликовать или отклонить.", status=400)
    try:
        moderate_comment(
            comment, publish=decision == "publish", by=request.user, now=timezone.now()
        )
    except CaseError as err:
        return HttpResponse(err.message, status=STATUS[err.code])
    return redirect("participation:discussion", pk=pk)
