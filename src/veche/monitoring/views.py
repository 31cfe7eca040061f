"""The monitoring pages: the watched sources and words, the feed of mentions with filters and
the «Создать обращение» button, the alerts with the «Отработано» form. МЦУ-wide: a person
sees the municipalities where they work with everything (Action.WORK)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from veche.cases.errors import CaseError
from veche.monitoring.alerts import mark_handled
from veche.monitoring.forms import FeedQuery, HandleForm, SourceForm, WatchWordForm
from veche.monitoring.incidents import create_case_from_mention
from veche.monitoring.models import Mention, MonitoredSource, WatchWord
from veche.monitoring.selectors import (
    MentionFilter,
    field_municipalities,
    mention_feed,
    visible_alerts,
    visible_sources,
)
from veche.monitoring.services import add_watch_word
from veche.org.access import Action
from veche.web.http import AuthedRequest

PAGE = 50
NO_CONFIGURE = "Источники мониторинга настраивает тот, кто настраивает работу МО."


@login_required
@require_http_methods(["GET", "POST"])
def sources(request: AuthedRequest) -> HttpResponse:
    configurable = field_municipalities(request.user, Action.CONFIGURE)
    form = SourceForm(request.POST or None)
    form.fields["municipality"].queryset = configurable  # type: ignore[attr-defined]
    if request.method == "POST":
        if not configurable.exists():
            raise PermissionDenied(NO_CONFIGURE)
        if form.is_valid():
            form.save()
            messages.success(request, "Источник добавлен.")
            return redirect("monitoring:sources")
    words = WatchWord.objects.filter(municipality__in=field_municipalities(request.user))
    context = {
        "sources": visible_sources(request.user),
        "form": form,
        "words": words.select_related("municipality"),
        "word_municipalities": configurable,
        "tab": "sources",
    }
    return render(request, "monitoring/sources.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    configurable = field_municipalities(request.user, Action.CONFIGURE)
    source = get_object_or_404(MonitoredSource, pk=pk, municipality__in=configurable)
    form = SourceForm(request.POST or None, instance=source)
    form.fields["municipality"].queryset = configurable  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Источник сохранён.")
        return redirect("monitoring:sources")
    context = {"form": form, "source": source, "tab": "sources"}
    return render(
        request, "monitoring/source_form.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def add_word(request: AuthedRequest) -> HttpResponse:
    form = WatchWordForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Укажите слово или фразу.")
        return redirect("monitoring:sources")
    allowed = field_municipalities(request.user, Action.CONFIGURE)
    municipality = allowed.filter(pk=form.cleaned_data["municipality"]).first()
    if municipality is None:
        raise PermissionDenied(NO_CONFIGURE)
    add_watch_word(municipality, form.cleaned_data["phrase"])
    messages.success(request, "Слово добавлено.")
    return redirect("monitoring:sources")


@login_required
def mentions(request: AuthedRequest) -> HttpResponse:
    query = FeedQuery(request.GET or None)
    data = query.cleaned_data if query.is_valid() else {}
    feed = mention_feed(
        request.user,
        MentionFilter(
            source=data.get("source"),
            subject=data.get("subject") or "",
            min_risk=data.get("min_risk"),
            reposts=bool(data.get("reposts")),
        ),
    )
    page = Paginator(feed, PAGE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "page": page,
        "sources": visible_sources(request.user),
        "tab": "mentions",
    }
    return render(request, "monitoring/mentions.html", context, status=400 if query.errors else 200)


@login_required
@require_POST
def mention_case(request: AuthedRequest, pk: int) -> HttpResponse:
    mention = get_object_or_404(
        Mention.objects.select_related("source__municipality", "case"),
        pk=pk,
        municipality__in=field_municipalities(request.user),
    )
    case = create_case_from_mention(mention, by=request.user, now=timezone.now())
    messages.success(request, f"Обращение {case.number} создано по публикации.")
    return redirect("cases:detail", case.pk)


@login_required
def alerts(request: AuthedRequest) -> HttpResponse:
    shown = visible_alerts(request.user)
    context = {
        "open": shown.filter(handled_at__isnull=True),
        "handled": shown.filter(handled_at__isnull=False)[:PAGE],
        "tab": "alerts",
    }
    return render(request, "monitoring/alerts.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def alert(request: AuthedRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(visible_alerts(request.user), pk=pk)
    form = HandleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                mark_handled(
                    found,
                    response=form.cleaned_data["response"],
                    by=request.user,
                    now=timezone.now(),
                )
            except CaseError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Сигнал отмечен как отработанный.")
                return redirect("monitoring:alert", found.pk)
        status = 400
    context = {
        "alert": found,
        "evidence": found.evidence.select_related("source", "case").order_by("-published_at"),
        "form": form,
        "tab": "alerts",
    }
    return render(request, "monitoring/alert.html", context, status=status)
