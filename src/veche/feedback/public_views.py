"""The citizen's rating page, reached by the link under an answer: no login, no personal
data (the case number and the answer the citizen already has), works without JavaScript."""

import zoneinfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from veche.feedback.forms import SurveyForm
from veche.feedback.models import Survey
from veche.feedback.services import (
    SurveyError,
    SurveyErrorCode,
    check_open,
    find,
    rate_survey,
    thanks,
)
from veche.intake.throttle import within_limit

PER_HOUR = 20  # ratings one address may send in an hour (a household shares one)
GONE_STATUS = {
    SurveyErrorCode.NOT_FOUND: 404,
    SurveyErrorCode.ANSWERED: 400,
    SurveyErrorCode.EXPIRED: 410,
    SurveyErrorCode.INVALID: 400,
}


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    try:
        found = find(token)
        _local_time(found)
        check_open(found, now=now)
    except SurveyError as exc:
        return _gone(request, exc)
    form = SurveyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not _within_limit(request):
            form.add_error(None, "Слишком много оценок с вашего адреса. Попробуйте через час.")
            status = 429
        elif form.is_valid():
            try:
                rate_survey(found, form.rating_given(), via="web", now=now)
            except SurveyError as exc:
                return _gone(request, exc)
            return redirect("feedback:survey_thanks", token=token)
        else:
            status = 400
    context = {"survey": found, "case": found.case, "municipality": found.case.municipality}
    return _page(request, "feedback/survey.html", {**context, "form": form}, status)


@require_GET
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = find(token)
    except SurveyError as exc:
        return _gone(request, exc)
    if found.answered_at is None:
        return redirect("feedback:survey", token=token)
    context = {"survey": found, "municipality": found.case.municipality, "thanks": thanks(found)}
    return _page(request, "feedback/survey_thanks.html", context, 200)


def _gone(request: HttpRequest, error: SurveyError) -> HttpResponse:
    context = {"message": error.message, "answered": error.code == SurveyErrorCode.ANSWERED}
    return _page(request, "feedback/survey_gone.html", context, GONE_STATUS[error.code])


def _page(
    request: HttpRequest, template: str, context: dict[str, object], status: int
) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    # The token stays out of other sites' logs. Not «no-referrer»: with it a browser posts the
    # form with «Origin: null», and Django's CSRF check refuses the citizen's rating.
    response["Referrer-Policy"] = "same-origin"
    return response


def _local_time(survey: Survey) -> None:
    timezone.activate(zoneinfo.ZoneInfo(survey.case.municipality.time_zone))


def _within_limit(request: HttpRequest) -> bool:
    address = request.META.get("REMOTE_ADDR", "")
    return within_limit("survey", address, limit=PER_HOUR, window_s=3600, now=timezone.now())
