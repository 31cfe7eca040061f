"""Meetings and instructions on the pages: the meetings with the instructions register (mine,
overdue, by status), one meeting with its instructions and the inline form that gives one,
and the meeting form (one instruction's pages: `views.instructions`). Thin: forms parse,
`problems.meetings` decides and writes, `meeting_selectors` reads."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.forms import first_error
from veche.org.access import Action as Do
from veche.org.models import Municipality
from veche.org.selectors import actor_scope
from veche.problems import meetings as service
from veche.problems.meeting_forms import (
    InstructionForm,
    MeetingForm,
    RegisterFilter,
)
from veche.problems.meeting_selectors import (
    awaiting_check,
    overdue,
    visible_instructions,
    visible_meetings,
)
from veche.problems.models import Instruction, Meeting, Problem, Roadmap
from veche.problems.selectors import may_manage
from veche.problems.services import NO_RIGHTS
from veche.web.http import AuthedRequest, render_page

PAGE_SIZE = 50
MEETINGS_SHOWN = 20
ERROR_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TRANSITION_NOT_ALLOWED: 409,
    ErrorCode.INVALID: 400,
}


@dataclass(frozen=True)
class Row:
    """An instruction as the lists show it: its state in words and whether it is late."""

    instruction: Instruction
    state: str
    badge: str
    overdue: bool


def row(instruction: Instruction, today: date) -> Row:
    if instruction.status == Instruction.Status.DONE:
        return Row(instruction, "исполнено", "good", overdue=False)
    if instruction.status == Instruction.Status.CANCELLED:
        return Row(instruction, "снято с контроля", "", overdue=False)
    if instruction.done_at is not None:
        return Row(instruction, "на проверке", "", overdue=False)
    late = instruction.due_on < today
    return Row(instruction, "просрочено" if late else "на исполнении", "bad" if late else "", late)


# --- lists -----------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_list(request: AuthedRequest) -> HttpResponse:
    filters = RegisterFilter(request.GET)
    if not filters.is_valid():
        return _list_page(request, filters, status=400, error=first_error(filters))
    return _list_page(request, filters)


def _list_page(
    request: AuthedRequest, filters: RegisterFilter, *, status: int = 200, error: str = ""
) -> HttpResponse:
    today = timezone.localdate()
    chosen = filters.cleaned_data if not error else {}
    instructions = _filtered(visible_instructions(request.user), chosen, request, today)
    page = Paginator(instructions.order_by("due_on", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("mpage", None)
    context = {
        "tab": "meetings",
        "filters": filters,
        "error": error,
        "page": page,
        "rows": [row(i, today) for i in page.object_list],
        "query": query.urlencode(),
        "meetings": Paginator(
            visible_meetings(request.user).order_by("-held_at", "-pk"), MEETINGS_SHOWN
        ).get_page(request.GET.get("mpage")),
        "may_manage": bool(_managed(request)),
    }
    return render(request, "problems/meetings.html", context, status=status)


def _filtered(
    instructions: QuerySet[Instruction], chosen: dict[str, Any], request: AuthedRequest, today: date
) -> QuerySet[Instruction]:
    if chosen.get("mine"):
        instructions = instructions.filter(Q(owner=request.user) | Q(controller=request.user))
    if chosen.get("overdue"):
        instructions = overdue(instructions, today=today)
    match chosen.get("status"):
        case "review":
            instructions = awaiting_check(instructions)
        case "open":
            instructions = instructions.filter(status=Instruction.Status.OPEN, done_at__isnull=True)
        case "done" | "cancelled" as status:
            instructions = instructions.filter(status=status)
    return instructions


# --- meetings --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: AuthedRequest) -> HttpResponse:
    municipality = municipality_for_new(request)
    form = MeetingForm(request.POST or None, municipality=municipality)
    if request.method == "POST":
        if not form.is_valid():
            return _meeting_form(request, form, municipality, None, status=400)
        try:
            meeting = service.create_meeting(
                municipality, form.data_object(), by=request.user, now=timezone.now()
            )
        except CaseError as error:
            form.add_error(None, error.message)
            return _meeting_form(request, form, municipality, None, status=ERROR_STATUS[error.code])
        messages.success(request, "Совещание записано.")
        return redirect("problems:meeting", pk=meeting.pk)
    return _meeting_form(request, form, municipality, None)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _visible_meeting(request, pk)
    if not may_manage(meeting.municipality_id, request.user):
        raise PermissionDenied(NO_RIGHTS)
    if request.method == "GET":
        initial = {
            "title": meeting.title,
            "held_at": timezone.localtime(meeting.held_at),
            "agenda": meeting.agenda,
            "participants": list(meeting.participants.all()),
            "guests": meeting.guests,
            "minutes": meeting.minutes,
        }
        form = MeetingForm(initial=initial, municipality=meeting.municipality)
        return _meeting_form(request, form, meeting.municipality, meeting)
    form = MeetingForm(request.POST, municipality=meeting.municipality)
    if not form.is_valid():
        return _meeting_form(request, form, meeting.municipality, meeting, status=400)
    try:
        service.update_meeting(meeting, form.data_object(), by=request.user, now=timezone.now())
    except CaseError as error:
        form.add_error(None, error.message)
        return _meeting_form(
            request, form, meeting.municipality, meeting, status=ERROR_STATUS[error.code]
        )
    messages.success(request, "Совещание сохранено.")
    return redirect("problems:meeting", pk=meeting.pk)


def _meeting_form(
    request: AuthedRequest,
    form: MeetingForm,
    municipality: Municipality,
    meeting: Meeting | None,
    *,
    status: int = 200,
) -> HttpResponse:
    context = {"tab": "meetings", "form": form, "municipality": municipality, "meeting": meeting}
    return render(request, "problems/meeting_form.html", context, status=status)


@login_required
@require_GET
def meeting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _visible_meeting(request, pk)
    return _meeting_page(request, meeting, _new_instruction_form(meeting))


@login_required
@require_POST
def meeting_instruction_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """The inline form of the meeting page: an instruction of this meeting."""
    meeting = _visible_meeting(request, pk)
    form = InstructionForm(request.POST, municipality=meeting.municipality)
    if not form.is_valid():
        return _meeting_page(request, meeting, form, status=400, error=first_error(form))
    try:
        instruction = service.give_instruction(
            meeting.municipality,
            form.data_object(),
            by=request.user,
            now=timezone.now(),
            meeting=meeting,
        )
    except CaseError as error:
        return _meeting_page(
            request, meeting, form, status=ERROR_STATUS[error.code], error=error.message
        )
    notice = f"Поручение №{instruction.pk} дано: {instruction.owner.display_name}."
    if request.htmx:
        return _meeting_page(request, meeting, _new_instruction_form(meeting), notice=notice)
    messages.success(request, notice)
    return redirect("problems:meeting", pk=meeting.pk)


def _new_instruction_form(meeting: Meeting) -> InstructionForm:
    return InstructionForm(municipality=meeting.municipality)


def _meeting_page(
    request: AuthedRequest,
    meeting: Meeting,
    form: InstructionForm,
    *,
    status: int = 200,
    error: str = "",
    notice: str = "",
) -> HttpResponse:
    today = timezone.localdate()
    instructions = visible_instructions(request.user).filter(meeting=meeting).order_by("pk")
    context = {
        "tab": "meetings",
        "meeting": meeting,
        "participants": list(meeting.participants.order_by("last_name", "first_name")),
        "rows": [row(i, today) for i in instructions],
        "form": form,
        "error": error,
        "notice": notice,
        "may_manage": may_manage(meeting.municipality_id, request.user),
    }
    return render_page(
        request,
        "problems/meeting.html",
        "problems/meeting_instructions.html",
        context,
        status=status,
    )


# --- who and which -----------------------------------------------------------------------------


def _managed(request: AuthedRequest) -> frozenset[int]:
    return actor_scope(request.user).municipality_ids(Do.WORK)


def municipality_for_new(request: AuthedRequest) -> Municipality:
    """Where a new meeting or instruction goes: the problem's or road map's it is for, the one
    asked for (`municipality`), else the page's own — always one the person manages."""
    allowed = _managed(request)
    if not allowed:
        raise PermissionDenied(NO_RIGHTS)
    wanted = _asked_municipality(request)
    if wanted is None:
        own = request.municipality
        wanted = own.pk if own is not None and own.pk in allowed else min(allowed)
    if wanted not in allowed:
        raise PermissionDenied(NO_RIGHTS)
    return Municipality.objects.get(pk=wanted)


def _asked_municipality(request: AuthedRequest) -> int | None:
    source = request.POST if request.method == "POST" else request.GET
    raw = source.get("municipality", "")
    if raw:
        if not raw.isdigit():
            raise PermissionDenied(NO_RIGHTS)
        return int(raw)
    for name, model in (("problem", Problem), ("roadmap", Roadmap)):
        value = request.GET.get(name, "")
        if value.isdigit():
            found = model.objects.filter(pk=int(value)).values_list("municipality_id", flat=True)
            return found.first()
    return None


def _visible_meeting(request: AuthedRequest, pk: int) -> Meeting:
    meeting = visible_meetings(request.user).filter(pk=pk).first()
    if meeting is None:
        raise Http404("Совещание не найдено.")
    return meeting
