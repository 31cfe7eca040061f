"""The privacy pages for the МЦУ's head and administrator: retention terms, legal holds,
destruction acts, the access log and subjects' requests. Thin: parse, call a service or a
selector, render (STYLE.md habit 5)."""

import tempfile
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from veche.cases.models import Case
from veche.cases.services.personal_data import verify_access_chain
from veche.org.models import Municipality
from veche.privacy import selectors
from veche.privacy.documents import act_xlsx
from veche.privacy.errors import ErrorCode, PrivacyError
from veche.privacy.export import write_subject_export
from veche.privacy.forms import (
    AccessFilterForm,
    HoldForm,
    RequestDateForm,
    RuleForm,
    SubjectForm,
)
from veche.privacy.models import LegalHold
from veche.privacy.rights import managed_municipality_ids
from veche.privacy.services import (
    delete_retention_rule,
    place_legal_hold,
    release_legal_hold,
    set_retention_rule,
)
from veche.web.http import AuthedRequest

LOG_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _municipalities(request: AuthedRequest) -> list[Municipality]:
    found = list(
        Municipality.objects.filter(pk__in=managed_municipality_ids(request.user)).order_by("pk")
    )
    if not found:
        raise PermissionDenied("Персональными данными управляют руководитель и администратор МЦУ.")
    return found


def _raise(error: PrivacyError) -> None:
    if error.code == ErrorCode.NOT_FOUND:
        raise Http404(error.message)
    if error.code == ErrorCode.FORBIDDEN:
        raise PermissionDenied(error.message)


def _index(request: AuthedRequest, *, status: int = 200, **forms: Any) -> HttpResponse:
    municipalities = _municipalities(request)
    choices = [(m.pk, m.name) for m in municipalities]
    context = {
        "rules": selectors.retention_rules(request.user),
        "holds": selectors.active_holds(request.user),
        "acts": selectors.destruction_acts(request.user)[:50],
        "rule_form": forms.get("rule_form") or RuleForm(municipalities=choices),
        "hold_form": forms.get("hold_form") or HoldForm(),
        "subject_form": forms.get("subject_form") or SubjectForm(),
        "error": forms.get("error", ""),
    }
    return render(request, "privacy/index.html", context, status=status)


@login_required
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    return _index(request)


@login_required
@require_POST
def save_rule(request: AuthedRequest) -> HttpResponse:
    choices = [(m.pk, m.name) for m in _municipalities(request)]
    form = RuleForm(request.POST, municipalities=choices)
    if not form.is_valid():
        return _index(request, status=400, rule_form=form)
    data = form.cleaned_data
    try:
        set_retention_rule(
            Municipality.objects.get(pk=data["municipality"]),
            regime=data["regime"],
            status=data["status"],
            days=data["days"],
            by=request.user,
            now=timezone.now(),
        )
    except PrivacyError as error:
        _raise(error)
        return _index(request, status=400, rule_form=form, error=error.message)
    return redirect("privacy:index")


@login_required
@require_POST
def delete_rule(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = selectors.retention_rules(request.user).filter(pk=pk).first()
    if rule is None:
        raise Http404("Правило не найдено.")
    try:
        delete_retention_rule(rule, by=request.user)
    except PrivacyError as error:
        _raise(error)
    return redirect("privacy:index")


@login_required
@require_POST
def place_hold(request: AuthedRequest) -> HttpResponse:
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _index(request, status=400, hold_form=form)
    try:
        case = selectors.managed_case(request.user, form.cleaned_data["number"])
        place_legal_hold(
            case, reason=form.cleaned_data["reason"], by=request.user, now=timezone.now()
        )
    except PrivacyError as error:
        if error.code == ErrorCode.FORBIDDEN:
            raise PermissionDenied(error.message) from None
        return _index(request, status=400, hold_form=form, error=error.message)
    return redirect("privacy:index")


@login_required
@require_POST
def release_hold(request: AuthedRequest, pk: int) -> HttpResponse:
    hold = selectors.active_holds(request.user).filter(pk=pk).first()
    if hold is None:
        raise Http404("Запрет не найден или уже снят.")
    try:
        release_legal_hold(hold, by=request.user, now=timezone.now())
    except PrivacyError as error:
        _raise(error)
        return _index(request, status=400, error=error.message)
    return redirect("privacy:index")


@login_required
@require_GET
def act_download(request: AuthedRequest, pk: int) -> HttpResponse:
    act = selectors.destruction_acts(request.user).filter(pk=pk).first()
    if act is None:
        raise Http404("Акт не найден.")
    response = HttpResponse(act_xlsx(act), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="act-{act.number}.xlsx"'
    return response


@login_required
@require_GET
def access_log_page(request: AuthedRequest) -> HttpResponse:
    _municipalities(request)
    form = AccessFilterForm(request.GET or None)
    filters = selectors.AccessFilter()
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            filters = selectors.AccessFilter(
                user=data["user"].strip(),
                citizen_id=data["citizen"],
                since=data["since"],
                until=data["until"],
            )
        else:
            status = 400
    zone = ZoneInfo(settings.TIME_ZONE)
    if request.municipality is not None:
        zone = ZoneInfo(request.municipality.time_zone)
    rows = selectors.access_log(request.user, filters, zone=zone)
    page = Paginator(rows, LOG_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("verify", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "check": (
            verify_access_chain(sorted(managed_municipality_ids(request.user)))
            if request.GET.get("verify")
            else None
        ),
    }
    return render(request, "privacy/access_log.html", context, status=status)


@login_required
@require_GET
def find_subject(request: AuthedRequest) -> HttpResponse:
    form = SubjectForm(request.GET)
    if not form.is_valid():
        return _index(request, status=400, subject_form=form)
    try:
        case = selectors.managed_case(request.user, form.cleaned_data["number"])
    except PrivacyError as error:
        return _index(request, status=404, subject_form=form, error=error.message)
    if case.author_id is None:
        return _index(
            request, status=404, subject_form=form, error="У обращения нет сведений о заявителе."
        )
    return redirect("privacy:subject", pk=case.author_id)


@login_required
@require_GET
def subject(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        citizen = selectors.managed_citizen(request.user, pk)
    except PrivacyError as error:
        raise Http404(error.message) from None
    form = RequestDateForm(request.GET or None)
    received = timezone.localdate()
    status = 200
    if form.is_bound:
        if form.is_valid():
            received = form.cleaned_data["received"] or received
        else:
            status = 400
    cases = Case.objects.filter(author=citizen).order_by("-received_at", "-pk")
    holds = LegalHold.objects.filter(case__author=citizen, released_at=None)
    context = {
        "citizen": citizen,
        "cases": cases[:200],
        "holds": holds,
        "form": form,
        "terms": selectors.subject_request_terms(citizen.municipality, received),
    }
    return render(request, "privacy/subject.html", context, status=status)


@login_required
@require_POST
def subject_export(request: AuthedRequest, pk: int) -> FileResponse:
    try:
        citizen = selectors.managed_citizen(request.user, pk)
    except PrivacyError as error:
        raise Http404(error.message) from None
    # Spooled: in memory while small, a temporary file for many attachments.
    target = tempfile.SpooledTemporaryFile(max_size=16 * 2**20)  # noqa: SIM115 - FileResponse closes it
    try:
        write_subject_export(citizen, target, by=request.user, now=timezone.now())
    except PrivacyError as error:
        target.close()
        _raise(error)
        raise
    target.seek(0)
    return FileResponse(
        target,
        as_attachment=True,
        filename=f"citizen-{citizen.pk}.zip",
        content_type="application/zip",
    )
