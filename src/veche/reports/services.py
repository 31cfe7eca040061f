"""Ordering and generating reports, and editing report templates.

`request_report` puts a report in the archive, queued, with a snapshot of the template;
`generate` builds it section by section, writing the progress to the row after each one
(the archive page polls it), then the XLSX and the PDF. A failure anywhere marks the report
failed with the reason; nothing half-written is offered for download.

A worker killed part-way leaves its report «running»: every step also saves a heartbeat, and
`requeue_stale` (a periodic job) queues a report whose heartbeat stopped again, to be built
anew from its template snapshot; its files are written once, at the end.
"""

import logging
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from veche.analytics.indicators import Period
from veche.org.models import Municipality, User
from veche.reports.content import Document, Section
from veche.reports.models import Report, ReportKind, ReportTemplate
from veche.reports.pdf import render_pdf
from veche.reports.sections import BUILDERS
from veche.reports.selectors import may_edit_templates, may_view_reports, reader_for
from veche.reports.template import (
    SectionChoice,
    TemplateData,
    current_template,
    known_sections,
    period_code,
    period_label,
)
from veche.reports.xlsx import render_xlsx

log = logging.getLogger(__name__)
# A report whose heartbeat is older than this lost its worker (a section takes seconds); a
# queued one older than this lost its queued job.
STALE_AFTER = timedelta(minutes=10)
Progress = Callable[[int, str], None]
SHORT_NAMES = {ReportKind.QUARTERLY: "Отчёт в ЦУР", ReportKind.MONTHLY: "Оценка качества ПОС и ИМ"}


class ErrorCode(StrEnum):
    FORBIDDEN = "forbidden"
    INVALID = "invalid"


class ReportError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SectionFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- ordering and generating ------------------------------------------------------------


def request_report(
    municipality: Municipality,
    kind: ReportKind,
    period: Period,
    *,
    by: User | None,
    now: datetime,
) -> Report:
    """A queued report with the municipality's current template; `by` None is the command
    run by cron. The caller queues `tasks.generate_report` on commit."""
    if by is not None and not may_view_reports(by, municipality.pk):
        raise ReportError(ErrorCode.FORBIDDEN, "Отчёты этого МО заказывает МЦУ.")
    if period.end < period.start:
        raise ReportError(ErrorCode.INVALID, "Конец периода раньше начала.")
    with transaction.atomic(durable=True):
        return Report.objects.create(
            municipality=municipality,
            kind=kind,
            period_start=period.start,
            period_end=period.end,
            template=current_template(municipality, kind).as_json(),
            created_by=by,
            created_at=now,
            step="Ждёт очереди",
        )


def generate(report_id: int, *, progress: Progress | None = None) -> Report:
    """Build a queued report's files. A report already taken (by another worker, or a second
    delivery of the task) is left alone."""
    now = timezone.now()
    claimed = Report.objects.filter(pk=report_id, state=Report.State.QUEUED).update(
        state=Report.State.RUNNING, started_at=now, heartbeat_at=now, step="Начато", progress=0
    )
    report = Report.objects.select_related("municipality").get(pk=report_id)
    if not claimed:
        return report

    def step(percent: int, message: str) -> None:
        Report.objects.filter(pk=report_id).update(
            progress=percent, step=message[:300], heartbeat_at=timezone.now()
        )
        if progress is not None:
            progress(percent, message)

    chosen = chosen_sections(report)
    try:
        document = build_document(report, chosen, step)
        step(_scaled(len(chosen), len(chosen) + 2), "Книга XLSX")
        xlsx = render_xlsx(document)
        step(_scaled(len(chosen) + 1, len(chosen) + 2), "Документ PDF")
        pdf = render_pdf(document)
        name = file_name(report)
        report.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
        report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
    except SectionFailed as exc:
        return _fail(report, exc.message)
    except Exception as exc:
        log.exception("report %s failed", report_id)
        return _fail(report, f"Не удалось сформировать файлы отчёта: {_reason(exc)}")
    Report.objects.filter(pk=report_id).update(
        state=Report.State.DONE,
        progress=100,
        step="Готово",
        xlsx=report.xlsx.name,
        pdf=report.pdf.name,
        finished_at=timezone.now(),
        error="",
    )
    if progress is not None:
        progress(100, "Готово")
    return Report.objects.get(pk=report_id)


def requeue_stale(now: datetime) -> list[int]:
    """The reports to queue again: a running one whose heartbeat stopped (its worker died; it
    is put back in the queue, to be built anew) and a queued one nobody took for
    `STALE_AFTER` (its job was lost). Queuing a report twice is harmless: one worker takes it."""
    dead = Q(state=Report.State.RUNNING) & (
        Q(heartbeat_at__lt=now - STALE_AFTER)
        | Q(heartbeat_at__isnull=True, started_at__lt=now - STALE_AFTER)
    )
    ids = []
    for pk in Report.objects.filter(dead).values_list("pk", flat=True):
        # Conditional, so a report whose worker just finished a step is left to it.
        if Report.objects.filter(dead, pk=pk).update(
            state=Report.State.QUEUED, progress=0, step="Ждёт очереди (после сбоя)"
        ):
            log.warning("report %s: its worker stopped, queued again", pk)
            ids.append(pk)
    lost = Report.objects.filter(
        state=Report.State.QUEUED, created_at__lt=now - STALE_AFTER
    ).exclude(pk__in=ids)
    return ids + list(lost.values_list("pk", flat=True))


def chosen_sections(report: Report) -> list[SectionChoice]:
    """The sections the report's template snapshot has switched on, in its order."""
    stored = report.template.get("sections", [])
    return [s for s in known_sections(ReportKind(report.kind), stored) if s.enabled]


def build_document(report: Report, chosen: list[SectionChoice], step: Progress) -> Document:
    """The report's content, section by section."""
    municipality = report.municipality
    period = Period(report.period_start, report.period_end)
    template = TemplateData.from_json(report.template)
    reader = reader_for(municipality)
    zone = zoneinfo.ZoneInfo(municipality.time_zone)
    document = Document(
        title=template.title,
        municipality=municipality.name,
        period=period_label(period),
        intro=template.intro_for(municipality, period),
        generated=f"{timezone.localtime(timezone.now(), zone):%d.%m.%Y %H:%M}",
        signature_position=template.signature_position,
        signature_name=template.signature_name,
    )
    for done, choice in enumerate(chosen):
        total = len(chosen)
        step(_scaled(done, total + 2), f"Раздел {done + 1} из {total}: {choice.title}")
        try:
            content = BUILDERS[choice.key](reader, municipality, period)
        except Exception as exc:
            log.exception("report %s: section %s failed", report.pk, choice.key)
            raise SectionFailed(f"Раздел «{choice.title}» не сформирован: {_reason(exc)}") from exc
        document.sections.append(Section(choice.key, choice.title, content))
    return document


def file_name(report: Report) -> str:
    """The name the files are stored and downloaded under: «Отчёт в ЦУР 2026-Q3 (12)»."""
    period = Period(report.period_start, report.period_end)
    return f"{SHORT_NAMES[ReportKind(report.kind)]} {period_code(period)} ({report.pk})"


def _scaled(done: int, total: int) -> int:
    return min(99, round(100 * done / total)) if total else 0


def _fail(report: Report, message: str) -> Report:
    for field in (report.xlsx, report.pdf):
        if field.name:
            field.delete(save=False)
    Report.objects.filter(pk=report.pk).update(
        state=Report.State.FAILED,
        error=message,
        step="Ошибка",
        xlsx="",
        pdf="",
        finished_at=timezone.now(),
    )
    return Report.objects.get(pk=report.pk)


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


# --- templates ----------------------------------------------------------------------------


def save_template(
    municipality: Municipality, kind: ReportKind, data: TemplateData, *, by: User, now: datetime
) -> ReportTemplate:
    """Store the municipality's template of the kind (the sections' order is the list's)."""
    if not may_edit_templates(by, municipality.pk):
        raise ReportError(ErrorCode.FORBIDDEN, "Шаблоны отчётов настраивает руководство МЦУ.")
    if not data.title.strip():
        raise ReportError(ErrorCode.INVALID, "Нужен заголовок отчёта.")
    sections = known_sections(kind, [vars(s) for s in data.sections])
    if not any(s.enabled for s in sections):
        raise ReportError(ErrorCode.INVALID, "Оставьте включённым хотя бы один раздел.")
    with transaction.atomic(durable=True):
        stored, _ = ReportTemplate.objects.update_or_create(
            municipality=municipality,
            kind=kind,
            defaults={
                "title": data.title.strip(),
                "intro": data.intro.strip(),
                "sections": [vars(s) for s in sections],
                "signature_position": data.signature_position.strip(),
                "signature_name": data.signature_name.strip(),
                "updated_at": now,
                "updated_by": by,
            },
        )
    return stored


def reset_template(municipality: Municipality, kind: ReportKind, *, by: User) -> None:
    """Back to the default in code: the municipality's own version is forgotten."""
    if not may_edit_templates(by, municipality.pk):
        raise ReportError(ErrorCode.FORBIDDEN, "Шаблоны отчётов настраивает руководство МЦУ.")
    with transaction.atomic(durable=True):
        ReportTemplate.objects.filter(municipality=municipality, kind=kind).delete()
