"""What feedback keeps: the brush-off check of each answer, and which failed criteria stop an
answer from being approved in a municipality; the citizens' ratings of answers, the
municipality's rules for them, and repeats counted against an answer."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from veche.cases.models import Answer, Case
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


class SurveyPolicy(models.Model):
    """A municipality's rules for the satisfaction survey. Without a row the defaults hold
    (`veche.feedback.surveys.policy_for`): a rating of 2 or less, or «не решено», reopens the
    case; a link is valid for 14 days; a repeat within 60 days counts against the answer."""

    class Unhappy(models.TextChoices):
        REOPEN = "reopen", "возобновить обращение"
        REVIEW = "review", "передать на разбор в МЦУ"

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="survey_policy"
    )
    on_unhappy = models.CharField(
        "при недовольстве", max_length=8, choices=Unhappy.choices, default=Unhappy.REOPEN
    )
    unhappy_at_most = models.PositiveSmallIntegerField(
        "недоволен при оценке не выше", default=2, validators=[MinValueValidator(0)]
    )
    unsolved_is_unhappy = models.BooleanField("«не решено» — недоволен", default=True)
    valid_days = models.PositiveSmallIntegerField(
        "ссылка действует, дней", default=14, validators=[MinValueValidator(1)]
    )
    repeat_days = models.PositiveSmallIntegerField(
        "повторное обращение — в течение, дней", default=60, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = "правило опроса заявителей"
        verbose_name_plural = "правила опроса заявителей"

    def __str__(self) -> str:
        return f"опрос заявителей: {self.municipality}"


class Survey(models.Model):
    """The question «как вам ответ?» about one sent final answer, and the citizen's reply.

    The link carries a signed token (`veche.feedback.surveys.token_for`): the pk and `nonce`
    under the secret key, so nothing secret is stored and a lost database row cannot be
    guessed back. One reply per survey; after `expires_at` none."""

    class Outcome(models.TextChoices):
        NONE = "", "—"
        REOPENED = "reopened", "обращение возобновлено"
        REVIEW = "review", "на разборе в МЦУ"
        UNCHANGED = "unchanged", "без последствий"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="surveys")
    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="survey")
    nonce = models.CharField(max_length=22, editable=False)
    # Where the question went: the channel code (e-mail link, Telegram buttons, status page).
    asked_via = models.CharField("канал вопроса", max_length=16)
    created_at = models.DateTimeField("задан")
    expires_at = models.DateTimeField("действует до")
    answered_at = models.DateTimeField("ответ получен", null=True, blank=True)
    answered_via = models.CharField("как ответил", max_length=16, blank=True)
    rating = models.PositiveSmallIntegerField(
        "оценка",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    solved = models.BooleanField("проблема решена", null=True, blank=True)
    comment = models.TextField("комментарий", blank=True)
    outcome = models.CharField("что последовало", max_length=10, blank=True, choices=Outcome)

    class Meta:
        verbose_name = "оценка ответа"
        verbose_name_plural = "оценки ответов"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="survey_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | models.Q(rating__isnull=False),
                name="survey_answered_has_rating",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="survey_case_created"),
            models.Index(fields=["outcome", "answered_at"], name="survey_outcome"),
        ]

    def __str__(self) -> str:
        return f"оценка ответа {self.answer_id}"


class Repeat(models.Model):
    """A повторное обращение: the same author on the same problem after `answer` was sent
    (GLOSSARY.md, «repeat»), counted against that answer for the repeat share."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="repeats")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="repeat_of")
    found_at = models.DateTimeField("найдено")

    class Meta:
        verbose_name = "повторное обращение"
        verbose_name_plural = "повторные обращения"

    def __str__(self) -> str:
        return f"{self.case_id} повторяет ответ {self.answer_id}"
