"""Report templates and the archive of generated reports (DOMAIN.md §4, §8 items 13–14).

The regional template of the quarterly report is not published, so each municipality edits
its own: which sections, in what order, under which titles, with its intro and signature.
A report keeps a snapshot of the template it was built with, so editing the template later
never changes a report already in the archive.
"""

from django.db import models

from veche.org.models import Municipality, User


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", "Ежеквартальный отчёт в ЦУР"
    MONTHLY = "monthly", "Ежемесячная оценка качества ответов ПОС и ИМ"


class ReportTemplate(models.Model):
    """A municipality's own version of a report kind; without one the default in code
    (`sections.default_template`) is used."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name="МО"
    )
    kind = models.CharField("вид отчёта", max_length=16, choices=ReportKind.choices)
    title = models.CharField("заголовок", max_length=300)
    intro = models.TextField("вступление", blank=True)
    # [{"key": "summary", "title": "Сводные показатели", "enabled": true}, …] in print order
    sections = models.JSONField("разделы", default=list)
    signature_position = models.CharField("должность подписывающего", max_length=300, blank=True)
    signature_name = models.CharField("ФИО подписывающего", max_length=200, blank=True)
    updated_at = models.DateTimeField("изменён")
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "шаблон отчёта"
        verbose_name_plural = "шаблоны отчётов"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind"], name="report_template_unique_kind"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Report(models.Model):
    """One generated report: its files live under the private media folder and are
    downloaded only through an access-checked view."""

    class State(models.TextChoices):
        QUEUED = "queued", "в очереди"
        RUNNING = "running", "формируется"
        DONE = "done", "готов"
        FAILED = "failed", "ошибка"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name="МО"
    )
    kind = models.CharField("вид отчёта", max_length=16, choices=ReportKind.choices)
    period_start = models.DateField("начало периода")
    period_end = models.DateField("конец периода")
    # The template as it was when the report was requested (`sections.TemplateData`).
    template = models.JSONField("шаблон", default=dict)
    state = models.CharField("состояние", max_length=8, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField("готовность, %", default=0)
    step = models.CharField("шаг", max_length=300, blank=True)
    xlsx = models.FileField("XLSX", upload_to="reports/%Y/%m/", blank=True)
    pdf = models.FileField("PDF", upload_to="reports/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("заказан")
    started_at = models.DateTimeField("начат", null=True, blank=True)
    # Saved with every step: a running report whose heartbeat stopped belonged to a worker that
    # died, and is queued again to be built anew (services.requeue_stale).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField("готов", null=True, blank=True)
    error = models.TextField("ошибка", blank=True)

    class Meta:
        verbose_name = "отчёт"
        verbose_name_plural = "отчёты"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["municipality", "-created_at"], name="report_muni_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"

    @property
    def running(self) -> bool:
        return self.state in {self.State.QUEUED, self.State.RUNNING}
