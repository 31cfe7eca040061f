"""The residents' pages of a poll and of a discussion: no staff login, CSRF on every form.

A poll page walks one resident through: the e-mail or phone → the code → the ballot → thanks;
the session remembers only which voter row he confirmed for this poll. Results are shown to
residents once the poll is closed, if the МЦУ made them public. A refused step shows the
same page with the reason and a 4xx, never a 500."""

import uuid
import zoneinfo
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.cases.errors import CaseError, ErrorCode
from veche.participation.discussions import discussion_open, post_comment, published_comments
from veche.participation.models import Ballot, Discussion, Poll, Voter
from veche.participation.results import poll_results
from veche.participation.voting import (
    accepting,
    cast_ballot,
    confirm_code,
    parse_selections,
    request_code,
    voter_for_user,
)

STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TRANSITION_NOT_ALLOWED: 409,
    ErrorCode.INVALID: 400,
}


def _poll(key: uuid.UUID) -> Poll:
    found = (
        Poll.objects.select_related("municipality", "territory")
        .exclude(status=Poll.Status.DRAFT)
        .filter(public_key=key)
        .first()
    )
    if found is None:
        raise Http404("Опрос не найден.")
    timezone.activate(zoneinfo.ZoneInfo(found.municipality.time_zone))
    return found


def _session_key(poll: Poll) -> str:
    return f"participation.voter.{poll.pk}"


def _voter(request: HttpRequest, poll: Poll) -> Voter | None:
    voter_id = request.session.get(_session_key(poll))
    if not isinstance(voter_id, int):
        return None
    return Voter.objects.filter(pk=voter_id, poll=poll).first()


def _client(request: HttpRequest) -> tuple[str, str]:
    return request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_USER_AGENT", "")


def _page(request: HttpRequest, poll: Poll, *, error: str = "", status: int = 200) -> HttpResponse:
    voter = _voter(request, poll)
    now = timezone.now()
    step = "closed"
    if voter is not None and Ballot.objects.filter(poll=poll, voter=voter).exists():
        step = "voted"
    elif accepting(poll, now):
        step = "identify" if voter is None else ("vote" if voter.confirmed_at else "code")
    context: dict[str, Any] = {
        "poll": poll,
        "municipality": poll.municipality,
        "step": step,
        "error": error,
        "questions": poll.questions.prefetch_related("choices") if step == "vote" else [],
        "results_shown": poll.results_public and poll.status == Poll.Status.CLOSED,
    }
    response = render(request, "participation/public/poll.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def poll(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    return _page(request, _poll(key))


@require_POST
def identify(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    found = _poll(key)
    ip, agent = _client(request)
    try:
        if found.confirmation == Poll.Confirmation.LOGIN:
            if not request.user.is_authenticated:
                raise CaseError(ErrorCode.FORBIDDEN, "Войдите в систему, чтобы проголосовать.")
            voter = voter_for_user(found, request.user, ip=ip, agent=agent, now=timezone.now())
        else:
            address = str(request.POST.get("identity", ""))
            voter = request_code(found, address, ip=ip, agent=agent, now=timezone.now())
    except CaseError as error:
        return _page(request, found, error=error.message, status=STATUS[error.code])
    request.session[_session_key(found)] = voter.pk
    return redirect("public_participation:poll", key=key)


@require_POST
def confirm(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    found = _poll(key)
    voter = _voter(request, found)
    if voter is None:
        return _page(request, found, error="Сначала запросите код.", status=400)
    try:
        voter = confirm_code(found, voter.pk, str(request.POST.get("code", "")), now=timezone.now())
    except CaseError as error:
        return _page(request, found, error=error.message, status=STATUS[error.code])
    if voter.confirmed_at is None:
        return _page(request, found, error="Код неверный или устарел.", status=400)
    return redirect("public_participation:poll", key=key)


@require_POST
def vote(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    found = _poll(key)
    voter = _voter(request, found)
    if voter is None:
        return _page(request, found, error="Сначала подтвердите, что голосуете вы.", status=403)
    questions = list(found.questions.prefetch_related("choices"))
    raw = {q.pk: [str(v) for v in request.POST.getlist(f"q{q.pk}")] for q in questions}
    try:
        selections = parse_selections(questions, raw)
        cast_ballot(
            found,
            voter.pk,
            selections,
            ip=_client(request)[0],
            now=timezone.now(),
            resident=request.POST.get("resident") == "on",
        )
    except CaseError as error:
        return _page(request, found, error=error.message, status=STATUS[error.code])
    return redirect("public_participation:poll", key=key)


@require_GET
def results(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    found = _poll(key)
    if not (found.results_public and found.status == Poll.Status.CLOSED):
        raise Http404("Итоги ещё не опубликованы.")
    context = {"poll": found, "municipality": found.municipality, "results": poll_results(found)}
    response = render(request, "participation/public/results.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def discussion(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    found = Discussion.objects.select_related("municipality").filter(public_key=key).first()
    if found is None:
        raise Http404("Обсуждение не найдено.")
    timezone.activate(zoneinfo.ZoneInfo(found.municipality.time_zone))
    error, status, posted = "", 200, False
    name, text = str(request.POST.get("name", "")), str(request.POST.get("text", ""))
    if request.method == "POST":
        try:
            post_comment(
                found, author_name=name, text=text, ip=_client(request)[0], now=timezone.now()
            )
        except CaseError as err:
            error, status = err.message, STATUS[err.code]
        else:
            posted, name, text = True, "", ""
    context = {
        "discussion": found,
        "municipality": found.municipality,
        "comments": published_comments(found),
        "open": discussion_open(found, timezone.now()),
        "error": error,
        "posted": posted,
        "name": name,
        "text": text,
    }
    response = render(request, "participation/public/discussion.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
