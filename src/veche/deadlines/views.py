"""Deadlines on the pages: a case's clocks on its card (loaded beside it), extending the
answer term with a reason, a person's list of what is overdue or due soon, and their
reminders («Уведомления»)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from veche.cases.errors import CaseError
from veche.cases.models import Case
from veche.cases.selectors import end_of_today, visible_cases
from veche.deadlines.clocks import ClockState
from veche.deadlines.errors import DeadlineError
from veche.deadlines.notifications import mark_read, person_notifications
from veche.deadlines.selectors import ClockFigure, clock_figures, visible_due_clocks
from veche.deadlines.services import extend_deadline, record_promised_date
from veche.org.access import Action
from veche.org.selectors import actor_scope
from veche.web.http import AuthedRequest

SOON = timedelta(days=2)
STATE_NAMES = {
    ClockState.RUNNING: "идёт",
    ClockState.PAUSED: "приостановлен",
    ClockState.MET: "соблюдён",
    ClockState.MISSED: "нарушен",
    ClockState.CLOSED: "снят",
}


@dataclass(frozen=True)
class ClockRow:
    figure: ClockFigure
    state: str


def _rows(figures: list[ClockFigure]) -> list[ClockRow]:
    return [ClockRow(f, STATE_NAMES.get(f.state, str(f.state))) for f in figures]


NOTIFICATIONS_SHOWN = 200


class ExtendForm(forms.Form):
    days = forms.IntegerField(label="На сколько дней", min_value=1, max_value=60)
    reason = forms.CharField(label="Причина", max_length=1000)


class PromiseForm(forms.Form):
    promised = forms.DateField(
        label="Окончательный ответ обещан к", widget=forms.DateInput(attrs={"type": "date"})
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_clocks(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = visible_cases(request.user).filter(pk=case_id).select_related("municipality").first()
    if case is None:
        raise Http404("Обращение не найдено.")
    scope = actor_scope(request.user)
    can_extend, can_work = scope.can(Action.APPROVE, case), scope.can(Action.WORK, case)
    action = request.POST.get("action", "")
    extend = ExtendForm(request.POST if action == "extend" else None)
    promise = PromiseForm(request.POST if action == "promise" else None)
    error = notice = ""
    if action == "extend":
        if not can_extend:
            error = "Продлить срок может руководитель."
        elif extend.is_valid():
            error, notice = _extend(case, extend, request)
        else:
            error = _first_error(extend)
    elif action == "promise":
        if not can_work:
            error = "Недостаточно прав для этого действия."
        elif promise.is_valid():
            error, notice = _promise(case, promise, request)
        else:
            error = _first_error(promise)
    elif request.method == "POST":
        error = "Неизвестное действие."
    now = timezone.now()
    context = {
        "case": case,
        "rows": _rows(clock_figures(case, now=now)),
        "can_extend": can_extend,
        "can_work": can_work,
        "form": extend,
        "promise": promise,
        "error": error,
        "notice": notice,
    }
    return render(request, "deadlines/_case_clocks.html", context, status=400 if error else 200)


def _first_error(form: forms.Form) -> str:
    return str(next(iter(form.errors.values()))[0])


def _extend(case: Case, form: ExtendForm, request: AuthedRequest) -> tuple[str, str]:
    days, reason = form.cleaned_data["days"], form.cleaned_data["reason"]
    try:
        extend_deadline(case, days, reason=reason, by=request.user, now=timezone.now())
    except (CaseError, DeadlineError) as failure:
        return failure.message, ""
    return "", f"Срок ответа продлён на {days} дн."


def _promise(case: Case, form: PromiseForm, request: AuthedRequest) -> tuple[str, str]:
    """The promised day, to its end in the municipality's time zone (the page's zone)."""
    day = form.cleaned_data["promised"]
    end = timezone.make_aware(datetime.combine(day, time.max).replace(microsecond=0))
    try:
        record_promised_date(case, end, by=request.user, now=timezone.now())
    except (CaseError, DeadlineError) as failure:
        return failure.message, ""
    return "", f"Записано: окончательный ответ обещан к {day:%d.%m.%Y}."


@login_required
@require_GET
def due_list(request: AuthedRequest) -> HttpResponse:
    """Overdue, due today and due within two days: the person's morning list."""
    now = timezone.now()
    today_ends = end_of_today(now)
    clocks = list(
        visible_due_clocks(request.user, before=now + SOON).select_related(
            "case", "case__department", "policy"
        )[:500]
    )
    groups = [
        ("Просрочено", [c for c in clocks if c.due_at <= now]),
        ("Истекает сегодня", [c for c in clocks if now < c.due_at <= today_ends]),
        ("Истекает в ближайшие два дня", [c for c in clocks if c.due_at > today_ends]),
    ]
    return render(request, "deadlines/due.html", {"groups": groups, "now": now})


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: AuthedRequest) -> HttpResponse:
    """The person's reminders, newest first; «Прочитано» marks one, or all at once."""
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        mark_read(request.user, ids=ids if "id" in request.POST else None, now=timezone.now())
        return redirect("deadlines:notifications")
    items = list(person_notifications(request.user)[:NOTIFICATIONS_SHOWN])
    unread = sum(1 for n in items if n.read_at is None)
    return render(request, "deadlines/notifications.html", {"items": items, "unread": unread})
