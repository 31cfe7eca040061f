"""The case card and its actions: one service per action, the refreshed card in return."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from veche.cases.answer_templates import fill, templates_for
from veche.cases.errors import CaseError, ErrorCode
from veche.cases.forms import (
    AcceptPlaceForm,
    AnswerForm,
    AssignForm,
    AttachForm,
    CaseActionForm,
    CommentForm,
    LinkForm,
    StatusForm,
    TopicForm,
    first_error,
)
from veche.cases.models import Answer, Case, Citizen
from veche.cases.selectors import case_detail
from veche.cases.services import (
    add_comment,
    assign_case,
    attach_file,
    change_status,
    change_topic,
    draft_answer,
    locate_case,
    mark_duplicate,
    merge_case,
    reveal_author,
)
from veche.cases.views.presenters import NO_RIGHTS, author_view, timeline, transitions
from veche.cases.workflow import Regime, Status, allowed_transitions
from veche.catalog.models import AnswerTemplate, Topic
from veche.org.access import Action
from veche.org.models import User
from veche.org.selectors import actor_scope
from veche.web.http import AuthedRequest, render_page, wants_fragment

ERROR_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TRANSITION_NOT_ALLOWED: 409,
    ErrorCode.INVALID: 400,
}


def _card_context(
    request: AuthedRequest,
    case: Case,
    *,
    error: str = "",
    notice: str = "",
    bound: CaseActionForm | None = None,
    author: Citizen | None = None,
) -> dict[str, Any]:
    scope = actor_scope(request.user)
    can_work = scope.can(Action.WORK, case)
    can_assign = scope.can(Action.ASSIGN, case)
    forms: dict[str, CaseActionForm] = {}
    if can_assign:
        forms["assign"] = AssignForm(case=case, user=request.user)
    templates = templates_for(case) if can_work else []
    if can_work:
        for form_class in (TopicForm, StatusForm, CommentForm, AnswerForm, AttachForm, LinkForm):
            forms[str(form_class.prefix)] = form_class(case=case, user=request.user)
        chosen = _chosen_template(request, templates)
        if chosen is not None:  # «Шаблон ответа»: the draft starts from its filled text
            forms["answer"] = AnswerForm(
                case=case, user=request.user, initial={"text": fill(chosen, case)}
            )
    if bound is not None and bound.prefix in forms:
        forms[str(bound.prefix)] = bound  # keep what the person typed
    status = Status(case.status)
    return {
        "case": case,
        "error": error,
        "notice": notice,
        "forms": forms,
        "transitions": transitions(case, can_approve=scope.can(Action.APPROVE, case))
        if can_work
        else [],
        "final_allowed": Status.ANSWER_DRAFTED in allowed_transitions(status, Regime(case.regime)),
        "merge_allowed": Status.MERGED in allowed_transitions(status, Regime(case.regime)),
        "timeline": timeline(request.user, case),
        "answers": case.answers.select_related("created_by"),
        "attachments": case.attachments.all(),
        # Suggestions are for those who act on the case; their words come from its text.
        "analysis_shown": can_work and hasattr(case, "analysis"),
        "answer_templates": templates,
        "chosen_template": request.GET.get("template", ""),
        **_author_context(request, case, author),
    }


def _chosen_template(
    request: AuthedRequest, templates: list[AnswerTemplate]
) -> AnswerTemplate | None:
    wanted = request.GET.get("template", "")
    return next((t for t in templates if str(t.pk) == wanted), None)


def _author_context(
    request: AuthedRequest, case: Case, author: Citizen | None, error: str = ""
) -> dict[str, Any]:
    revealed = author is not None
    return {
        "case": case,
        "author": author_view(author if revealed else case.author, revealed=revealed),
        "can_reveal": case.author_id is not None
        and actor_scope(request.user).can(Action.VIEW_PERSONAL_DATA, case),
        "author_error": error,
    }


def _visible_case(request: AuthedRequest, pk: int) -> Case:
    try:
        return case_detail(request.user, pk)
    except CaseError as error:
        raise Http404(error.message) from error


def _card_response(
    request: AuthedRequest, case: Case, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _card_context(request, case, **extra)
    return render_page(request, "cases/detail.html", "cases/_card.html", context, status=status)


@login_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _card_response(request, _visible_case(request, pk))


@login_required
@require_POST
def reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """Show the author's full data; `reveal_author` writes the access log."""
    case = _visible_case(request, pk)
    try:
        citizen = reveal_author(case, by=request.user)
    except CaseError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise Http404(error.message) from error
        context = _author_context(request, case, None, error.message)
        if wants_fragment(request):
            return render(request, "cases/_author.html", context, status=403)
        return _card_response(request, case, status=403, error=error.message)
    if wants_fragment(request):
        return render(request, "cases/_author.html", _author_context(request, case, citizen))
    return _card_response(request, case, author=citizen)


@login_required
@require_GET
def attachment(request: AuthedRequest, pk: int, attachment_id: int) -> FileResponse:
    """An attachment of a visible case, always as a download: never rendered by the browser."""
    item = _visible_case(request, pk).attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404("Вложение не найдено.")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("Файл вложения отсутствует.") from error
    return FileResponse(
        handle, as_attachment=True, filename=item.name, content_type="application/octet-stream"
    )


# --- the case card: actions ---------------------------------------------------------------------

Perform = Callable[[Case, dict[str, Any], User], str]


def _run_action(
    request: AuthedRequest,
    pk: int,
    form_class: type[CaseActionForm],
    perform: Perform,
    needs: Action,
) -> HttpResponse:
    """Parse one action form, call its one service, answer with the refreshed card (htmx) or a
    redirect to it (a plain form post); a refusal is a readable message, never a 500."""
    case = _visible_case(request, pk)
    if not actor_scope(request.user).can(needs, case):
        return _card_response(request, case, status=403, error=NO_RIGHTS)
    form = form_class(request.POST, request.FILES, case=case, user=request.user)
    if not form.is_valid():
        return _card_response(request, case, status=400, error=first_error(form), bound=form)
    try:
        notice = perform(case, form.cleaned_data, request.user)
    except CaseError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise Http404(error.message) from error
        status = ERROR_STATUS[error.code]
        return _card_response(request, case, status=status, error=error.message, bound=form)
    try:
        case = case_detail(request.user, pk)
    except CaseError:
        # The action moved the case out of the viewer's reach (e.g. to another block).
        messages.info(request, f"{notice} Обращение больше не в вашем ведении.")
        url = reverse("cases:inbox")
        return HttpResponseClientRedirect(url) if wants_fragment(request) else redirect(url)
    if not wants_fragment(request):
        messages.success(request, notice)
        return redirect("cases:detail", pk=pk)
    return _card_response(request, case, notice=notice)


def _assign(case: Case, data: dict[str, Any], user: User) -> str:
    department = data["department"]
    assign_case(case, department, by=user, now=timezone.now(), comment=data["comment"])
    return f"Исполнитель назначен: {department}."


def _change_topic(case: Case, data: dict[str, Any], user: User) -> str:
    topic: Topic | None = data["topic"]
    change_topic(case, topic, by=user, now=timezone.now())
    return f"Тема изменена: {topic.name}." if topic else "Тема снята."


def _accept_place(case: Case, data: dict[str, Any], user: User) -> str:
    analysis = case.analysis
    lat, lon = analysis.place_lat, analysis.place_lon
    if lat is None or lon is None:  # the form checked it; the analysis may have been redone
        raise CaseError(ErrorCode.INVALID, "Разбор не нашёл места в справочнике.")
    locate_case(
        case,
        lat=lat,
        lon=lon,
        address_raw=analysis.place_name,
        territory_id=analysis.place_territory_id,
        at=timezone.now(),
        by=user,
    )
    return f"Место указано: {analysis.place_name}."


def _attach(case: Case, data: dict[str, Any], user: User) -> str:
    item = attach_file(case, data["file"], by=user, now=timezone.now())
    return f"Файл приложен: {item.name}."


def _change_status(case: Case, data: dict[str, Any], user: User) -> str:
    to = Status(data["to"])
    change_status(case, to, by=user, now=timezone.now(), comment=data["comment"])
    return f"Статус изменён: {to.label}."


def _add_comment(case: Case, data: dict[str, Any], user: User) -> str:
    add_comment(case, data["text"], by=user, now=timezone.now())
    return "Комментарий добавлен."


def _draft_answer(case: Case, data: dict[str, Any], user: User) -> str:
    kind = Answer.Kind(data["kind"])
    draft_answer(case, data["text"], by=user, now=timezone.now(), kind=kind)
    return f"Сохранён проект ответа ({kind.label})."


def _link(case: Case, data: dict[str, Any], user: User) -> str:
    target: Case = data["number"]
    if data["how"] == "merge":
        merge_case(case, target, by=user, now=timezone.now())
        return f"Объединено с {target.number}."
    mark_duplicate(case, target, by=user, now=timezone.now())
    return f"Отмечено как дубликат {target.number}."


@login_required
@require_POST
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, AssignForm, _assign, Action.ASSIGN)


@login_required
@require_POST
def topic(request: AuthedRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, TopicForm, _change_topic, Action.WORK)


@login_required
@require_POST
def attach(request: AuthedRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, AttachForm, _attach, Action.WORK)


@login_required
@require_POST
def place(request: AuthedRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, AcceptPlaceForm, _accept_place, Action.WORK)


@login_required
@require_POST
def status(request: AuthedRequest, pk: int) -> HttpResponse:
    # Approval needs Action.APPROVE as well; change_status checks that itself.
    return _run_action(request, pk, StatusForm, _change_status, Action.WORK)


@login_required
@require_POST
def comment(request: AuthedRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, CommentForm, _add_comment, Action.WORK)


@login_required
@require_POST
def answer(request: AuthedRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, AnswerForm, _draft_answer, Action.WORK)


@login_required
@require_POST
def link(request: AuthedRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, LinkForm, _link, Action.WORK)
