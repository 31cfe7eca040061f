"""The information field of a municipality: the public sources watched (feeds of local media,
VK walls, Telegram channels), the posts found there that concern the municipality (mentions),
the words it watches for, and the alerts raised about risky talk.

A mention is recorded once per source and remote id; later fetches only refresh its reach
(views, reposts, comments) and keep the previous snapshot, so the speed of growth is known.
A repost — the same text seen again anywhere in the municipality's field — points at the first
mention (`repost_of`) and is not counted again as talk.
"""

from django.db import models
from django.db.models import Q

from veche.cases.models import Case
from veche.org.models import Municipality, User


class SourceKind(models.TextChoices):
    RSS = "rss", "RSS/Atom-лента"
    VK = "vk", "Стена ВКонтакте"
    TELEGRAM = "telegram", "Канал Telegram"


class MonitoredSource(models.Model):
    """One public place watched: a feed, a VK community or person's wall, a Telegram channel."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    kind = models.CharField("вид", max_length=10, choices=SourceKind.choices)
    name = models.CharField("название", max_length=200)
    # The feed's address; the wall's owner id («-12345» for a community, «12345» for a person)
    # or its screen name; the channel's public name («krasnolesk_news»).
    address = models.CharField("адрес / владелец", max_length=500)
    # Connector parameters (see each connector's docstring): api_url, token_env, …
    config = models.JSONField("параметры", default=dict, blank=True)
    schedule_minutes = models.PositiveIntegerField("опрашивать каждые, мин", default=30)
    is_active = models.BooleanField("включён", default=True)
    cursor = models.JSONField(default=dict, blank=True, editable=False)
    last_run_at = models.DateTimeField("последний опрос", null=True, blank=True)
    last_success_at = models.DateTimeField("последний успех", null=True, blank=True)
    next_run_at = models.DateTimeField("следующий опрос", null=True, blank=True)
    last_error = models.TextField("последняя ошибка", blank=True)
    failures = models.PositiveIntegerField("ошибок подряд", default=0)

    class Meta:
        verbose_name = "источник мониторинга"
        verbose_name_plural = "источники мониторинга"
        ordering = ["municipality", "name"]

    def __str__(self) -> str:
        return self.name


class WatchWord(models.Model):
    """A word or phrase the municipality watches for, in any word form («свалка», «нет
    воды»); `lemmas` is the phrase as lemmas, kept when it is saved."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    phrase = models.CharField("слово или фраза", max_length=200)
    lemmas = models.CharField(max_length=400, editable=False)

    class Meta:
        verbose_name = "ключевое слово"
        verbose_name_plural = "ключевые слова"
        ordering = ["phrase"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "lemmas"], name="watchword_unique")
        ]

    def __str__(self) -> str:
        return self.phrase


class Mention(models.Model):
    """A post or comment of a watched source that concerns the municipality."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(MonitoredSource, on_delete=models.CASCADE, related_name="mentions")
    external_id = models.CharField("внешний номер", max_length=300)
    url = models.URLField("ссылка", max_length=1000, blank=True)
    author = models.CharField("автор", max_length=300, blank=True)
    text = models.TextField("текст")
    published_at = models.DateTimeField("опубликовано")
    found_at = models.DateTimeField("найдено")
    views = models.PositiveIntegerField("просмотры", default=0)
    reposts = models.PositiveIntegerField("репосты", default=0)
    comments = models.PositiveIntegerField("комментарии", default=0)
    # The previous snapshot of the reach, and when the current one was taken.
    views_before = models.PositiveIntegerField(default=0)
    snapshot_before_at = models.DateTimeField(null=True, blank=True)
    snapshot_at = models.DateTimeField()
    places = models.JSONField("места", default=list, blank=True)
    keywords = models.JSONField("ключевые слова", default=list, blank=True)
    negativity = models.FloatField("негатив", default=0.0)
    risk = models.FloatField("риск", default=0.0, db_index=True)
    content_hash = models.CharField(max_length=64, db_index=True)
    repost_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "упоминание"
        verbose_name_plural = "упоминания"
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="mention_unique")
        ]
        indexes = [models.Index(fields=["municipality", "-published_at"])]

    def __str__(self) -> str:
        return f"{self.source} · {self.external_id}"

    @property
    def subjects(self) -> list[str]:
        """What the mention talks about, as spike subjects: its places and keywords."""
        return [*(f"место: {p}" for p in self.places), *(f"слово: {k}" for k in self.keywords)]


class Alert(models.Model):
    """Risky talk the head and the МЦУ are told about: a spike of talk about one subject or
    one mention of high risk, with the mentions as evidence, until marked handled."""

    class Kind(models.TextChoices):
        SPIKE = "spike", "всплеск обсуждения"
        RISK = "risk", "рискованная публикация"

    class Level(models.TextChoices):
        WARNING = "warning", "внимание"
        CRITICAL = "critical", "критично"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("вид", max_length=8, choices=Kind.choices)
    level = models.CharField("уровень", max_length=8, choices=Level.choices)
    subject = models.CharField("предмет", max_length=300)
    summary = models.CharField("что произошло", max_length=500)
    evidence = models.ManyToManyField(Mention, related_name="alerts", verbose_name="публикации")
    created_at = models.DateTimeField("создано")
    handled_at = models.DateTimeField("отработано", null=True, blank=True)
    handled_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response = models.TextField("принятые меры", blank=True)

    class Meta:
        verbose_name = "сигнал"
        verbose_name_plural = "сигналы"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open alert per subject: new evidence joins it instead of a second alarm.
            models.UniqueConstraint(
                fields=["municipality", "kind", "subject"],
                condition=Q(handled_at__isnull=True),
                name="alert_one_open_per_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    @property
    def item_key(self) -> str:
        """Its reminders in the deadlines app's notification list."""
        return f"monitoring-alert:{self.pk}"


class FieldDigest(models.Model):
    """The daily digest of the information field sent to one person: one per person and day."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField()
    text = models.TextField()
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "user", "day"], name="field_digest_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.day}"
