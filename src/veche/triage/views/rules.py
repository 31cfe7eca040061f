"""The routing rules page, /triage/rules/: the ordered list, the editor, and the «Проверить» box.

Only people who may configure the municipality (`Action.CONFIGURE`: the МЦУ's head, deputy and
administrator) reach it; a person who configures several municipalities picks one with
`?municipality=`. Each view parses, calls one service of `veche.catalog.services` (or loads the
rule book), and renders; moves and switches answer an htmx request with the table alone.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.catalog.forms import RoutingRuleForm, RuleCheckForm
from veche.catalog.models import RoutingRule
from veche.catalog.services import (
    CatalogError,
    ErrorCode,
    create_routing_rule,
    delete_routing_rule,
    move_routing_rule,
    set_routing_rule_active,
    update_routing_rule,
)
from veche.org.access import Action
from veche.org.models import Municipality
from veche.org.selectors import actor_scope
from veche.triage.rules import Condition, RuleBook, RuleContext, RuleTrace, split_keywords
from veche.web.http import AuthedRequest, render_page, wants_fragment

NO_RIGHTS = "Настройки МО доступны руководителю, заместителю руководителя и администратору МЦУ."


# --- who may, and which municipality --------------------------------------------------------


def _configurable(request: AuthedRequest) -> frozenset[int]:
    allowed = actor_scope(request.user).municipality_ids(Action.CONFIGURE)
    if not allowed:
        raise PermissionDenied(NO_RIGHTS)
    return allowed


def _municipality(request: AuthedRequest) -> Municipality:
    """The one asked for (`municipality` in the query or the form), else the page's own."""
    allowed = _configurable(request)
    raw = request.POST.get("municipality") or request.GET.get("municipality")
    if raw:
        if not raw.isdigit() or int(raw) not in allowed:
            raise PermissionDenied(NO_RIGHTS)
        wanted = int(raw)
    elif request.municipality is not None and request.municipality.pk in allowed:
        wanted = request.municipality.pk
    else:
        wanted = min(allowed)
    return Municipality.objects.get(pk=wanted)


def _rule(request: AuthedRequest, pk: int) -> RoutingRule:
    """Another municipality's rule is «not found», exactly like a missing id (issue 9)."""
    allowed = _configurable(request)
    return get_object_or_404(
        RoutingRule.objects.select_related("municipality", "department", "topic__parent"),
        pk=pk,
        municipality_id__in=allowed,
    )


def _list_url(request: AuthedRequest, municipality_id: int) -> str:
    url = reverse("triage:rules")
    return f"{url}?municipality={municipality_id}" if len(_configurable(request)) > 1 else url


def _refuse(error: CatalogError) -> None:
    if error.code == ErrorCode.FORBIDDEN:
        raise PermissionDenied(error.message) from error
    if error.code == ErrorCode.NOT_FOUND:
        raise Http404(error.message) from error


# --- the list -------------------------------------------------------------------------------


def _list_context(request: AuthedRequest, municipality: Municipality) -> dict[str, Any]:
    allowed = _configurable(request)
    rules = (
        RoutingRule.objects.filter(municipality=municipality)
        .select_related("topic__parent", "territory", "channel", "department")
        .order_by("position", "id")
    )
    return {
        "municipality": municipality,
        "municipalities": Municipality.objects.filter(pk__in=allowed) if len(allowed) > 1 else [],
        # The settings tabs keep the municipality chosen, for those who configure several.
        "municipality_param": municipality.pk if len(allowed) > 1 else None,
        "rules": [RuleRow(rule) for rule in rules],
        "check_form": RuleCheckForm(municipality=municipality),
    }


@dataclass(frozen=True)
class RuleRow:
    rule: RoutingRule

    @property
    def keywords(self) -> list[str]:
        return split_keywords(self.rule.keywords)

    @property
    def topic_is_group(self) -> bool:
        return self.rule.topic is not None and self.rule.topic.parent_id is None

    @property
    def in_force(self) -> bool:
        return self.rule.is_active and self.rule.department.is_active


@login_required
@require_GET
def rule_list(request: AuthedRequest) -> HttpResponse:
    municipality = _municipality(request)
    return render(request, "triage/rules.html", _list_context(request, municipality))


def _table_response(
    request: AuthedRequest, municipality_id: int, *, error: str = "", status: int = 200
) -> HttpResponse:
    """The table for an htmx swap; a plain form post goes back to the page."""
    if not wants_fragment(request):
        if error:
            messages.error(request, error)
        return redirect(_list_url(request, municipality_id))
    municipality = Municipality.objects.get(pk=municipality_id)
    context = {**_list_context(request, municipality), "error": error}
    return render(request, "triage/rules_table.html", context, status=status)


@login_required
@require_POST
def rule_move(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = _rule(request, pk)
    try:
        move_routing_rule(rule, up=request.POST.get("direction") != "down", by=request.user)
    except CatalogError as error:
        _refuse(error)
        return _table_response(request, rule.municipality_id, error=error.message, status=400)
    return _table_response(request, rule.municipality_id)


@login_required
@require_POST
def rule_active(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = _rule(request, pk)
    try:
        set_routing_rule_active(rule, active=request.POST.get("active") == "1", by=request.user)
    except CatalogError as error:
        _refuse(error)
        return _table_response(request, rule.municipality_id, error=error.message, status=400)
    return _table_response(request, rule.municipality_id)


# --- the editor -----------------------------------------------------------------------------


def _form_errors(form: RoutingRuleForm, error: CatalogError) -> None:
    _refuse(error)
    for field, message in error.fields.items() or [("__all__", error.message)]:
        form.add_error(None if field not in form.fields else field, message)


def _form_page(
    request: AuthedRequest, form: RoutingRuleForm, municipality: Municipality, **extra: Any
) -> HttpResponse:
    context = {"form": form, "municipality": municipality, **extra}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "triage/rules_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: AuthedRequest) -> HttpResponse:
    municipality = _municipality(request)
    form = RoutingRuleForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            rule = create_routing_rule(municipality, form.rule_data(), by=request.user)
        except CatalogError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Правило №{rule.position} добавлено в конец списка.")
            return redirect(_list_url(request, municipality.pk))
    return _form_page(request, form, municipality)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = _rule(request, pk)
    form = RoutingRuleForm(request.POST or None, municipality=rule.municipality, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            update_routing_rule(rule, form.rule_data(), by=request.user)
        except CatalogError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Правило №{rule.position} сохранено.")
            return redirect(_list_url(request, rule.municipality_id))
    return _form_page(request, form, rule.municipality, rule=rule)


@login_required
@require_http_methods(["GET", "POST"])
def rule_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    """A confirmation page; the rule goes on its POST, and the ones below move up."""
    rule = _rule(request, pk)
    if request.method == "POST":
        try:
            delete_routing_rule(rule, by=request.user)
        except CatalogError as error:
            _refuse(error)
            raise
        messages.success(request, f"Правило №{rule.position} удалено.")
        return redirect(_list_url(request, rule.municipality_id))
    context = {"rule": RuleRow(rule), "municipality": rule.municipality}
    return render(request, "triage/rules_delete.html", context)


# --- «Проверить» ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceRow:
    trace: RuleTrace
    reasons: list[str]


@login_required
@require_POST
def rule_check(request: AuthedRequest) -> HttpResponse:
    """Which rule fires on a trial case, and why each rule above it did not."""
    municipality = _municipality(request)
    form = RuleCheckForm(request.POST, municipality=municipality)
    context = _list_context(request, municipality) | {"check_form": form, "checked": True}
    if form.is_valid():
        context |= _check_result(municipality, form.cleaned_data)
    status = 200 if form.is_valid() else 400
    return render_page(
        request, "triage/rules.html", "triage/rules_check.html", context, status=status
    )


def _check_result(municipality: Municipality, data: dict[str, Any]) -> dict[str, Any]:
    case = RuleContext(
        text=data["text"],
        topic_id=data["topic"].pk if data["topic"] else None,
        territory_id=data["territory"].pk if data["territory"] else None,
        channel_id=data["channel"].pk if data["channel"] else None,
    )
    traces = RuleBook.load(municipality).explain(case)
    winner = next((i for i, t in enumerate(traces) if t.fired), None)
    shown = traces if winner is None else traces[: winner + 1]
    return {
        "traces": [TraceRow(t, _reasons(t, case)) for t in shown],
        "winner": None if winner is None else traces[winner].rule,
        "not_reached": len(traces) - len(shown),
        "in_book": len(traces),
    }


def _reasons(trace: RuleTrace, case: RuleContext) -> list[str]:
    """Why a rule did not fire, a phrase per failed condition, in the officer's words."""
    if trace.fired:
        return [f"найдено слово «{trace.keyword}»"] if trace.keyword else []
    return [_reason(condition, trace.rule, case) for condition in trace.failed]


def _reason(condition: Condition, rule: RoutingRule, case: RuleContext) -> str:
    if condition == Condition.TOPIC:
        if case.topic_id is None:
            return "тема обращения не определена"
        group = rule.topic is not None and rule.topic.parent_id is None
        return f"тема не из группы «{rule.topic}»" if group else f"тема не «{rule.topic}»"
    if condition == Condition.TERRITORY:
        if case.territory_id is None:
            return "территория не определена"
        return f"место не в границах «{rule.territory}»"
    if condition == Condition.CHANNEL:
        return f"канал не «{rule.channel}»"
    return "в тексте нет ни одного из слов: " + ", ".join(split_keywords(rule.keywords))


urlpatterns: list[URLPattern] = [
    path("rules/", rule_list, name="rules"),
    path("rules/new/", rule_new, name="rule_new"),
    path("rules/check/", rule_check, name="rule_check"),
    path("rules/<int:pk>/", rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", rule_delete, name="rule_delete"),
    path("rules/<int:pk>/move/", rule_move, name="rule_move"),
    path("rules/<int:pk>/active/", rule_active, name="rule_active"),
]
