"""What feedback keeps: the brush-off check of each answer, and which failed criteria stop an
answer from being approved in a municipality."""

from django.db import models

from veche.cases.models import Answer
from veche.org.models import Municipality


class AnswerCheck(models.Model):
    """The latest brush-off check of an answer (`veche.feedback.brushoff`), as the editor and
    the approver saw it."""

    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="quality_check")
    checked_at = models.DateTimeField("проверено")
    brush_off = models.BooleanField("похоже на отписку")
    score = models.FloatField("оценка")
    # [{"criterion", "label", "passed", "detail", "advice"}, …], failed ones first
    findings = models.JSONField(default=list)

    class Meta:
        verbose_name = "проверка ответа"
        verbose_name_plural = "проверки ответов"

    def __str__(self) -> str:
        return f"проверка ответа {self.answer_id}"


class QualityPolicy(models.Model):
    """A municipality's rule: answers failing any of these criteria cannot be approved. By
    default none is binding: the check advises, the approver decides."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="quality_policy"
    )
    blocking = models.JSONField("запрещают согласование", default=list, blank=True)

    class Meta:
        verbose_name = "правило проверки ответов"
        verbose_name_plural = "правила проверки ответов"

    def __str__(self) -> str:
        return f"проверка ответов: {self.municipality}"
