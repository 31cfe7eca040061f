"""Recurring problems not yet named (problems.recurring): the ranked candidates of a
municipality with their evidence, and naming one as a problem. Only for people who see the
whole municipality; naming needs the right to work there."""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.selectors import visible_cases
from veche.catalog.models import Topic
from veche.org.access import Action
from veche.org.models import Municipality, Territory
from veche.org.selectors import actor_scope
from veche.problems.recurring import find_candidates
from veche.problems.selectors import may_manage
from veche.problems.services import create_problem
from veche.web.http import AuthedRequest

SHOWN = 50
MAX_CASES = 2000
NO_VIEW = "Повторяющиеся проблемы видны тем, кто видит все обращения муниципального образования."
NO_WORK = "Называть проблемы может тот, кто работает со всеми обращениями МО."
ERROR_STATUS = {ErrorCode.FORBIDDEN: 403, ErrorCode.NOT_FOUND: 404}


class PageQuery(forms.Form):
    municipality = forms.IntegerField(required=False, min_value=1)
    at = forms.DateField(required=False, input_formats=["%Y-%m-%d"])


class NameForm(forms.Form):
    municipality = forms.IntegerField(min_value=1)
    title = forms.CharField(max_length=300, label="Название")
    topic = forms.ModelChoiceField(Topic.objects.all(), required=False, label="Тема")
    territory = forms.IntegerField(required=False, min_value=1)
    place = forms.CharField(max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        values = self.data.getlist("case") if hasattr(self.data, "getlist") else []
        try:
            ids = sorted({int(v) for v in values})
        except ValueError:
            raise forms.ValidationError("Номера обращений должны быть числами.") from None
        if not ids or len(ids) > MAX_CASES:
            raise forms.ValidationError(f"Отметьте от 1 до {MAX_CASES} обращений.")
        data["cases"] = ids
        return data


@login_required
@require_GET
def candidate_list(request: AuthedRequest) -> HttpResponse:
    query = PageQuery(request.GET)
    if not query.is_valid():
        return _error(request, "Неверный адрес страницы: проверьте МО и дату.")
    municipality = _viewed(request, query.cleaned_data["municipality"])
    day: date | None = query.cleaned_data["at"]
    now = _end_of(day, municipality) if day else timezone.now()
    candidates = find_candidates(municipality, now=now, limit=SHOWN)
    numbers = dict(
        visible_cases(request.user)
        .filter(pk__in={pk for c in candidates for pk in c.case_ids})
        .values_list("pk", "number")
    )
    scope = actor_scope(request.user)
    context = {
        "tab": "candidates",
        "municipality": municipality,
        "municipalities": Municipality.objects.filter(
            pk__in=scope.municipality_ids(Action.VIEW)
        ).order_by("name"),
        "rows": [
            {"candidate": c, "numbers": [(pk, numbers[pk]) for pk in c.case_ids if pk in numbers]}
            for c in candidates
        ],
        "may_name": may_manage(municipality.pk, request.user),
        "at": day,
        "shown": SHOWN,
    }
    return render(request, "problems/candidates.html", context)


@login_required
@require_POST
def name_candidate(request: AuthedRequest) -> HttpResponse:
    form = NameForm(request.POST)
    if not form.is_valid():
        return _error(request, _first_error(form))
    data = form.cleaned_data
    municipality = _viewed(request, data["municipality"])
    if not may_manage(municipality.pk, request.user):
        raise PermissionDenied(NO_WORK)
    cases = list(
        visible_cases(request.user)
        .filter(municipality=municipality, pk__in=data["cases"])
        .exclude(problem_link__problem__named_at__isnull=False)
    )
    if not cases:
        raise Http404("Обращения не найдены или уже отнесены к названной проблеме.")
    territory = None
    if data["territory"]:
        territory = Territory.objects.filter(
            pk=data["territory"], municipality=municipality
        ).first()
    try:
        problem = create_problem(
            municipality,
            title=data["title"],
            cases=cases,
            by=request.user,
            now=timezone.now(),
            topic=data["topic"],
            territory=territory,
            place=data["place"],
        )
    except CaseError as error:
        if ERROR_STATUS.get(error.code) == 403:
            raise PermissionDenied(error.message) from error
        return _error(request, error.message)
    messages.success(request, f"Проблема «{problem.title}» названа: обращений {len(cases)}.")
    return redirect("problems:detail", pk=problem.pk)


def _viewed(request: AuthedRequest, pk: int | None) -> Municipality:
    """The municipality whose candidates are asked for, seen as a whole by the actor."""
    allowed = actor_scope(request.user).municipality_ids(Action.VIEW)
    if pk is None:
        if not allowed:
            raise PermissionDenied(NO_VIEW)
        own = request.municipality
        pk = own.pk if own is not None and own.pk in allowed else min(allowed)
    if pk not in allowed:
        raise Http404("Муниципальное образование не найдено.")
    return Municipality.objects.get(pk=pk)


def _end_of(day: date, municipality: Municipality) -> datetime:
    """The candidates as they were at the end of that local day."""
    return datetime.combine(day + timedelta(days=1), time.min, ZoneInfo(municipality.time_zone))


def _error(request: AuthedRequest, message: str) -> HttpResponse:
    return render(
        request, "problems/candidates.html", {"tab": "candidates", "error": message}, status=400
    )


def _first_error(form: forms.Form) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return "Неверные данные формы."
