"""Reference data: channels and the topic tree (rubricator), shared by every municipality,
and each municipality's routing rules."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from veche.org.models import Block, Department, Municipality, Territory

# ТОТК codes: four dotted 4-digit blocks plus an optional fifth (подвопрос), DOMAIN.md §1.7.
TOTK_CODE = RegexValidator(r"^\d{4}(\.\d{4}){3}(\.\d{4})?$", "Код ТОТК: XXXX.XXXX.XXXX.XXXX[.XXXX]")


class Channel(models.Model):
    """Where a case came from and where its answer goes back (GLOSSARY.md, «Канал»)."""

    class Code(models.TextChoices):
        POS = "pos", "ПОС (Госуслуги)"
        IM = "im", "Инцидент Менеджмент"
        EMAIL = "email", "Электронная почта"
        TELEGRAM = "telegram", "Telegram"
        VK = "vk", "ВКонтакте"
        OK = "ok", "Одноклассники"
        WEB_FORM = "web_form", "Форма на сайте"
        PHONE = "phone", "Телефон"
        RECEPTION = "reception", "Личный приём"
        LETTER = "letter", "Письмо"
        API = "api", "API"
        OPEN311 = "open311", "Open311"

    code = models.CharField("код", max_length=16, unique=True, choices=Code.choices)
    name = models.CharField("название", max_length=100)
    is_active = models.BooleanField("включён", default=True)

    class Meta:
        verbose_name = "канал"
        verbose_name_plural = "каналы"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    """A node of the rubricator: a group of topics (level 0) or a topic (level 1)."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="группа",
    )
    name = models.CharField("название", max_length=300)
    socially_significant = models.BooleanField("социально значимая", default=False)
    severity = models.PositiveSmallIntegerField(
        "критичность (1–5)", default=2, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    im_name = models.CharField("тема в Инцидент Менеджменте", max_length=300, blank=True)
    pos_code = models.CharField("код ПОС", max_length=50, blank=True)
    totk_code = models.CharField("код ТОТК", max_length=24, blank=True, validators=[TOTK_CODE])
    blocks = models.ManyToManyField(
        Block, blank=True, related_name="topics", verbose_name="отраслевые блоки"
    )
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "тема"
        verbose_name_plural = "рубрикатор"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="topic_unique_name_in_group"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent=None), name="topic_unique_root_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name


class RoutingRule(models.Model):
    """«Topic × territory × keywords × channel → department»: the municipality's own routing,
    tried in `position` order before the learned suggestion; the first rule that fires wins.
    An empty condition matches anything; a topic group matches its topics, a territory its
    sub-territories; keywords match in any word form (one of them is enough)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="routing_rules", verbose_name="МО"
    )
    position = models.PositiveIntegerField("порядок", default=0)
    name = models.CharField("название", max_length=200, blank=True)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, verbose_name="тема или группа"
    )
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.CASCADE, verbose_name="территория"
    )
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, verbose_name="канал"
    )
    keywords = models.CharField(
        "ключевые слова", max_length=500, blank=True, help_text="через запятую; хватит одного"
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="+", verbose_name="исполнитель"
    )
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "правило маршрутизации"
        verbose_name_plural = "правила маршрутизации"
        ordering = ["municipality", "position", "id"]

    def __str__(self) -> str:
        return self.name or f"правило №{self.pk}"


class AnswerTemplate(models.Model):
    """A ready answer for a topic (or a whole group; or any topic), with placeholders filled
    from the case when an officer picks it (`veche.cases.answer_templates`)."""

    municipality = models.ForeignKey(
        Municipality,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answer_templates",
        verbose_name="МО",
        help_text="пусто — для всех МО",
    )
    topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name="тема или группа",
        help_text="пусто — для любой темы",
    )
    name = models.CharField("название", max_length=200)
    text = models.TextField(
        "текст",
        help_text=(
            "подстановки: {номер}, {дата}, {тема}, {адрес}, {исполнитель}, {телефон_исполнителя}"
        ),
    )
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "шаблон ответа"
        verbose_name_plural = "шаблоны ответов"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
