"""The reports pages: the archive with the «Сформировать» form, a report's progress line
(polled by htmx while it is being built), the downloads, and the template editor."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.org.models import Municipality
from veche.reports import services
from veche.reports.forms import (
    ReportForm,
    TemplateForm,
    initial_period,
    recent_periods,
    sections_from,
    template_initial,
)
from veche.reports.models import Report, ReportKind
from veche.reports.selectors import (
    may_edit_templates,
    report_municipalities,
    visible_reports,
)
from veche.reports.tasks import generate_report
from veche.reports.template import TemplateData, current_template, default_template
from veche.web.http import AuthedRequest
from veche.web.outages import enqueue

PAGE_SIZE = 30
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@login_required
@require_GET
def archive(request: AuthedRequest) -> HttpResponse:
    municipalities = _report_municipalities(request)
    form = ReportForm(
        municipalities=municipalities, initial={"period": initial_period(timezone.localdate())}
    )
    return _archive(request, form, municipalities)


@login_required
@require_POST
def order(request: AuthedRequest) -> HttpResponse:
    municipalities = _report_municipalities(request)
    form = ReportForm(request.POST, municipalities=municipalities)
    if not form.is_valid():
        return _archive(request, form, municipalities, status=400)
    try:
        report = services.request_report(
            form.cleaned_data["municipality"],
            ReportKind(form.cleaned_data["kind"]),
            form.cleaned_data["parsed"],
            by=request.user,
            now=timezone.now(),
        )
    except services.ReportError as error:
        messages.error(request, error.message)
        return redirect("reports:archive")
    # With the queue down the report stays queued; `requeue_stale_reports` queues it again.
    transaction.on_commit(lambda: enqueue(generate_report, report.pk))
    messages.success(request, f"Отчёт заказан: {report}. Он появится в архиве, когда будет готов.")
    return redirect("reports:archive")


@login_required
@require_GET
def report_row(request: AuthedRequest, pk: int) -> HttpResponse:
    """One row of the archive: what htmx polls every 2 s while the report is being built."""
    report = _visible(request, pk)
    many = report_municipalities(request.user).count() > 1
    return render(request, "reports/_row.html", {"report": report, "many": many})


@login_required
@require_GET
def download(request: AuthedRequest, pk: int, fmt: str) -> FileResponse:
    report = _visible(request, pk)
    stored = report.xlsx if fmt == "xlsx" else report.pdf
    if report.state != Report.State.DONE or not stored.name:
        raise Http404("Файл отчёта ещё не готов.")
    try:
        handle = stored.open("rb")
    except FileNotFoundError as error:
        raise Http404("Файл отчёта отсутствует.") from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{services.file_name(report)}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_template(request: AuthedRequest, kind: str) -> HttpResponse:
    report_kind = _kind(kind)
    municipality = _configurable(request)
    if request.method == "POST":
        form = TemplateForm(request.POST)
        sections = sections_from(request.POST)
        if form.is_valid():
            data = TemplateData(sections=sections, **form.cleaned_data)
            try:
                services.save_template(
                    municipality, report_kind, data, by=request.user, now=timezone.now()
                )
            except services.ReportError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Шаблон сохранён.")
                return redirect("reports:template", kind=report_kind.value)
        status = 400
    else:
        current = current_template(municipality, report_kind)
        form = TemplateForm(initial=template_initial(current))
        sections, status = current.sections, 200
    defaults = {s.key: s.title for s in default_template(report_kind).sections}
    context = {
        "form": form,
        "kind": report_kind,
        "municipality": municipality,
        "sections": [(n, s, defaults.get(s.key, "")) for n, s in enumerate(sections, start=1)],
        "kinds": ReportKind.choices,
    }
    return render(request, "reports/template.html", context, status=status)


@login_required
@require_POST
def reset(request: AuthedRequest, kind: str) -> HttpResponse:
    report_kind = _kind(kind)
    services.reset_template(_configurable(request), report_kind, by=request.user)
    messages.success(request, "Шаблон возвращён к исходному.")
    return redirect("reports:template", kind=report_kind.value)


# --- helpers -----------------------------------------------------------------------------


def _archive(
    request: AuthedRequest,
    form: ReportForm,
    municipalities: QuerySet[Municipality],
    *,
    status: int = 200,
) -> HttpResponse:
    reports = visible_reports(request.user).order_by("-created_at", "-pk")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    muni = request.municipality
    context = {
        "form": form,
        "page": page,
        "many": report_municipalities(request.user).count() > 1,
        "periods": recent_periods(timezone.localdate()),
        "may_configure": muni is not None and may_edit_templates(request.user, muni.pk),
        "kinds": ReportKind.choices,
    }
    return render(request, "reports/archive.html", context, status=status)


def _report_municipalities(request: AuthedRequest) -> QuerySet[Municipality]:
    found = report_municipalities(request.user)
    if not found.exists():
        raise PermissionDenied("Отчёты заказывает и читает МЦУ: у вас нет такой роли.")
    return found


def _visible(request: AuthedRequest, pk: int) -> Report:
    report = visible_reports(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404("Отчёт не найден.")
    return report


def _kind(value: str) -> ReportKind:
    if value not in ReportKind.values:
        raise Http404("Нет такого вида отчёта.")
    return ReportKind(value)


def _configurable(request: AuthedRequest) -> Municipality:
    municipality = request.municipality
    if municipality is None or not may_edit_templates(request.user, municipality.pk):
        raise PermissionDenied("Шаблоны отчётов настраивает руководство МЦУ.")
    return municipality
