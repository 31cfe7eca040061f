"""What the deadlines app keeps: production-calendar years loaded after a release, the
editable day overrides (regional holidays, late decrees), the deadline policies and the clocks
of cases; the reminder ladder, the notifications it sends to staff, their daily digests and
the staff's Telegram chats."""

from datetime import UTC, datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from veche.cases.models import Case
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.deadlines.calendar import DayOffRule
from veche.deadlines.clocks import Anchor, ClockKind, ClockState, Pause, Term
from veche.deadlines.clocks import Unit as ClockUnit
from veche.org.models import Municipality, User


class CalendarYear(models.Model):
    """A year loaded by `veche calendar import` in the file format (`calendar_file`). It
    replaces the year shipped with Veche, if any: the administrator's file is newer."""

    year = models.PositiveSmallIntegerField("год", unique=True)
    document = models.JSONField("календарь года")
    imported_at = models.DateTimeField("загружен", auto_now=True)

    class Meta:
        verbose_name = "загруженный производственный календарь"
        verbose_name_plural = "загруженные производственные календари"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarOverride(models.Model):
    """One day changed against the calendar: for the whole installation (municipality
    empty: a decree published after the data) or for one municipality (a regional holiday,
    a local decree), which wins over the installation's row for the same day."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", "нерабочий день"
        WORKING = "working", "рабочий день"
        SHORTENED = "shortened", "сокращённый рабочий день"

    municipality = models.ForeignKey(
        Municipality,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_overrides",
        verbose_name="МО",
        help_text="Пусто — для всех МО установки.",
    )
    date = models.DateField("дата")
    kind = models.CharField("день", max_length=16, choices=Kind.choices)
    reason = models.CharField("основание", max_length=300)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "исключение производственного календаря"
        verbose_name_plural = "исключения производственного календаря"
        ordering = ["-date", "municipality"]
        constraints = [
            # NULLs are distinct in a plain unique constraint, hence two.
            models.UniqueConstraint(
                fields=["municipality", "date"],
                condition=Q(municipality__isnull=False),
                name="calendar_override_unique_municipal_day",
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(municipality__isnull=True),
                name="calendar_override_unique_installation_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}: {self.get_kind_display()}"


class DeadlinePolicy(models.Model):
    """How long one clock of a case may run, for a regime and optionally a channel and a
    topic, installation-wide or for one municipality (DOMAIN.md §0, §8 items 2–3).

    The most specific row wins: a topic over its group over any topic, then a channel over
    any channel, then a municipality's row over the installation's. A change is a new row
    with a later `valid_from`: a clock keeps the row it started under (PROTECT), so a change
    applies to cases received from then on and never rewrites a running or past clock."""

    class Kind(models.TextChoices):
        REGISTRATION = ClockKind.REGISTRATION.value, "регистрация"
        FIRST_REACTION = ClockKind.FIRST_REACTION.value, "первая реакция"
        REDIRECT = ClockKind.REDIRECT.value, "переадресация"
        ANSWER = ClockKind.ANSWER.value, "ответ"

    class Unit(models.TextChoices):
        CALENDAR_DAYS = ClockUnit.CALENDAR_DAYS.value, "календарных дней"
        WORKING_DAYS = ClockUnit.WORKING_DAYS.value, "рабочих дней"
        HOURS = ClockUnit.HOURS.value, "часов"
        WORKING_HOURS = ClockUnit.WORKING_HOURS.value, "рабочих часов"

    class CountedFrom(models.TextChoices):
        RECEIVED = Anchor.RECEIVED.value, "с поступления"
        REGISTERED = Anchor.REGISTERED.value, "с регистрации"
        FIRST_REACTION = Anchor.FIRST_REACTION.value, "с первой реакции"

    class DayOff(models.TextChoices):
        PREVIOUS = DayOffRule.PREVIOUS_WORKING_DAY.value, "предыдущий рабочий день"
        NEXT = DayOffRule.NEXT_WORKING_DAY.value, "следующий рабочий день"
        KEEP = DayOffRule.KEEP.value, "не переносить"

    municipality = models.ForeignKey(
        Municipality,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_policies",
        verbose_name="МО",
        help_text="Пусто — для всех МО установки.",
    )
    regime = models.CharField("режим", max_length=16, choices=Regime.choices)
    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name="канал",
        help_text="Пусто — любой канал.",
    )
    topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name="тема или группа тем",
        help_text="Пусто — любая тема.",
    )
    kind = models.CharField("срок", max_length=16, choices=Kind.choices)
    amount = models.PositiveIntegerField("величина")
    unit = models.CharField("единица", max_length=16, choices=Unit.choices)
    counted_from = models.CharField("отсчёт", max_length=16, choices=CountedFrom.choices)
    max_extension = models.PositiveIntegerField(
        "продление не более",
        default=0,
        help_text="В тех же единицах, один раз, с причиной; 0 — продлевать нельзя.",
    )
    pauses_while_waiting = models.BooleanField(
        "приостанавливается на время ожидания заявителя",
        default=False,
        help_text="59-ФЗ приостановки не знает: вместо неё продление (ст. 12 ч. 2).",
    )
    day_off_rule = models.CharField(
        "последний день выпал на нерабочий",
        max_length=16,
        choices=DayOff.choices,
        default=DayOff.PREVIOUS,
        help_text="Для сроков в календарных днях (DOMAIN.md §1.1).",
    )
    valid_from = models.DateTimeField("действует с")
    source = models.CharField("основание", max_length=500)
    created_at = models.DateTimeField("создано", auto_now_add=True)

    class Meta:
        verbose_name = "правило срока"
        verbose_name_plural = "правила сроков"
        ordering = ["regime", "kind", "-valid_from"]
        indexes = [models.Index(fields=["regime", "kind"], name="policy_regime_kind")]

    def __str__(self) -> str:
        return f"{self.get_regime_display()}: {self.get_kind_display()} {self.amount} " + str(
            self.get_unit_display()
        )

    @property
    def term(self) -> Term:
        return Term(self.amount, ClockUnit(self.unit), DayOffRule(self.day_off_rule))


class Clock(models.Model):
    """One deadline of one case: started when its event came (`DeadlinePolicy.counted_from`),
    stopped when the event it waits for happens. `due_at` is computed at the start and again
    only when the clock is paused, resumed or extended, or by `recompute_open_clocks` after a
    calendar or policy fix; a stopped clock is history and never changes."""

    class State(models.TextChoices):
        RUNNING = ClockState.RUNNING.value, "идёт"
        PAUSED = ClockState.PAUSED.value, "приостановлен"
        MET = ClockState.MET.value, "соблюдён"
        MISSED = ClockState.MISSED.value, "нарушен"
        CLOSED = ClockState.CLOSED.value, "снят"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    # The case's, copied: reminders and the inbox query open clocks per municipality by due_at.
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("срок", max_length=16, choices=DeadlinePolicy.Kind.choices)
    number = models.PositiveSmallIntegerField(
        "номер", default=1, help_text="2, 3… после возобновления"
    )
    policy = models.ForeignKey(DeadlinePolicy, on_delete=models.PROTECT, related_name="clocks")
    state = models.CharField("состояние", max_length=8, choices=State.choices)
    started_at = models.DateTimeField("начат")
    due_at = models.DateTimeField("срок")
    stopped_at = models.DateTimeField("остановлен", null=True, blank=True)
    # [[paused at, resumed at or null], …] as ISO strings in UTC
    pauses = models.JSONField("приостановки", default=list, blank=True)
    extended_by = models.PositiveIntegerField("продлён на", default=0)
    extension_reason = models.TextField("причина продления", blank=True)
    promised_at = models.DateTimeField("обещано к", null=True, blank=True)
    # When `reminders.remind` looks at this clock next: the moment its next reminder step is
    # reached. Null: not scheduled yet (a new clock, or its due date moved); REMINDED_ALL: no
    # step is left.
    next_reminder_at = models.DateTimeField("следующее напоминание", null=True, blank=True)

    class Meta:
        verbose_name = "срок обращения"
        verbose_name_plural = "сроки обращений"
        ordering = ["case", "number", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "number"], name="clock_unique_number")
        ]
        indexes = [
            # Reminders and the inbox: a municipality's running clocks by due date.
            models.Index(
                fields=["municipality", "due_at"],
                condition=Q(state=ClockState.RUNNING.value),
                name="clock_running_due",
            ),
            # recompute_open_clocks walks a municipality's open clocks by id.
            models.Index(
                fields=["municipality", "id"],
                condition=Q(state__in=[ClockState.RUNNING.value, ClockState.PAUSED.value]),
                name="clock_open",
            ),
            # Reminders: a municipality's running clocks whose next step has come.
            models.Index(
                fields=["municipality", "next_reminder_at"],
                condition=Q(state=ClockState.RUNNING.value),
                name="clock_running_reminder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind} №{self.number}"

    def pause_list(self) -> list[Pause]:
        return [(_moment(a), _moment(b) if b else None) for a, b in self.pauses]


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


# A clock whose every reminder step has fired waits here: only a move of its due date
# (which clears `next_reminder_at`) brings it back.
REMINDED_ALL = datetime(3000, 1, 1, tzinfo=UTC)


class Audience(models.TextChoices):
    """Who is told at a reminder step, from the case's own people up to the МЦУ's head; an
    item with an owner and a due date (an instruction, a road-map action) also tells whoever
    keeps it under control. In the order a higher role overwrites a lower one."""

    EXECUTOR = "executor", "исполнитель"
    CONTROLLER = "controller", "на контроле"
    DEPARTMENT_HEAD = "department_head", "руководитель подразделения"
    BLOCK_HEAD = "block_head", "руководитель отраслевого блока"
    CENTRE_HEAD = "centre_head", "руководитель МЦУ"


class ReminderRule(models.Model):
    """One step of the reminder ladder: when a running clock has used `percent` of its time
    (100 — the due moment, more — overdue), these people are notified once. A municipality
    that has steps of its own uses only them; otherwise the installation's (municipality
    empty) apply."""

    municipality = models.ForeignKey(
        Municipality,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_rules",
        verbose_name="МО",
        help_text="Пусто — для всех МО, у которых нет своих шагов.",
    )
    percent = models.PositiveSmallIntegerField(
        "доля срока, %",
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="50 — половина срока, 100 — срок истёк, 110 — просрочен на десятую часть.",
    )
    notify_executor = models.BooleanField("исполнителю", default=True)
    notify_department_head = models.BooleanField("руководителю подразделения", default=False)
    notify_block_head = models.BooleanField("руководителю блока", default=False)
    notify_centre_head = models.BooleanField("руководителю МЦУ и заместителям", default=False)

    class Meta:
        verbose_name = "шаг напоминаний"
        verbose_name_plural = "шаги напоминаний"
        ordering = ["municipality", "percent"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "percent"],
                condition=Q(municipality__isnull=False),
                name="reminder_rule_unique_municipal_step",
            ),
            models.UniqueConstraint(
                fields=["percent"],
                condition=Q(municipality__isnull=True),
                name="reminder_rule_unique_installation_step",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent} %"

    @property
    def audiences(self) -> frozenset[Audience]:
        flags = {
            Audience.EXECUTOR: self.notify_executor,
            Audience.DEPARTMENT_HEAD: self.notify_department_head,
            Audience.BLOCK_HEAD: self.notify_block_head,
            Audience.CENTRE_HEAD: self.notify_centre_head,
        }
        return frozenset(a for a, on in flags.items() if on)


class Notification(models.Model):
    """A reminder in one person's in-app list, e-mailed and sent to Telegram in that person's
    next digest. Either a step of one clock of a case (made once per clock, step and person),
    or a step of an item of another app that has an owner and a due date — an instruction, a
    road-map action (`item_key`, `subject`, `url`, `due_at`; made once per item, due date,
    step and person, so a moved due date reminds again). The deadlines app does not know
    those items: their app says when one is settled (`settle_item`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name="кому")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    clock = models.ForeignKey(
        Clock, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # An item of another app: «instruction:12», what it is called («Поручение №12»), its page.
    item_key = models.CharField("ключ", max_length=64, blank=True)
    subject = models.CharField("о чём", max_length=200, blank=True)
    url = models.CharField("страница", max_length=300, blank=True)
    due_at = models.DateTimeField("срок", null=True, blank=True)
    settled_at = models.DateTimeField(
        "снято", null=True, blank=True, help_text="Исполнено, снято или срок перенесён."
    )
    step = models.PositiveSmallIntegerField("шаг, % срока")
    audience = models.CharField("как", max_length=16, choices=Audience.choices)
    text = models.CharField("текст", max_length=500)
    created_at = models.DateTimeField("создано")
    read_at = models.DateTimeField("прочитано", null=True, blank=True)
    digested_at = models.DateTimeField("в сводке", null=True, blank=True)

    class Meta:
        verbose_name = "уведомление о сроке"
        verbose_name_plural = "уведомления о сроках"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock", "step", "user"], name="notification_once_per_step"
            ),
            models.UniqueConstraint(
                fields=["item_key", "due_at", "step", "user"],
                condition=Q(clock__isnull=True),
                name="notification_item_once_per_step",
            ),
            models.CheckConstraint(
                condition=Q(clock__isnull=False, case__isnull=False)
                | (
                    Q(clock__isnull=True, case__isnull=True, due_at__isnull=False) & ~Q(item_key="")
                ),
                name="notification_of_a_clock_or_an_item",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user"),
            # The unread count in the top bar of every page.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            # The hourly digest run: notifications not yet in a digest.
            models.Index(
                fields=["user"],
                condition=Q(digested_at__isnull=True),
                name="notification_undigested",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Digest(models.Model):
    """The one daily digest of a person (their municipality's local date): the record that
    keeps it to one a day, and what came of sending it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField("день")
    created_at = models.DateTimeField("собрана")
    items = models.PositiveIntegerField("пунктов", default=0)
    emailed_at = models.DateTimeField("отправлена на e-mail", null=True, blank=True)
    telegram_at = models.DateTimeField("отправлена в Telegram", null=True, blank=True)
    error = models.CharField("ошибка отправки", max_length=500, blank=True)

    class Meta:
        verbose_name = "сводка напоминаний"
        verbose_name_plural = "сводки напоминаний"
        ordering = ["-day", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.day:%d.%m.%Y}"


class StaffContact(models.Model):
    """Where a member of staff gets the daily digest besides the e-mail of their account:
    the chat with the installation's staff bot (VECHE_STAFF_TELEGRAM_TOKEN), and whether they
    want the mail at all. Without a row: e-mail on, no Telegram."""

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="сотрудник",
    )
    telegram_chat_id = models.CharField(
        "чат Telegram",
        max_length=32,
        blank=True,
        help_text="Числовой id чата сотрудника с ботом; пусто — без Telegram.",
    )
    email_digest = models.BooleanField("сводка на e-mail", default=True)
    telegram_digest = models.BooleanField("сводка в Telegram", default=True)

    class Meta:
        verbose_name = "контакт сотрудника для напоминаний"
        verbose_name_plural = "контакты сотрудников для напоминаний"

    def __str__(self) -> str:
        return str(self.user_id)
