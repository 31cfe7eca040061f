"""Road map pages: the list with progress and measured effect, one road map with its actions,
documents and effect, the form to create or change one, and the action and document posts.

Each post parses one form, calls one service of `veche.problems.roadmaps`, and goes back to
the road map; a refusal shows the road map again with the reason (400, 403), never a 500.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.forms import first_error
from veche.org.access import Action as Do
from veche.org.models import Municipality
from veche.org.selectors import actor_scope
from veche.problems.effect import local_day, roadmap_effect
from veche.problems.models import Action, ActionDocument, Roadmap
from veche.problems.roadmap_forms import ActionForm, DocumentForm, ProgressForm, RoadmapForm
from veche.problems.roadmap_selectors import roadmap_actions, visible_roadmaps
from veche.problems.roadmaps import (
    add_action,
    attach_document,
    create_roadmap,
    delete_action,
    delete_document,
    move_action,
    report_progress,
    roadmap_progress,
    update_action,
    update_roadmap,
)
from veche.problems.selectors import may_manage, visible_problems
from veche.problems.views.effect_chart import effect_view
from veche.web.http import AuthedRequest

PAGE_SIZE = 25
EARLIEST = date(2000, 1, 1)
ERROR_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TRANSITION_NOT_ALLOWED: 409,
    ErrorCode.INVALID: 400,
}


# --- pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
def roadmap_list(request: AuthedRequest) -> HttpResponse:
    found = visible_roadmaps(request.user)
    status = request.GET.get("status", "")
    if status in Roadmap.Status.values:
        found = found.filter(status=status)
    page = Paginator(found.prefetch_related("actions").order_by("-started_on", "-pk"), PAGE_SIZE)
    current = page.get_page(request.GET.get("page"))
    try:
        on = _on(request)
    except ValueError as error:
        on, status_code, problem = None, 400, str(error)
    else:
        status_code, problem = 200, ""
    now = timezone.now()
    rows = [
        {
            "roadmap": r,
            "progress": roadmap_progress(r.actions.all()),
            "effect": effect_view(roadmap_effect(r, until=_until(r, on, now))),
        }
        for r in current.object_list
    ]
    context = {
        "error": problem,
        "on": on,
        "tab": "roadmaps",
        "page": current,
        "rows": rows,
        "status": status,
        "statuses": Roadmap.Status.choices,
        "may_create": bool(actor_scope(request.user).municipality_ids(Do.WORK)),
    }
    return render(request, "problems/roadmaps.html", context, status=status_code)


@login_required
@require_GET
def roadmap_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The road map; `?on=2026-10-31` measures the effect as it stood at the end of that day."""
    roadmap = _visible(request, pk)
    try:
        on = _on(request)
    except ValueError as error:
        return _detail(request, roadmap, status=400, error=str(error))
    return _detail(request, roadmap, on=on)


@login_required
@require_http_methods(["GET", "POST"])
def roadmap_new(request: AuthedRequest) -> HttpResponse:
    municipality, problem = _new_target(request)
    initial: dict[str, Any] = {"started_on": timezone.localdate(), "status": "draft"}
    if problem is not None:
        initial.update(problem=problem.pk, title=f"Дорожная карта: {problem.title}"[:300])
    form = RoadmapForm(_posted(request), municipality=municipality, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                roadmap = create_roadmap(
                    municipality, form.to_data(), by=request.user, now=timezone.now()
                )
            except CaseError as error:
                form.add_error(None, error.message)
                status = ERROR_STATUS[error.code]
            else:
                messages.success(request, "Дорожная карта создана. Добавьте мероприятия.")
                return redirect("problems:roadmap", pk=roadmap.pk)
        else:
            status = 400
    context = {"tab": "roadmaps", "form": form, "roadmap": None, "municipality": municipality}
    return render(request, "problems/roadmap_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def roadmap_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    roadmap = _visible(request, pk)
    if not may_manage(roadmap.municipality_id, request.user):
        return _detail(request, roadmap, status=403, error="Недостаточно прав для этого действия.")
    municipality = roadmap.municipality
    form = RoadmapForm(
        _posted(request),
        municipality=municipality,
        initial=RoadmapForm.initial_for(roadmap),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                update_roadmap(roadmap, form.to_data(), by=request.user, now=timezone.now())
            except CaseError as error:
                form.add_error(None, error.message)
                status = ERROR_STATUS[error.code]
            else:
                messages.success(request, "Дорожная карта сохранена.")
                return redirect("problems:roadmap", pk=roadmap.pk)
        else:
            status = 400
    context = {"tab": "roadmaps", "form": form, "roadmap": roadmap, "municipality": municipality}
    return render(request, "problems/roadmap_form.html", context, status=status)


@login_required
@require_GET
def document(request: AuthedRequest, pk: int, document_id: int) -> FileResponse:
    """A document of a visible road map, always as a download, never rendered by the browser."""
    roadmap = _visible(request, pk)
    item = ActionDocument.objects.filter(pk=document_id, action__roadmap=roadmap).first()
    if item is None:
        raise Http404("Документ не найден.")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("Файл документа отсутствует.") from error
    response = FileResponse(
        handle, as_attachment=True, filename=item.name, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- posts ----------------------------------------------------------------------------------------

Perform = Callable[[Action], str]


@login_required
@require_POST
def action_add(request: AuthedRequest, pk: int) -> HttpResponse:
    roadmap = _visible(request, pk)
    form = ActionForm(request.POST, municipality=roadmap.municipality, prefix="new")
    if not form.is_valid():
        return _detail(request, roadmap, status=400, error=first_error(form), new_form=form)
    try:
        action = add_action(roadmap, form.to_data(), by=request.user, now=timezone.now())
    except CaseError as error:
        return _detail(
            request, roadmap, status=ERROR_STATUS[error.code], error=error.message, new_form=form
        )
    messages.success(request, f"Мероприятие «{action.title}» добавлено.")
    return _back(roadmap, action)


@login_required
@require_POST
def action_update(request: AuthedRequest, pk: int, action_id: int) -> HttpResponse:
    roadmap = _visible(request, pk)
    action = _action(roadmap, action_id)
    form = ActionForm(request.POST, municipality=roadmap.municipality, prefix=f"a{action.pk}")
    if not form.is_valid():
        return _detail(request, roadmap, status=400, error=first_error(form))
    return _perform(
        request,
        roadmap,
        action,
        lambda a: (
            update_action(a, form.to_data(), by=request.user, now=timezone.now()).title
            + ": сохранено."
        ),
    )


@login_required
@require_POST
def action_progress(request: AuthedRequest, pk: int, action_id: int) -> HttpResponse:
    roadmap = _visible(request, pk)
    action = _action(roadmap, action_id)
    form = ProgressForm(request.POST, prefix=f"p{action.pk}")
    if not form.is_valid():
        return _detail(request, roadmap, status=400, error=first_error(form))
    data = form.cleaned_data

    def perform(a: Action) -> str:
        done = report_progress(
            a,
            status=data["status"],
            progress=data["progress"],
            note=data["note"],
            by=request.user,
            now=timezone.now(),
        )
        return f"{done.title}: {done.get_status_display()}, {done.progress} %."

    return _perform(request, roadmap, action, perform)


@login_required
@require_POST
def action_move(request: AuthedRequest, pk: int, action_id: int) -> HttpResponse:
    roadmap = _visible(request, pk)
    action = _action(roadmap, action_id)
    step = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if step is None:
        return _detail(request, roadmap, status=400, error="Направление не понято.")

    def perform(a: Action) -> str:
        move_action(a, step, by=request.user)
        return ""

    return _perform(request, roadmap, action, perform)


@login_required
@require_POST
def action_delete(request: AuthedRequest, pk: int, action_id: int) -> HttpResponse:
    roadmap = _visible(request, pk)
    action = _action(roadmap, action_id)
    try:
        delete_action(action, by=request.user)
    except CaseError as error:
        return _detail(request, roadmap, status=ERROR_STATUS[error.code], error=error.message)
    messages.success(request, f"Мероприятие «{action.title}» удалено.")
    return redirect(reverse("problems:roadmap", args=[roadmap.pk]) + "#actions")


@login_required
@require_POST
def document_add(request: AuthedRequest, pk: int, action_id: int) -> HttpResponse:
    roadmap = _visible(request, pk)
    action = _action(roadmap, action_id)
    form = DocumentForm(request.POST, request.FILES, prefix=f"d{action.pk}")
    if not form.is_valid():
        return _detail(request, roadmap, status=400, error=first_error(form))
    upload = form.cleaned_data["file"]

    def perform(a: Action) -> str:
        item = attach_document(a, upload, by=request.user, now=timezone.now())
        return f"Документ «{item.name}» приложен."

    return _perform(request, roadmap, action, perform)


@login_required
@require_POST
def document_delete(request: AuthedRequest, pk: int, document_id: int) -> HttpResponse:
    roadmap = _visible(request, pk)
    item = (
        ActionDocument.objects.select_related("action__roadmap")
        .filter(pk=document_id, action__roadmap=roadmap)
        .first()
    )
    if item is None:
        raise Http404("Документ не найден.")
    try:
        delete_document(item, by=request.user)
    except CaseError as error:
        return _detail(request, roadmap, status=ERROR_STATUS[error.code], error=error.message)
    messages.success(request, f"Документ «{item.name}» удалён.")
    return _back(roadmap, item.action)


# --- helpers --------------------------------------------------------------------------------------


def _on(request: AuthedRequest) -> date | None:
    """The day to measure the effect at (`?on=`), or None for today."""
    text = (request.GET.get("on") or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"Дата «{text[:20]}» не понята: нужен вид 2026-10-31.") from None
    if not EARLIEST <= day <= timezone.localdate() + timedelta(days=1):
        raise ValueError("Эффект измеряется на прошедший день.")
    return day


def _until(roadmap: Roadmap, on: date | None, now: datetime) -> date:
    """The first day not counted: the day after `on`, or today (its month is not over)."""
    return on + timedelta(days=1) if on is not None else local_day(roadmap, now)


def _posted(request: AuthedRequest) -> Any:
    """The posted data, so that a POST with no fields is an invalid form, not a blank one."""
    return request.POST if request.method == "POST" else None


def _visible(request: AuthedRequest, pk: int) -> Roadmap:
    roadmap = visible_roadmaps(request.user).filter(pk=pk).first()
    if roadmap is None:
        raise Http404("Дорожная карта не найдена.")
    return roadmap


def _action(roadmap: Roadmap, action_id: int) -> Action:
    action = roadmap.actions.select_related("roadmap__municipality").filter(pk=action_id).first()
    if action is None:
        raise Http404("Мероприятие не найдено в этой дорожной карте.")
    return action


def _perform(
    request: AuthedRequest, roadmap: Roadmap, action: Action, perform: Perform
) -> HttpResponse:
    try:
        text = perform(action)
    except CaseError as error:
        return _detail(request, roadmap, status=ERROR_STATUS[error.code], error=error.message)
    if text:
        messages.success(request, text)
    return _back(roadmap, action)


def _back(roadmap: Roadmap, action: Action) -> HttpResponse:
    return redirect(reverse("problems:roadmap", args=[roadmap.pk]) + f"#action-{action.pk}")


def _new_target(request: AuthedRequest) -> tuple[Municipality, Any]:
    """The municipality of a new road map (the problem's, the one asked for, or the page's),
    and the problem it is for, if any; 404 for a problem the user cannot see, 403 where the
    user may not plan."""
    allowed = actor_scope(request.user).municipality_ids(Do.WORK)
    raw = request.GET.get("problem") or ""
    problem = None
    if raw:
        if not raw.isdigit():
            raise Http404("Проблема не найдена.")
        problem = visible_problems(request.user).filter(pk=int(raw)).first()
        if problem is None:
            raise Http404("Проблема не найдена.")
        municipality_id = problem.municipality_id
    elif request.municipality is not None and request.municipality.pk in allowed:
        municipality_id = request.municipality.pk
    else:
        municipality_id = min(allowed, default=0)
    if municipality_id not in allowed:
        raise PermissionDenied("Недостаточно прав, чтобы составлять дорожные карты.")
    return Municipality.objects.get(pk=municipality_id), problem


def _detail(
    request: AuthedRequest,
    roadmap: Roadmap,
    *,
    status: int = 200,
    error: str = "",
    new_form: ActionForm | None = None,
    on: date | None = None,
) -> HttpResponse:
    user = request.user
    manage = may_manage(roadmap.municipality_id, user)
    now = timezone.now()
    today = local_day(roadmap, now)
    actions = list(roadmap_actions(roadmap))
    for action in actions:
        action.roadmap = roadmap
    rows = [
        {
            "action": a,
            "late": a.status in (Action.Status.PLANNED, Action.Status.IN_PROGRESS)
            and a.due_on < today,
            "may_report": manage or a.responsible_id == user.pk,
            "edit_form": (
                ActionForm(
                    municipality=roadmap.municipality,
                    prefix=f"a{a.pk}",
                    initial=ActionForm.initial_for(a),
                )
                if manage
                else None
            ),
            "progress_form": ProgressForm(
                prefix=f"p{a.pk}",
                initial={"status": a.status, "progress": a.progress, "note": a.note},
            ),
            "document_form": DocumentForm(prefix=f"d{a.pk}"),
        }
        for a in actions
    ]
    effect = roadmap_effect(roadmap, until=_until(roadmap, on, now))
    costs = [a.cost for a in actions if a.cost is not None and a.status != Action.Status.CANCELLED]
    context = {
        "tab": "roadmaps",
        "roadmap": roadmap,
        "rows": rows,
        "progress": roadmap_progress(actions),
        "cost": sum(costs) if costs else None,
        "may_manage": manage,
        "new_form": new_form
        or ActionForm(municipality=roadmap.municipality, prefix="new", initial={"progress": 0}),
        "error": error,
        "on": on,
        "public_url": (
            reverse("public_roadmaps:roadmap", args=[roadmap.public_key])
            if roadmap.is_public
            else ""
        ),
        **effect_view(effect),
    }
    return render(request, "problems/roadmap.html", context, status=status)
