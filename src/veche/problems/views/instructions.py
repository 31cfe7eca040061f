"""Instructions on the pages: one instruction with its report, acceptance, return and
withdrawal; giving one on its own (for a problem or a road map); changing an open one. Thin:
forms parse, `problems.meetings` decides and writes, `meeting_selectors` reads."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.cases.errors import CaseError
from veche.cases.forms import first_error
from veche.org.models import Municipality
from veche.problems import meetings as service
from veche.problems.meeting_forms import (
    AcceptForm,
    CancelForm,
    InstructionForm,
    ReportForm,
    ReturnForm,
)
from veche.problems.meeting_selectors import visible_instructions, visible_meetings
from veche.problems.models import Instruction
from veche.problems.selectors import may_manage
from veche.problems.services import NO_RIGHTS
from veche.problems.views.meetings import ERROR_STATUS, municipality_for_new, row
from veche.web.http import AuthedRequest


@login_required
@require_http_methods(["GET", "POST"])
def instruction_new(request: AuthedRequest) -> HttpResponse:
    """An instruction given on its own, maybe for a problem or a road map (`?problem=`,
    `?roadmap=` fill them in)."""
    municipality = municipality_for_new(request)
    if request.method == "GET":
        initial = {
            name: request.GET[name]
            for name in ("problem", "roadmap")
            if request.GET.get(name, "").isdigit()
        }
        form = InstructionForm(initial=initial, municipality=municipality)
        return _instruction_form(request, form, municipality, None)
    form = InstructionForm(request.POST, municipality=municipality)
    if not form.is_valid():
        return _instruction_form(request, form, municipality, None, status=400)
    try:
        instruction = service.give_instruction(
            municipality, form.data_object(), by=request.user, now=timezone.now()
        )
    except CaseError as error:
        form.add_error(None, error.message)
        return _instruction_form(request, form, municipality, None, status=ERROR_STATUS[error.code])
    messages.success(request, f"Поручение №{instruction.pk} дано.")
    return redirect("problems:instruction", pk=instruction.pk)


@login_required
@require_http_methods(["GET", "POST"])
def instruction_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    instruction = _visible_instruction(request, pk)
    municipality = instruction.municipality
    if not may_manage(municipality.pk, request.user):
        raise PermissionDenied(NO_RIGHTS)
    if request.method == "GET":
        form = InstructionForm(
            initial=InstructionForm.initial_of(instruction), municipality=municipality
        )
        return _instruction_form(request, form, municipality, instruction)
    form = InstructionForm(request.POST, municipality=municipality)
    if not form.is_valid():
        return _instruction_form(request, form, municipality, instruction, status=400)
    try:
        service.update_instruction(
            instruction, form.data_object(), by=request.user, now=timezone.now()
        )
    except CaseError as error:
        form.add_error(None, error.message)
        return _instruction_form(
            request, form, municipality, instruction, status=ERROR_STATUS[error.code]
        )
    messages.success(request, "Поручение изменено.")
    return redirect("problems:instruction", pk=instruction.pk)


def _instruction_form(
    request: AuthedRequest,
    form: InstructionForm,
    municipality: Municipality,
    instruction: Instruction | None,
    *,
    status: int = 200,
) -> HttpResponse:
    context = {
        "tab": "meetings",
        "form": form,
        "municipality": municipality,
        "instruction": instruction,
    }
    return render(request, "problems/instruction_form.html", context, status=status)


@login_required
@require_GET
def instruction_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _instruction_page(request, _visible_instruction(request, pk))


def _instruction_page(
    request: AuthedRequest,
    instruction: Instruction,
    *,
    status: int = 200,
    error: str = "",
    bound: forms.Form | None = None,
) -> HttpResponse:
    user, today = request.user, timezone.localdate()
    is_open = instruction.status == Instruction.Status.OPEN
    reported = instruction.done_at is not None
    forms_shown: dict[str, forms.Form] = {
        "report_form": ReportForm(),
        "accept_form": AcceptForm(),
        "return_form": ReturnForm(),
        "cancel_form": CancelForm(),
    }
    if bound is not None:
        forms_shown[_FORM_NAMES[type(bound)]] = bound
    context = {
        "tab": "meetings",
        "row": row(instruction, today),
        "instruction": instruction,
        "meeting_visible": instruction.meeting_id is not None
        and visible_meetings(user).filter(pk=instruction.meeting_id).exists(),
        "history": [p for p in instruction.report.split("\n\n") if p.strip()],
        "error": error,
        "can_report": is_open and not reported and service.may_report(instruction, user),
        "can_check": is_open and reported and service.may_control(instruction, user),
        "can_cancel": is_open
        and (instruction.controller_id == user.pk or may_manage(instruction.municipality_id, user)),
        "can_edit": is_open and may_manage(instruction.municipality_id, user),
        **forms_shown,
    }
    return render(request, "problems/instruction.html", context, status=status)


_FORM_NAMES: dict[type[forms.Form], str] = {
    ReportForm: "report_form",
    AcceptForm: "accept_form",
    ReturnForm: "return_form",
    CancelForm: "cancel_form",
}


def _act(
    request: AuthedRequest,
    pk: int,
    form_class: type[forms.Form],
    perform: Callable[[Instruction, dict[str, Any]], str],
) -> HttpResponse:
    """Parse the form, call the service, say what happened; a refusal or a bad form shows
    the page again with the reason and a 4xx."""
    instruction = _visible_instruction(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _instruction_page(
            request, instruction, status=400, error=first_error(form), bound=form
        )
    try:
        notice = perform(instruction, form.cleaned_data)
    except CaseError as error:
        return _instruction_page(
            request, instruction, status=ERROR_STATUS[error.code], error=error.message, bound=form
        )
    messages.success(request, notice)
    return redirect("problems:instruction", pk=instruction.pk)


@login_required
@require_POST
def instruction_report(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(instruction: Instruction, data: dict[str, Any]) -> str:
        service.report_instruction(
            instruction, report=data["report"], by=request.user, now=timezone.now()
        )
        return "Отчёт отправлен на проверку."

    return _act(request, pk, ReportForm, perform)


@login_required
@require_POST
def instruction_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(instruction: Instruction, data: dict[str, Any]) -> str:
        service.accept_instruction(
            instruction, comment=data["comment"], by=request.user, now=timezone.now()
        )
        return "Исполнение принято, поручение снято с контроля как исполненное."

    return _act(request, pk, AcceptForm, perform)


@login_required
@require_POST
def instruction_return(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(instruction: Instruction, data: dict[str, Any]) -> str:
        service.return_instruction(
            instruction,
            reason=data["reason"],
            due_on=data["due_on"],
            by=request.user,
            now=timezone.now(),
        )
        return "Поручение возвращено исполнителю на доработку."

    return _act(request, pk, ReturnForm, perform)


@login_required
@require_POST
def instruction_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(instruction: Instruction, data: dict[str, Any]) -> str:
        service.cancel_instruction(
            instruction, reason=data["reason"], by=request.user, now=timezone.now()
        )
        return "Поручение снято с контроля."

    return _act(request, pk, CancelForm, perform)


def _visible_instruction(request: AuthedRequest, pk: int) -> Instruction:
    instruction = visible_instructions(request.user).filter(pk=pk).first()
    if instruction is None:
        raise Http404("Поручение не найдено.")
    return instruction
