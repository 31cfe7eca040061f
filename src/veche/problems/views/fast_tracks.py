"""Fast-track mechanisms: the list with each one's figures, one mechanism with its settings,
figures and cases, and creating (from a named problem), changing and stopping one.

Everyone who sees a municipality's problems sees its mechanisms; only those who configure the
municipality (`Action.CONFIGURE`: a mechanism's rule is a setting) create, change or stop them.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.cases.errors import ErrorCode
from veche.cases.models import Case
from veche.cases.selectors import visible_cases
from veche.catalog.forms import TopicChoiceField, territory_tree, topic_choices
from veche.catalog.models import AnswerTemplate, Topic
from veche.org.access import Action
from veche.org.models import Department, Municipality, Territory
from veche.org.selectors import actor_scope
from veche.problems.fast_track_effect import (
    MIN_SAMPLE,
    Timing,
    fast_track_effect,
    handled_cases,
    timings,
    windows,
)
from veche.problems.fast_tracks import (
    NO_RIGHTS,
    NOT_NAMED,
    TARGET_MAX,
    TARGET_MIN,
    FastTrackError,
    create_fast_track,
    stop_fast_track,
    update_fast_track,
)
from veche.problems.models import FastTrack, Problem
from veche.problems.selectors import visible_problems
from veche.web.http import AuthedRequest

PAGE_SIZE = 50
DETAIL_RELATED = (
    "problem",
    "municipality",
    "department",
    "answer_template",
    "created_by",
    "rule__topic__parent",
    "rule__territory",
    "rule__channel",
    "rule__department",
)
FIELDS = ("name", "department", "target_days", "topic", "territory", "keywords")


class FastTrackForm(forms.Form):
    """The mechanism's settings; the service checks them again (and the catalog the rule)."""

    name = forms.CharField(label="Название механизма", max_length=200)
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label="Исполнитель", empty_label="выберите"
    )
    target_days = forms.IntegerField(
        label="Целевой срок, дней",
        min_value=TARGET_MIN,
        max_value=TARGET_MAX,
        help_text="календарных дней с поступления; законный срок остаётся прежним",
    )
    topic = TopicChoiceField(
        queryset=Topic.objects.none(), required=False, label="Тема или группа", empty_label="любая"
    )
    territory = forms.ModelChoiceField(
        queryset=Territory.objects.none(), required=False, label="Территория"
    )
    keywords = forms.CharField(
        label="Ключевые слова",
        max_length=1000,
        required=False,
        help_text="через запятую; хватит одного; в любой форме: «яма» найдёт «ямы», «ям»",
    )
    template = forms.ModelChoiceField(
        queryset=AnswerTemplate.objects.none(),
        required=False,
        label="Готовый шаблон ответа",
        empty_label="нет",
    )
    template_text = forms.CharField(
        label="или текст нового шаблона",
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="подстановки: {номер}, {дата}, {тема}, {адрес}, {исполнитель}, "
        "{телефон_исполнителя}; шаблон предлагается к обращениям темы правила",
    )

    def __init__(self, data: Any = None, *, municipality: Municipality, initial: Any = None):
        super().__init__(data, initial=initial)
        fields: dict[str, Any] = self.fields
        fields["department"].queryset = Department.objects.filter(
            municipality=municipality, is_active=True
        ).order_by("name")
        fields["topic"].queryset = topic_choices()
        fields["territory"].queryset = Territory.objects.filter(municipality=municipality)
        fields["territory"].choices = [("", "любая")] + [
            (t.pk, "\u2003" * depth + t.name) for t, depth in territory_tree(municipality)
        ]
        fields["template"].queryset = AnswerTemplate.objects.filter(
            Q(municipality=municipality) | Q(municipality__isnull=True), is_active=True
        ).order_by("name")

    def settings(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in (*FIELDS, "template", "template_text")}


@dataclass(frozen=True)
class CaseRow:
    case: Case
    timing: Timing | None


# --- pages ----------------------------------------------------------------------------------


@login_required
@require_GET
def fast_track_list(request: AuthedRequest) -> HttpResponse:
    tracks = (
        FastTrack.objects.filter(problem__in=visible_problems(request.user))
        .select_related("problem", "department", "municipality", "rule")
        .order_by("stopped_at", "-started_at", "-pk")
    )
    page = Paginator(tracks, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    context = {
        "tab": "fast_tracks",
        "page": page,
        "effects": [fast_track_effect(track, now=now) for track in page.object_list],
        "min_sample": MIN_SAMPLE,
    }
    return render(request, "problems/fast_tracks.html", context)


@login_required
@require_GET
def fast_track_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    track = _visible(request, pk)
    now = timezone.now()
    after, _ = windows(track, now=now)
    handled = handled_cases(track, after)
    shown = (
        visible_cases(request.user)
        .filter(pk__in=handled.values("pk"))
        .select_related("department", "channel")
        .order_by("-received_at", "-pk")
    )
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    cases = list(page.object_list)
    timing = {
        t.case_id: t
        for t in timings(track, shown.filter(pk__in=[c.pk for c in cases]), after.horizon)
    }
    context = {
        "tab": "fast_tracks",
        "track": track,
        "effect": fast_track_effect(track, now=now),
        "page": page,
        "rows": [CaseRow(case, timing.get(case.pk)) for case in cases],
        "can_configure": _can_configure(request, track.municipality_id),
        "min_sample": MIN_SAMPLE,
    }
    return render(request, "problems/fast_track.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def fast_track_new(request: AuthedRequest) -> HttpResponse:
    raw = request.POST.get("problem") or request.GET.get("problem") or ""
    if not raw.isdigit():
        return _refused(request, "Механизм создаётся со страницы проблемы: проблема не указана.")
    problem = visible_problems(request.user).filter(pk=int(raw)).first()
    if problem is None:
        raise Http404("Проблема не найдена.")
    _require_configure(request, problem.municipality_id)
    if problem.named_at is None:
        return _refused(request, NOT_NAMED, problem=problem)
    initial = {"name": problem.title[:200], "topic": problem.topic_id}
    initial |= {"territory": problem.territory_id, "department": problem.department_id}
    form = FastTrackForm(request.POST or None, municipality=problem.municipality, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            track = create_fast_track(
                problem, **form.settings(), by=request.user, now=timezone.now()
            )
        except FastTrackError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Механизм «{track.name}» действует; его правило — первое.")
            return redirect("problems:fast_track", pk=track.pk)
    return _form_page(request, form, problem=problem)


@login_required
@require_http_methods(["GET", "POST"])
def fast_track_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    track = _visible(request, pk)
    _require_configure(request, track.municipality_id)
    if track.stopped_at is not None:
        return _refused(request, "Механизм остановлен: его нельзя изменить.", track=track)
    form = FastTrackForm(
        request.POST or None, municipality=track.municipality, initial=_initial(track)
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_fast_track(track, **form.settings(), by=request.user, now=timezone.now())
        except FastTrackError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Механизм изменён.")
            return redirect("problems:fast_track", pk=track.pk)
    return _form_page(request, form, problem=track.problem, track=track)


@login_required
@require_POST
def fast_track_stop(request: AuthedRequest, pk: int) -> HttpResponse:
    track = _visible(request, pk)
    _require_configure(request, track.municipality_id)
    try:
        stop_fast_track(track, by=request.user, now=timezone.now())
    except FastTrackError as error:
        if error.code == ErrorCode.FORBIDDEN:
            raise PermissionDenied(error.message) from error
        messages.error(request, error.message)
    else:
        messages.success(request, "Механизм остановлен, его правило выключено.")
    return redirect("problems:fast_track", pk=track.pk)


# --- helpers --------------------------------------------------------------------------------


def _visible(request: AuthedRequest, pk: int) -> FastTrack:
    track = (
        FastTrack.objects.filter(pk=pk, problem__in=visible_problems(request.user))
        .select_related(*DETAIL_RELATED)
        .first()
    )
    if track is None:
        raise Http404("Механизм не найден.")
    return track


def _can_configure(request: AuthedRequest, municipality_id: int) -> bool:
    return municipality_id in actor_scope(request.user).municipality_ids(Action.CONFIGURE)


def _require_configure(request: AuthedRequest, municipality_id: int) -> None:
    if not _can_configure(request, municipality_id):
        raise PermissionDenied(NO_RIGHTS)


def _initial(track: FastTrack) -> dict[str, Any]:
    rule = track.rule
    return {
        "name": track.name,
        "department": track.department_id,
        "target_days": track.target_days,
        "topic": rule.topic_id if rule else None,
        "territory": rule.territory_id if rule else None,
        "keywords": rule.keywords if rule else "",
        "template": track.answer_template_id,
    }


def _form_errors(form: FastTrackForm, error: FastTrackError) -> None:
    if error.code == ErrorCode.FORBIDDEN:
        raise PermissionDenied(error.message) from error
    for field, message in error.fields.items() or [("__all__", error.message)]:
        form.add_error(field if field in form.fields else None, message)


def _form_page(
    request: AuthedRequest, form: FastTrackForm, *, problem: Problem, track: FastTrack | None = None
) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"tab": "fast_tracks", "form": form, "problem": problem, "track": track}
    return render(request, "problems/fast_track_form.html", context, status=status)


def _refused(request: AuthedRequest, message: str, **context: Any) -> HttpResponse:
    """A request that cannot be served as asked: the form page says why, with 400."""
    context = {"tab": "fast_tracks", "error": message, **context}
    return render(request, "problems/fast_track_form.html", context, status=400)
