"""Problems: cases that are about one thing, grouped so that one answer, one root cause and
later one road map can own them all (GLOSSARY.md, «Проблема»)."""

from django.db import models

from veche.cases.models import Case
from veche.catalog.models import Topic
from veche.org.models import Municipality, Territory, User


class Problem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "открыта"
        SOLVED = "solved", "решена"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    title = models.CharField("название", max_length=300)
    status = models.CharField(
        "состояние", max_length=16, choices=Status.choices, default=Status.OPEN
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="тема"
    )
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="территория"
    )
    place = models.CharField("место", max_length=300, blank=True)
    lat = models.FloatField("широта", null=True, blank=True)
    lon = models.FloatField("долгота", null=True, blank=True)
    case_count = models.PositiveIntegerField("обращений", default=0)
    first_at = models.DateTimeField("первое обращение")
    last_at = models.DateTimeField("последнее обращение")
    created_at = models.DateTimeField("создана")

    class Meta:
        verbose_name = "проблема"
        verbose_name_plural = "проблемы"
        ordering = ["-last_at", "-id"]
        indexes = [models.Index(fields=["municipality", "-last_at"], name="problem_muni_last")]

    def __str__(self) -> str:
        return self.title


class ProblemCase(models.Model):
    """A case's place in a problem, and why it is there. A case is in one problem at most."""

    class Reason(models.TextChoices):
        SAME_TEXT = "same_text", "тот же текст"
        SAME_PLACE = "same_place", "то же место и тема"
        SAME_AUTHOR = "same_author", "повторное обращение"
        OFFICER = "officer", "отнесено сотрудником"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="links")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="problem_link")
    reason = models.CharField("почему", max_length=16, choices=Reason.choices)
    added_at = models.DateTimeField("добавлено")
    added_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="кем"
    )

    class Meta:
        verbose_name = "обращение в проблеме"
        verbose_name_plural = "обращения в проблемах"

    def __str__(self) -> str:
        return f"{self.case_id} → {self.problem_id}"
