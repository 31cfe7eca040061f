"""What the channels have seen and sent: configured sources, each inbound message, each answer
going back, and the file imports (ПОС / ИМ exports) with their row-level problems.

Cases themselves live in `veche.cases`; a channel creates them through its services only.
"""

from django.db import models

from veche.cases.models import Answer, Case
from veche.catalog.models import Channel
from veche.org.models import Municipality, User


class Source(models.Model):
    """One connection of a municipality to an outside system: a mailbox, a Telegram bot, a VK
    community, a system that pushes by webhook. Its connector is chosen by its channel."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name="канал")
    name = models.CharField("название", max_length=200)
    is_active = models.BooleanField("включён", default=True)
    # Connection parameters of the connector (host, login, token, …), see each connector's
    # docstring; secrets may name an environment variable instead: {"password_env": "…"}.
    config = models.JSONField("параметры подключения", default=dict, blank=True)
    poll_seconds = models.PositiveIntegerField("опрашивать каждые, с", default=60)
    # Where the connector stopped: the last IMAP UID, the Telegram update offset, …
    cursor = models.JSONField(default=dict, blank=True, editable=False)
    last_attempt_at = models.DateTimeField("последняя попытка", null=True, blank=True)
    last_success_at = models.DateTimeField("последний успех", null=True, blank=True)
    next_attempt_at = models.DateTimeField("следующая попытка", null=True, blank=True)
    failures = models.PositiveIntegerField("ошибок подряд", default=0)
    last_error = models.TextField("последняя ошибка", blank=True)
    received_total = models.PositiveIntegerField("принято всего", default=0)

    class Meta:
        verbose_name = "источник"
        verbose_name_plural = "источники"
        ordering = ["municipality", "name"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One message as a channel delivered it: a new case or a further message on one.

    The registry of what has been seen: (source, external id) is unique, so a channel that
    delivers at least once never creates or appends anything twice.
    """

    class Outcome(models.TextChoices):
        CASE = "case", "новое обращение"
        MESSAGE = "message", "сообщение в обращение"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="deliveries")
    external_id = models.CharField("внешний номер", max_length=300)
    # The conversation a message belongs to (a chat, a VK dialogue): the next message of the
    # same conversation goes to the same open case.
    conversation = models.CharField(max_length=200, blank=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deliveries")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    received_at = models.DateTimeField("получено")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "доставка"
        verbose_name_plural = "доставки"
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="delivery_unique")
        ]
        indexes = [models.Index(fields=["source", "conversation", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.source} · {self.external_id}"


class Outbound(models.Model):
    """A message going back to the citizen through the channel the case came from: the
    registration receipt, an answer, the satisfaction question."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "подтверждение регистрации"
        ANSWER = "answer", "ответ"
        SURVEY = "survey", "вопрос об удовлетворённости"

    class State(models.TextChoices):
        PENDING = "pending", "ожидает отправки"
        SENDING = "sending", "отправляется"
        SENT = "sent", "отправлено"
        FAILED = "failed", "ошибка"
        CANCELLED = "cancelled", "отменено"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outbound")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="outbound")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    text = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # What the remote system called the sent message (Message-ID, Telegram message id, …):
    # a citizen's reply to it threads back to this case.
    external_id = models.CharField(max_length=300, blank=True, db_index=True)
    created_at = models.DateTimeField()
    # When a worker took it for sending: one worker sends it, a stale claim is retried.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "исходящее сообщение"
        verbose_name_plural = "исходящие сообщения"
        constraints = [
            models.UniqueConstraint(
                fields=["answer"], condition=models.Q(kind="answer"), name="outbound_one_per_answer"
            ),
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(kind__in=["receipt", "survey"]),
                name="outbound_one_receipt_survey",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.case_id}"

    def opening_delivery(self) -> "Delivery | None":
        """The message of its source that opened the case: where a reply goes."""
        return (
            Delivery.objects.filter(source_id=self.source_id, case_id=self.case_id)
            .order_by("pk")
            .first()
        )


class ImportKind(models.TextChoices):
    POS = "pos", "Выгрузка ПОС"
    IM = "im", "Выгрузка Инцидент Менеджмента"


class ColumnMapping(models.Model):
    """How a municipality's export file names its columns: saved once, found again by the
    file's headers."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    kind = models.CharField("вид выгрузки", max_length=8, choices=ImportKind.choices)
    name = models.CharField("название", max_length=200)
    headers = models.JSONField("заголовки файла", default=list)
    # Veche field → the file's header, e.g. {"external_id": "Номер сообщения", …}
    columns = models.JSONField("соответствие полей", default=dict)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "сопоставление столбцов"
        verbose_name_plural = "сопоставления столбцов"

    def __str__(self) -> str:
        return self.name


class ImportRun(models.Model):
    """One uploaded export file and what its import did."""

    class State(models.TextChoices):
        MAPPING = "mapping", "ждёт сопоставления столбцов"
        QUEUED = "queued", "в очереди"
        RUNNING = "running", "загружается"
        DONE = "done", "готово"
        FAILED = "failed", "ошибка"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    kind = models.CharField("вид выгрузки", max_length=8, choices=ImportKind.choices)
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField("файл", max_length=255)
    mapping = models.ForeignKey(ColumnMapping, null=True, blank=True, on_delete=models.SET_NULL)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    # Saved with every batch: a running import whose heartbeat stopped belonged to a worker
    # that died, and is queued again to resume after its last saved batch (service.py).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField("создано", default=0)
    updated = models.PositiveIntegerField("обновлено", default=0)
    unchanged = models.PositiveIntegerField("без изменений", default=0)
    failed = models.PositiveIntegerField("с ошибками", default=0)
    error = models.TextField("ошибка файла", blank=True)

    class Meta:
        verbose_name = "загрузка выгрузки"
        verbose_name_plural = "загрузки выгрузок"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name


class ImportProblem(models.Model):
    """A row of an export that was not imported, and why; the other rows were."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField("строка")
    column = models.CharField("столбец", max_length=200, blank=True)
    value = models.CharField("значение", max_length=300, blank=True)
    reason = models.CharField("причина", max_length=500)
    # False: the row was imported and only this value was left out (an unknown department,
    # an unreadable optional date); True: the row itself was not imported.
    row_skipped = models.BooleanField("строка не загружена", default=True)

    class Meta:
        verbose_name = "ошибка строки"
        verbose_name_plural = "ошибки строк"
        ordering = ["row", "pk"]

    def __str__(self) -> str:
        return f"{self.row}: {self.reason}"
