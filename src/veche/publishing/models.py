"""Official pages (госпаблики), their templates and posts, and the record of every publication.

The profile fields and the norms come from DOMAIN.md §5 and §8 item 16: the network, the
«Госорганизация» mark, the category, name/description/phone/address/hours, avatar, cover and the
ЕПГУ/ПОС widgets; at least 3 posts a week unless configured otherwise.
"""

import uuid

from django.db import models

from veche.cases.models import Case
from veche.catalog.models import Topic
from veche.intake.models import Source
from veche.org.models import Department, Municipality, User


class Network(models.TextChoices):
    VK = "vk", "ВКонтакте"
    OK = "ok", "Одноклассники"
    TELEGRAM = "telegram", "Telegram"


class OfficialPage(models.Model):
    class Category(models.TextChoices):
        FLAGSHIP = "flagship", "флагманский"
        ACTIVE = "active", "активный"
        CARD = "card", "визитка"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    network = models.CharField("сеть", max_length=16, choices=Network.choices)
    name = models.CharField("название страницы", max_length=200)
    institution = models.CharField("учреждение", max_length=300, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="подразделение"
    )
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="ответственный"
    )
    url = models.URLField("адрес", blank=True)
    # The community id (VK, OK) or the channel's chat id / @name (Telegram).
    remote_id = models.CharField("номер в сети", max_length=100)
    # The name of the environment variable holding the access token: never the token itself.
    token_env = models.CharField("переменная окружения с токеном", max_length=100)
    # OK signs calls with the application key and the session secret (also by variable name).
    app_key_env = models.CharField(
        "переменная с ключом приложения (ОК)", max_length=100, blank=True
    )
    secret_env = models.CharField("переменная с секретом сессии (ОК)", max_length=100, blank=True)
    api_url = models.URLField("адрес API (если не стандартный)", blank=True)
    category = models.CharField(
        "категория", max_length=16, choices=Category.choices, default=Category.ACTIVE
    )
    topics = models.ManyToManyField(Topic, blank=True, verbose_name="темы")
    posts_per_week = models.PositiveSmallIntegerField("норма постов в неделю", default=3)
    max_silence_days = models.PositiveSmallIntegerField("допустимое молчание, дней", default=3)
    is_active = models.BooleanField("ведётся", default=True)
    # The intake source comments go to when an officer turns one into a case (the page's VK
    # community as an intake channel); without it comments are only counted.
    intake_source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="источник для обращений",
    )
    # Profile (DOMAIN.md §5): what the completeness check reads.
    is_verified = models.BooleanField("отметка «Госорганизация»", default=False)
    description = models.TextField("описание деятельности", blank=True)
    phone = models.CharField("телефон", max_length=50, blank=True)
    address = models.CharField("адрес", max_length=300, blank=True)
    hours = models.CharField("часы работы", max_length=200, blank=True)
    has_avatar = models.BooleanField("аватар", default=False)
    has_cover = models.BooleanField("обложка", default=False)
    has_widgets = models.BooleanField("виджеты ЕПГУ/ПОС", default=False)

    class Meta:
        verbose_name = "официальная страница"
        verbose_name_plural = "официальные страницы"
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "network", "remote_id"], name="publishing_page_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_network_display()})"


class PostTemplate(models.Model):
    """A text to publish, written here or handed down by the regional centre; a mandatory one
    (federal/regional content) must be out on every targeted page by `due_at`."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    title = models.CharField("название", max_length=200)
    text = models.TextField("текст")
    from_region = models.BooleanField("от регионального центра", default=False)
    is_mandatory = models.BooleanField("обязательный", default=False)
    due_at = models.DateTimeField("опубликовать до", null=True, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, verbose_name="темы")

    class Meta:
        verbose_name = "шаблон поста"
        verbose_name_plural = "шаблоны постов"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "черновик"
        APPROVED = "approved", "согласован"
        PUBLISHING = "publishing", "публикуется"
        PUBLISHED = "published", "опубликован"
        FAILED = "failed", "не опубликован"
        # The network took the call but the answer was lost and it cannot be looked up
        # (Telegram): a person checks the channel rather than risking a second copy.
        UNCERTAIN = "uncertain", "нужна проверка"

    page = models.ForeignKey(OfficialPage, on_delete=models.CASCADE, related_name="posts")
    template = models.ForeignKey(
        PostTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    text = models.TextField("текст")
    scheduled_at = models.DateTimeField("время публикации")
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    # The post's idempotency marker, sent where the network accepts one (VK `guid`).
    marker = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    # Who holds the post while it is being published (one worker's claim).
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # An earlier attempt may have reached the network (a lost answer, a dead worker): the next
    # one looks on the page before posting again.
    may_be_out = models.BooleanField(default=False, editable=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=100, blank=True)
    remote_url = models.URLField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    approved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Stats as the network last reported them.
    views = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    reposts = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    stats_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "пост"
        verbose_name_plural = "посты"
        ordering = ["scheduled_at", "id"]
        indexes = [models.Index(fields=["state", "scheduled_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "remote_id"],
                condition=~models.Q(remote_id=""),
                name="publishing_post_remote_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.page}: {self.text[:40]}"

    @property
    def engagement(self) -> int:
        return self.likes + self.reposts + self.comments


class Publication(models.Model):
    """One attempt to publish a post and how it ended: the record of what went out."""

    class Outcome(models.TextChoices):
        STARTED = "started", "начата"
        PUBLISHED = "published", "опубликовано"
        FOUND = "found", "найдено после сбоя"
        RETRY = "retry", "ошибка, повтор"
        FAILED = "failed", "ошибка"
        UNCERTAIN = "uncertain", "исход неизвестен"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="publications")
    claim = models.UUIDField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.STARTED)
    remote_id = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.post_id}: {self.get_outcome_display()}"


class PageComment(models.Model):
    """A resident's comment under one of our posts, as the network last reported it."""

    page = models.ForeignKey(OfficialPage, on_delete=models.CASCADE, related_name="page_comments")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="remote_comments")
    remote_id = models.CharField(max_length=100)
    author = models.CharField("автор", max_length=200)
    text = models.TextField("текст")
    posted_at = models.DateTimeField("написан")
    # The page answered in the comment's thread.
    answered = models.BooleanField("есть ответ", default=False)
    # 0–1, the triage lexicon score (`veche.triage.mood`): no offline sentiment model exists.
    negativity = models.FloatField("негатив", default=0.0)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["posted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["page", "remote_id"], name="publishing_comment_unique")
        ]

    def __str__(self) -> str:
        return self.text[:60]
