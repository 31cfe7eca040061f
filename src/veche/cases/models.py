"""The case registry: cases, their authors, the event timeline, answers and attachments."""

import hashlib
from datetime import UTC, datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel, Topic
from veche.org.models import Block, Department, Municipality, Territory, User


class Citizen(models.Model):
    """The author of a case. Personal data: shown masked unless the viewer may see it."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    full_name = models.CharField("ФИО", max_length=300, blank=True)
    phone = models.CharField("телефон", max_length=50, blank=True)
    email = models.EmailField("e-mail", blank=True)
    postal_address = models.CharField("почтовый адрес", max_length=500, blank=True)
    social_id = models.CharField("профиль в соцсети / ЕПГУ", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "заявитель"
        verbose_name_plural = "заявители"
        indexes = [
            models.Index(fields=["municipality", "email"]),
            models.Index(fields=["municipality", "phone"]),
        ]

    def __str__(self) -> str:
        return f"Заявитель №{self.pk}"


class CaseQuerySet(models.QuerySet["Case"]):
    def with_external_id(self) -> "CaseQuerySet":
        """Cases that carry an external id: start every lookup by external id here.

        SQLite uses the partial unique index (municipality, channel, external id) only when
        the query repeats the index's condition; without it a lookup scans every case of the
        municipality (bench/: 224 ms per batch at 200 000 cases, 1.1 s at a million).
        """
        return self.exclude(external_id="")


class Case(models.Model):
    """One citizen submission under processing, whatever its regime (GLOSSARY.md, «Карточка»)."""

    class Priority(models.IntegerChoices):
        LOW = 1, "низкий"
        NORMAL = 2, "обычный"
        HIGH = 3, "высокий"
        URGENT = 4, "срочный"

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, verbose_name="МО")
    number = models.CharField("рег. номер", max_length=32)
    regime = models.CharField("режим", max_length=16, choices=Regime.choices)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name="канал")
    external_id = models.CharField("внешний номер", max_length=200, blank=True)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.NEW)
    received_at = models.DateTimeField("поступило")
    registered_at = models.DateTimeField("зарегистрировано", null=True, blank=True)
    author = models.ForeignKey(
        Citizen, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="заявитель"
    )
    subject = models.CharField("тема письма", max_length=500, blank=True)
    text = models.TextField("текст")
    address_raw = models.CharField("адрес (как указан)", max_length=500, blank=True)
    lat = models.FloatField("широта", null=True, blank=True)
    lon = models.FloatField("долгота", null=True, blank=True)
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="территория"
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="тема"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="исполнитель"
    )
    block = models.ForeignKey(
        Block, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="блок"
    )
    priority = models.PositiveSmallIntegerField(
        "приоритет", choices=Priority.choices, default=Priority.NORMAL
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name="дубликат",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name="объединено в",
    )
    # Lemmas of subject and text: the index for search in Russian word forms (cases/search.py).
    search_lemmas = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField(auto_now=True)
    # Set by the retention purge (privacy/purge.py): the author's data and the texts are gone,
    # and nothing may bring them back (a re-imported old export is refused for this case).
    personal_data_destroyed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "обращение / сообщение"
        verbose_name_plural = "обращения и сообщения"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "channel", "external_id"],
                condition=~Q(external_id=""),
                name="case_unique_external_id",
            ),
            models.UniqueConstraint(fields=["municipality", "number"], name="case_unique_number"),
        ]
        indexes = [
            models.Index(fields=["municipality", "-received_at"], name="case_muni_recv"),
            models.Index(
                fields=["municipality", "status", "-received_at"], name="case_muni_status"
            ),
            models.Index(fields=["department", "-received_at"], name="case_dept_recv"),
            # An executor's and a block head's inbox filtered by status (bench/: 250 ms at a
            # million cases without them).
            models.Index(fields=["department", "status", "-received_at"], name="case_dept_status"),
            models.Index(fields=["block", "status", "-received_at"], name="case_block_status"),
            models.Index(fields=["block", "-received_at"], name="case_block_recv"),
            models.Index(fields=["topic", "-received_at"], name="case_topic_recv"),
            # Search by a registration or external number, whatever the scope.
            models.Index(fields=["number"], name="case_number"),
            models.Index(
                fields=["external_id"], condition=~Q(external_id=""), name="case_external_id"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Event(models.Model):
    """One change on a case's timeline: the audit trail and the source of every speed figure."""

    class Kind(models.TextChoices):
        CREATED = "created", "поступило"
        STATUS_CHANGED = "status_changed", "смена статуса"
        ASSIGNED = "assigned", "назначен исполнитель"
        TOPIC_CHANGED = "topic_changed", "изменена тема"
        PRIORITY_CHANGED = "priority_changed", "изменён приоритет"
        COMMENT = "comment", "комментарий"
        ANSWER_DRAFTED = "answer_drafted", "проект ответа"
        LINKED = "linked", "связано"
        CITIZEN_MESSAGE = "citizen_message", "сообщение заявителя"
        ANSWER_APPROVED = "answer_approved", "ответ согласован"
        ANSWER_SENT = "answer_sent", "ответ направлен"
        ATTACHMENT_ADDED = "attachment_added", "вложение"
        LOCATED = "located", "указано место"
        PROBLEM = "problem", "отнесено к проблеме"
        DEADLINE = "deadline", "срок"  # a clock started, stopped, paused, extended (deadlines)
        RATING = "rating", "оценка заявителя"  # the citizen rated an answer (feedback)
        REPEAT = "repeat", "повторное обращение"  # again after an answer (feedback)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("когда")
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="кто"
    )
    kind = models.CharField("что", max_length=20, choices=Kind.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    comment = models.TextField("комментарий", blank=True)

    class Meta:
        verbose_name = "событие"
        verbose_name_plural = "события"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="event_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"


class Answer(models.Model):
    class Kind(models.TextChoices):
        INTERIM = "interim", "промежуточный"
        FINAL = "final", "окончательный"

    class State(models.TextChoices):
        DRAFT = "draft", "проект"
        APPROVED = "approved", "согласован"
        SENT = "sent", "направлен"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="answers")
    kind = models.CharField("вид", max_length=8, choices=Kind.choices, default=Kind.FINAL)
    state = models.CharField("состояние", max_length=8, choices=State.choices, default=State.DRAFT)
    text = models.TextField("текст ответа")
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="автор"
    )
    created_at = models.DateTimeField("создан")
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField("направлен", null=True, blank=True)

    class Meta:
        verbose_name = "ответ"
        verbose_name_plural = "ответы"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ответ на {self.case_id}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="cases/%Y/%m/")
    name = models.CharField("имя файла", max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "вложение"
        verbose_name_plural = "вложения"

    def __str__(self) -> str:
        return self.name


class RegistrationCounter(models.Model):
    """The last registration number issued per municipality and year."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="counter_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.year}: {self.last}"


def access_row_hash(
    previous: str,
    *,
    at: datetime,
    user_id: int,
    citizen_id: int,
    case_ref: int | None,
    purpose: str,
) -> str:
    """The link of one access-log row in the hash chain: sha256 over the previous row's link
    and this row's fields. Changing, inserting or deleting a row breaks every later link
    (tamper-evident log, DOMAIN.md §8 item 18)."""
    fields = [
        previous,
        at.astimezone(UTC).isoformat(timespec="microseconds"),
        str(user_id),
        str(citizen_id),
        "" if case_ref is None else str(case_ref),
        purpose,
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


class PersonalDataAccess(models.Model):
    """Who read which citizen's personal data, when and why (DOMAIN.md §8 item 18, РСБ).

    Rows are only appended (cases.services.personal_data), each chained to the previous one
    by `chain_hash`. `case_ref` keeps the case's id for the chain even after the case is gone.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT)
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE)
    case = models.ForeignKey(Case, null=True, on_delete=models.SET_NULL)
    case_ref = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    purpose = models.CharField(max_length=50)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "просмотр персональных данных"
        verbose_name_plural = "журнал доступа к персональным данным"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} → {self.citizen_id}"

    PURPOSES = {
        "case_card": "карточка обращения",
        "api": "API",
        "export": "выгрузка",
        "subject_request": "запрос субъекта",
    }

    @property
    def purpose_label(self) -> str:
        return self.PURPOSES.get(self.purpose, self.purpose)

    def expected_hash(self, previous: str) -> str:
        return access_row_hash(
            previous,
            at=self.at,
            user_id=self.user_id,
            citizen_id=self.citizen_id,
            case_ref=self.case_ref,
            purpose=self.purpose,
        )


class CaseAnalysis(models.Model):
    """What the triage pipeline read in a case's text: suggestions with their probabilities,
    the place, urgency, tone and personal data found. Suggestions, not decisions: applying one
    (a topic, a department) is a service call that writes its own Event."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="analysis")
    model_version = models.CharField("версия модели", max_length=64)
    analysed_at = models.DateTimeField("разобрано")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL)
    confidence = models.FloatField("уверенность", default=0.0)
    # {"category": [[label, p], …], "reason": …, "topic": [["группа / тема", p], …]}
    suggestions = models.JSONField(default=dict)
    street = models.CharField(max_length=200, blank=True)
    house = models.CharField(max_length=50, blank=True)
    settlement = models.CharField(max_length=200, blank=True)
    # The gazetteer's place for the address read: how precise (house, street, landmark,
    # settlement) and whether the match was a guess.
    place_name = models.CharField("место по справочнику", max_length=300, blank=True)
    place_lat = models.FloatField(null=True, blank=True)
    place_lon = models.FloatField(null=True, blank=True)
    place_territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place_level = models.CharField(max_length=16, blank=True)
    place_unsure = models.BooleanField(default=False)
    # The suggested department: by a routing rule (`routing_rule`) or by the learned model.
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department_confidence = models.FloatField(default=0.0)
    routing_rule = models.ForeignKey(
        "catalog.RoutingRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Not sure enough to route without an officer: the case waits in «нужен разбор».
    needs_review = models.BooleanField("нужен разбор", default=True)
    urgent = models.BooleanField("срочно", default=False)
    urgency_level = models.PositiveSmallIntegerField(default=0)
    # [{"code", "label", "words", "level"}, …]
    urgency_reasons = models.JSONField(default=list)
    negativity = models.FloatField(default=0.0)
    aggressive = models.BooleanField(default=False)
    obscene = models.BooleanField(default=False)
    threat = models.BooleanField(default=False)
    # [{"kind", "start", "end"}, …] in the case's text
    personal_data = models.JSONField(default=list)
    # The text with personal data replaced («[телефон]»): what analytics and exports use.
    masked_text = models.TextField(blank=True)
    # The text's MinHash signature (veche.triage.duplicates): near-identical texts of later
    # cases are found against it without reading the texts again.
    fingerprint = models.BinaryField(default=b"", editable=False)

    class Meta:
        verbose_name = "разбор текста"
        verbose_name_plural = "разборы текста"
        indexes = [models.Index(fields=["urgent", "-analysed_at"], name="analysis_urgent")]

    def __str__(self) -> str:
        return f"разбор {self.case_id}"
