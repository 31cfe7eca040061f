"""The import pages: upload, column mapping, the run with its live progress line and its
problems, and the report as a CSV download. Thin: parse, call one service, render."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from veche.intake.imports import service
from veche.intake.imports.forms import AUTO, MappingForm, UploadForm
from veche.intake.imports.report import report_lines
from veche.intake.imports.selectors import import_municipalities, run_problems, visible_runs
from veche.intake.imports.tasks import run_import_task
from veche.intake.models import ImportKind, ImportRun
from veche.web.http import AuthedRequest, render_page
from veche.web.outages import enqueue

SHOWN_PROBLEMS = 500
RECENT_RUNS = 20


def _visible_run(request: AuthedRequest, pk: int) -> ImportRun:
    run = visible_runs(request.user).filter(pk=pk).first()
    if run is None:
        raise Http404("Загрузка не найдена.")
    return run


def _enqueue(run: ImportRun) -> None:
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.QUEUED)
    # With the queue down the run stays queued; `requeue_stale_imports` queues it again.
    transaction.on_commit(lambda: enqueue(run_import_task, run.pk))


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthedRequest) -> HttpResponse:
    municipalities = import_municipalities(request.user)
    if not municipalities.exists():
        raise PermissionDenied("Загружать выгрузки могут сотрудники МЦУ.")
    form = UploadForm(request.POST or None, request.FILES or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        run = service.start_import(
            form.cleaned_data["municipality"],
            form.cleaned_data["file"],
            kind=ImportKind.POS if kind == AUTO else ImportKind(kind),
            by=request.user,
            now=timezone.now(),
        )
        return _after_upload(run)
    runs = visible_runs(request.user)[:RECENT_RUNS]
    status = 400 if form.errors else 200
    return render(
        request, "intake/imports/upload.html", {"form": form, "runs": runs}, status=status
    )


def _after_upload(run: ImportRun) -> HttpResponse:
    found = service.inspect_run(run)
    if found.error:
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportRun.State.FAILED, error=found.error, finished_at=timezone.now()
        )
    elif found.detected is None:
        ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.MAPPING)
        return redirect("intake:imports:mapping", pk=run.pk)
    else:
        mapping = found.detected.mapping
        ImportRun.objects.filter(pk=run.pk).update(kind=found.detected.kind, mapping=mapping)
        _enqueue(run)
    return redirect("intake:imports:run", pk=run.pk)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _visible_run(request, pk)
    if run.state != ImportRun.State.MAPPING:
        return redirect("intake:imports:run", pk=run.pk)
    found = service.inspect_run(run)
    initial = {"kind": run.kind, "name": f"{run.get_kind_display()}: {run.file_name}"[:200]}
    form = MappingForm(request.POST or None, headers=found.headers, initial=initial)
    if request.method == "POST" and form.is_valid():
        run.kind = form.cleaned_data["kind"]
        run.save(update_fields=["kind"])
        service.save_mapping(run, form.columns(), name=form.cleaned_data["name"], by=request.user)
        _enqueue(run)
        return redirect("intake:imports:run", pk=run.pk)
    context = {"run": run, "form": form, "found": found}
    status = 400 if form.errors else 200
    return render(request, "intake/imports/mapping.html", context, status=status)


@login_required
@require_GET
def run_page(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _visible_run(request, pk)
    context = _run_context(run)
    return render_page(request, "intake/imports/run.html", "intake/imports/_run.html", context)


def _run_context(run: ImportRun) -> dict[str, Any]:
    running = run.state in (ImportRun.State.QUEUED, ImportRun.State.RUNNING)
    total = run.rows_total or 0
    return {
        "run": run,
        "running": running,
        "waiting": run.state == ImportRun.State.MAPPING,
        "percent": min(100, round(100 * run.rows_done / total)) if total else None,
        "problems": [] if running else run_problems(run, limit=SHOWN_PROBLEMS),
        "shown_limit": SHOWN_PROBLEMS,
        "problem_count": run.problems.count(),
    }


@login_required
@require_GET
def report(request: AuthedRequest, pk: int) -> StreamingHttpResponse:
    run = _visible_run(request, pk)
    response = StreamingHttpResponse(report_lines(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-report.csv"'
    return response
