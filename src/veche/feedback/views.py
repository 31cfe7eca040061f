"""The brush-off check of a draft answer, shown on the case card beside the draft."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from veche.cases.models import Answer
from veche.cases.selectors import visible_cases
from veche.feedback.checks import blocking_failures, check_stored_answer
from veche.feedback.models import AnswerCheck
from veche.org.access import Action
from veche.org.selectors import actor_scope
from veche.web.http import AuthedRequest


@login_required
@require_GET
def answer_check(request: AuthedRequest, pk: int) -> HttpResponse:
    answer = (
        Answer.objects.filter(pk=pk, case__in=visible_cases(request.user))
        .select_related("case")
        .first()
    )
    if answer is None or not actor_scope(request.user).can(Action.WORK, answer.case):
        raise Http404("Ответ не найден.")
    # A sent answer's check is history: the verdict it went out with (the analytics count it).
    stored = AnswerCheck.objects.filter(answer=answer).first()
    if answer.state == Answer.State.SENT and stored is not None:
        check = stored
    else:
        check = check_stored_answer(answer, now=timezone.now())
    context = {"check": check, "blocking": blocking_failures(check)}
    return render(request, "feedback/_answer_check.html", context)
