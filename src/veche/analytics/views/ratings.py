"""The ratings page, /analytics/ratings/, and its rules, /analytics/ratings/policy/.

The page shows the departments ranked by the index, each with its reasons in a <details>
that opens without JavaScript, the departments with too few cases apart, and the workload
per block and department. The rules page is for those who configure the municipality
(`Action.CONFIGURE`: the МЦУ's head, deputy and administrator); everyone else gets 403.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from veche.analytics.models import RatingPolicy
from veche.analytics.ratings import (
    LABELS,
    POLICY_FIELDS,
    WEIGHT_FIELDS,
    Component,
    Policy,
    may_configure,
    method_text,
    rate,
    rating_policy,
    save_rating_policy,
    workload,
)
from veche.analytics.views.common import page_context, page_query
from veche.org.access import Action
from veche.org.models import Municipality
from veche.org.selectors import actor_scope
from veche.web.http import AuthedRequest

NO_RIGHTS = "Правила рейтинга меняют руководитель, заместитель руководителя и администратор МЦУ."


@login_required
@require_GET
def ratings_page(request: AuthedRequest) -> HttpResponse:
    query = page_query(request)
    muni = query.municipality.pk
    policy = rating_policy(muni)
    context: dict[str, Any] = {
        **page_context(request, query, "ratings"),
        "rating": rate(request.user, muni, query.period, query.filters, policy),
        "workload": workload(request.user, muni, query.period, query.filters, timezone.now()),
        "components": [(c.value, LABELS[c]) for c in Component],
        "may_configure": may_configure(request.user, muni),
    }
    return render(request, "analytics/ratings.html", context)


# --- the rules ----------------------------------------------------------------------------------


def _weight(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=100)


class RatingPolicyForm(forms.Form):
    weight_volume = _weight(LABELS[Component.VOLUME])
    weight_speed = _weight(LABELS[Component.SPEED])
    weight_completeness = _weight(LABELS[Component.COMPLETENESS])
    weight_quality = _weight(LABELS[Component.QUALITY])
    weight_satisfaction = _weight(LABELS[Component.SATISFACTION])
    min_cases = forms.IntegerField(
        label="Не меньше обращений за период",
        min_value=1,
        max_value=1000,
        help_text="у кого меньше, тот в рейтинг не входит (правило Ульяновска — от 2 в месяц)",
    )
    prior_cases = forms.IntegerField(
        label="Сила сглаживания, условных обращений",
        min_value=0,
        max_value=1000,
        help_text="сколько обращений со средней по МО долей добавляется к каждому исполнителю; "
        "0 — без сглаживания",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weights = [data.get(name) for name in WEIGHT_FIELDS.values()]
        if all(w is not None for w in weights) and not sum(w or 0 for w in weights):
            raise forms.ValidationError("Хотя бы один вес должен быть больше нуля.")
        return data


def _policy_municipality(request: AuthedRequest) -> Municipality:
    """The municipality asked for (`municipality`), else the user's own; 403 unless the user
    configures it."""
    allowed = actor_scope(request.user).municipality_ids(Action.CONFIGURE)
    raw = request.POST.get("municipality") or request.GET.get("municipality")
    if raw:
        wanted = int(raw) if raw.isdigit() else None
    else:
        wanted = request.municipality.pk if request.municipality is not None else None
    if wanted is None or wanted not in allowed:
        raise PermissionDenied(NO_RIGHTS)
    return Municipality.objects.get(pk=wanted)


@login_required
@require_http_methods(["GET", "POST"])
def policy_page(request: AuthedRequest) -> HttpResponse:
    municipality = _policy_municipality(request)
    current = rating_policy(municipality.pk)
    initial = {name: getattr(current, name) for name in POLICY_FIELDS}
    form = RatingPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {name: int(form.cleaned_data[name]) for name in POLICY_FIELDS}
        save_rating_policy(municipality.pk, values, by=request.user)
        messages.success(request, "Правила рейтинга сохранены.")
        return redirect(f"{reverse('analytics:rating_policy')}?municipality={municipality.pk}")
    context = {
        "tab": "ratings",
        "municipality": municipality,
        "form": form,
        "weight_fields": [form[name] for name in WEIGHT_FIELDS.values()],
        "saved": current.pk is not None,
        "defaults": _defaults(),
        "method": method_text(Policy.of(current)),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "analytics/ratings_policy.html", context, status=status)


def _defaults() -> str:
    row = RatingPolicy()
    weights = ", ".join(f"{LABELS[c].lower()} {getattr(row, f)}" for c, f in WEIGHT_FIELDS.items())
    return (
        f"веса: {weights}; не меньше {row.min_cases} обращений; "
        f"сглаживание {row.prior_cases} обращений"
    )
