"""The inbox: the filtered, sorted, paged list of visible cases, and bulk assignment."""

from dataclasses import dataclass, field
from math import ceil
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from veche.cases.forms import BulkAssignForm, InboxFilterForm, first_error
from veche.cases.masking import mask_name
from veche.cases.models import Case
from veche.cases.selectors import count_up_to, inbox_cases, visible_cases
from veche.cases.services import BulkResult, assign_cases
from veche.cases.views.presenters import CHANNEL_SHORT, NO_RIGHTS, REGIME_SHORT
from veche.org.access import Action
from veche.org.selectors import actor_scope
from veche.web.http import AuthedRequest, render_page, wants_fragment

PAGE_SIZE = 50
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class InboxRow:
    """One line of the list; the author only ever as a masked name."""

    case: Case
    author: str
    regime: str
    channel: str


@dataclass(frozen=True)
class Pager:
    number: int
    pages: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None

    @property
    def window(self) -> list[int | None]:
        """Page numbers to link, `None` for a gap: 1 … 4 5 [6] 7 8 … 20."""
        shown = {1, self.pages, *range(self.number - 2, self.number + 3)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        window: list[int | None] = []
        for n in numbers:
            if window and n - (window[-1] or 0) > 1:
                window.append(None)
            window.append(n)
        return window


@dataclass
class BulkReport:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""

    def to_messages(self, request: AuthedRequest) -> None:
        if self.error:
            messages.error(request, self.error)
        if self.done:
            messages.success(request, f"Назначено: {len(self.done)} — {', '.join(self.done)}.")
        for number, reason in self.failed:
            messages.error(request, f"{number}: {reason}")


def _page_number(raw: str | None, pages: int) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        number = 1
    return min(max(number, 1), pages)


def _inbox_context(request: AuthedRequest, form: InboxFilterForm) -> dict[str, Any]:
    filters = form.to_filter()
    cases = inbox_cases(request.user, filters).select_related("author")
    total, capped = count_up_to(cases, COUNT_LIMIT)
    pages = max(1, ceil(total / PAGE_SIZE))
    pager = Pager(_page_number(request.GET.get("page"), pages), pages)
    offset = (pager.number - 1) * PAGE_SIZE
    rows = [
        InboxRow(
            case=case,
            author=mask_name(case.author.full_name) if case.author else "",
            regime=REGIME_SHORT.get(case.regime, case.regime),
            channel=CHANNEL_SHORT.get(case.channel.code, case.channel.name),
        )
        for case in cases[offset : offset + PAGE_SIZE]
    ]
    scope = actor_scope(request.user)
    can_assign = scope.allows_anywhere(Action.ASSIGN)
    return {
        "can_export_pd": scope.allows_anywhere(Action.VIEW_PERSONAL_DATA),
        "form": form,
        "filters": filters,
        "sort": filters.sort,
        "rows": rows,
        "total": total,
        "capped": capped,
        "pager": pager,
        "bulk_form": BulkAssignForm(user=request.user) if can_assign else None,
    }


@login_required
@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    context = _inbox_context(request, InboxFilterForm(request.GET, user=request.user))
    return render_page(request, "cases/inbox.html", "cases/_inbox_results.html", context)


def _bulk_report(numbers: dict[int, str], result: BulkResult) -> BulkReport:
    def number(pk: int) -> str:
        return numbers.get(pk, f"обращение {pk}")

    return BulkReport(
        done=[number(pk) for pk in result.done],
        failed=[(number(pk), reason) for pk, reason in sorted(result.failed.items())],
    )


@login_required
@require_POST
def bulk_assign(request: AuthedRequest) -> HttpResponse:
    """Assign the ticked cases; each succeeds or fails on its own, and the report says which."""
    if not actor_scope(request.user).allows_anywhere(Action.ASSIGN):
        raise PermissionDenied(NO_RIGHTS)
    form = BulkAssignForm(request.POST, user=request.user)
    if form.is_valid():
        ids: list[int] = form.cleaned_data["case"]
        # Numbers are read before the move: a case may leave the viewer's scope with it.
        numbers = dict(visible_cases(request.user).filter(pk__in=ids).values_list("pk", "number"))
        result = assign_cases(
            ids, form.cleaned_data["department"], by=request.user, now=timezone.now()
        )
        report = _bulk_report(numbers, result)
    else:
        report = BulkReport(error=first_error(form))
    if not wants_fragment(request):
        report.to_messages(request)
        query = request.GET.urlencode()
        return redirect(reverse("cases:inbox") + (f"?{query}" if query else ""))
    context = _inbox_context(request, InboxFilterForm(request.GET, user=request.user))
    status = 400 if report.error else 200
    return render(
        request, "cases/_inbox_results.html", {**context, "report": report}, status=status
    )
