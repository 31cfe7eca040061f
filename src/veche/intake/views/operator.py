"""The operator's quick entry: a call, a visit or a paper letter becomes a case in one form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from veche.cases.errors import CaseError
from veche.cases.services import CaseDraft, CitizenData, attach_files, create_case
from veche.cases.workflow import Regime
from veche.catalog.models import Channel
from veche.intake.forms import OperatorCaseForm
from veche.org.access import Action
from veche.org.selectors import actor_scope
from veche.web.http import AuthedRequest


@login_required
def new_case(request: AuthedRequest) -> HttpResponse:
    if not actor_scope(request.user).municipality_ids(Action.ASSIGN):
        raise PermissionDenied("Нет права регистрировать обращения.")
    form = OperatorCaseForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        author = CitizenData(
            full_name=data["full_name"],
            phone=data["phone"],
            email=data["email"],
            postal_address=data["postal_address"],
        )
        draft = CaseDraft(
            channel=Channel.objects.get(code=data["channel"]),
            regime=Regime(data["regime"]),
            text=data["text"],
            received_at=data["received_at"],
            author=author if any(vars(author).values()) else None,
            address_raw=data["address_raw"],
            topic_id=data["topic"].pk if data["topic"] else None,
            priority=data["priority"],
        )
        now = timezone.now()
        try:
            case, _ = create_case(data["municipality"], draft, by=request.user, now=now)
            refused = attach_files(case, data["attachments"], by=request.user, now=now)
        except CaseError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Зарегистрировано: {case.number}.")
            for reason in refused:
                messages.warning(request, reason)
            if "another" in request.POST:
                return redirect("intake:new_case")
            return redirect("cases:detail", pk=case.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "intake/new_case.html", {"form": form}, status=status)
