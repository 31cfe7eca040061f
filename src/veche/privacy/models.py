"""Retention of citizens' personal data: terms, legal holds, destruction acts and the cases
whose personal data were destroyed (DOMAIN.md §7.1, §8 item 20)."""

from django.db import models
from django.db.models import Q

from veche.cases.models import Case
from veche.cases.workflow import Regime, Status
from veche.org.models import Municipality, User

# The commonly cited archival term for citizens' appeals: 5 years ЭПК, Приказ Росархива от
# 20.12.2019 № 236 (DOMAIN.md §7.1, «not confirmed» — hence a rule per municipality overrides).
DEFAULT_RETENTION_DAYS = 1826


class RetentionRule(models.Model):
    """How long a municipality keeps the personal data of a finished case. Empty regime or
    status means «any»; the most specific rule wins (regime and status, then regime, then
    status, then the municipality's catch-all, then `DEFAULT_RETENTION_DAYS`)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    regime = models.CharField("режим", max_length=16, choices=Regime.choices, blank=True)
    status = models.CharField("итоговый статус", max_length=16, choices=Status.choices, blank=True)
    days = models.PositiveIntegerField("срок хранения, дней", default=DEFAULT_RETENTION_DAYS)
    changed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField("изменено")

    class Meta:
        verbose_name = "срок хранения"
        verbose_name_plural = "сроки хранения"
        ordering = ["municipality", "regime", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "regime", "status"], name="retention_rule_unique"
            ),
            models.CheckConstraint(condition=Q(days__gte=1), name="retention_rule_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.regime or '*'}/{self.status or '*'}: {self.days}"


class LegalHold(models.Model):
    """A case whose data must not be destroyed (a court case, a prosecutor's request, an
    expert review before destruction — ЭПК): active until released."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.CharField("основание", max_length=500)
    placed_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    placed_at = models.DateTimeField("установлено")
    released_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField("снято", null=True, blank=True)

    class Meta:
        verbose_name = "запрет уничтожения"
        verbose_name_plural = "запреты уничтожения"
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(released_at=None), name="legal_hold_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"запрет на {self.case_id}"


class DestructionAct(models.Model):
    """The act confirming destruction of personal data in the form of Приказ РКН от
    28.10.2022 № 179 (automated processing): operator, information system, the subjects (by
    record number, not by name: the names are what was destroyed), the categories of data,
    method, reason, date and the person responsible (DOMAIN.md §7.1)."""

    class State(models.TextChoices):
        RUNNING = "running", "выполняется"
        DONE = "done", "завершено"

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, verbose_name="МО")
    number = models.CharField("номер акта", max_length=32)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    operator = models.CharField("оператор", max_length=500)
    information_system = models.CharField("информационная система", max_length=200)
    categories = models.JSONField("категории персональных данных", default=list)
    method = models.CharField("способ уничтожения", max_length=500)
    reason = models.CharField("причина уничтожения", max_length=500)
    responsible = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responsible_name = models.CharField("ответственный", max_length=300)
    started_at = models.DateTimeField("начато")
    finished_at = models.DateTimeField("дата уничтожения", null=True, blank=True)
    cases_count = models.PositiveIntegerField("обращений", default=0)
    subjects_count = models.PositiveIntegerField("субъектов", default=0)
    files_count = models.PositiveIntegerField("файлов", default=0)

    class Meta:
        verbose_name = "акт об уничтожении персональных данных"
        verbose_name_plural = "акты об уничтожении персональных данных"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="act_unique_number")
        ]

    def __str__(self) -> str:
        return self.number


class PurgedCase(models.Model):
    """A case whose personal data were destroyed, under which act: the purge skips it next
    time (idempotent) and the act lists it."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="purge")
    act = models.ForeignKey(DestructionAct, on_delete=models.PROTECT, related_name="items")
    number = models.CharField("рег. номер", max_length=32)
    citizen_ref = models.PositiveIntegerField("запись заявителя", null=True, blank=True)
    final_status = models.CharField(max_length=16, choices=Status.choices)
    final_at = models.DateTimeField("итоговый статус с")
    purged_at = models.DateTimeField("уничтожено")

    class Meta:
        verbose_name = "обращение с уничтоженными ПДн"
        verbose_name_plural = "обращения с уничтоженными ПДн"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.number
