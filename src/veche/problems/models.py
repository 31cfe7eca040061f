"""Problems: cases that are about one thing, grouped so that one answer, one root cause and
later one road map can own them all (GLOSSARY.md, «Проблема»)."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from veche.cases.models import Case
from veche.catalog.models import AnswerTemplate, RoutingRule, Topic
from veche.org.models import Block, Department, Municipality, Territory, User


class Problem(models.Model):
    """A root cause behind many cases. The triage pipeline groups repeats into one on its own;
    an officer names it (`named_at`), says what causes it and who owns it, and then merges,
    splits and moves cases. Each case keeps its own answer, clocks and place in the ratings."""

    class Status(models.TextChoices):
        OPEN = "open", "открыта"
        IN_WORK = "in_work", "в работе"
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
    cause = models.TextField("первопричина", blank=True)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="ответственное подразделение",
    )
    block = models.ForeignKey(
        Block,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="отраслевой блок",
    )
    # Named by an officer: no longer a grouping the pipeline made, and no longer a candidate.
    named_at = models.DateTimeField("названа", null=True, blank=True)
    named_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Figures kept by the services whenever a case joins or leaves (services.refresh_figures): they
    # change only then. Open and overdue cases and the satisfaction change with the cases
    # themselves and with time, so they are computed when shown (figures.py).
    case_count = models.PositiveIntegerField("обращений", default=0)
    citizen_count = models.PositiveIntegerField("заявителей", default=0)
    first_at = models.DateTimeField("первое обращение")
    last_at = models.DateTimeField("последнее обращение")
    created_at = models.DateTimeField("создана")
    # Normal forms of the words of the title and the place, for the search in the list
    # (cases/search.py): «ямы» finds «Яма у дома 5», whatever the case of the letters.
    search_lemmas = models.TextField(editable=False, default="")

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
        FAST_TRACK = "fast_track", "механизм ускоренного решения"

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


class FastTrack(models.Model):
    """«Механизм ускоренного решения» (GLOSSARY.md): for a named recurring problem, a routing
    rule straight to the executor, an answer template and an internal target term shorter
    than the legal one. The legal clock still runs (DOMAIN.md): the target is the МЦУ's own
    promise, measured per mechanism against the cases of the same kind before it started."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    problem = models.ForeignKey(
        Problem, on_delete=models.CASCADE, related_name="fast_tracks", verbose_name="проблема"
    )
    name = models.CharField("название", max_length=200)
    rule = models.OneToOneField(
        RoutingRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fast_track",
        verbose_name="правило маршрутизации",
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="исполнитель"
    )
    answer_template = models.ForeignKey(
        AnswerTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="шаблон ответа",
    )
    target_days = models.PositiveSmallIntegerField(
        "целевой срок, дней", validators=[MinValueValidator(1), MaxValueValidator(29)]
    )
    started_at = models.DateTimeField("действует с")
    stopped_at = models.DateTimeField("остановлен", null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "механизм ускоренного решения"
        verbose_name_plural = "механизмы ускоренного решения"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Roadmap(models.Model):
    """«Дорожная карта по устранению первопричин» (GLOSSARY.md): a plan of actions for a problem
    or for a topic × territory, with the effect it promises («обращений меньше на 80 % к
    августу») and the effect Veche measures from the cases themselves."""

    class Status(models.TextChoices):
        DRAFT = "draft", "проект"
        ACTIVE = "active", "выполняется"
        DONE = "done", "выполнена"
        CANCELLED = "cancelled", "отменена"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    title = models.CharField("название", max_length=300)
    status = models.CharField(
        "состояние", max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # What it is about: a problem, or a topic (or group) × territory (either may be empty).
    problem = models.ForeignKey(
        Problem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="roadmaps",
        verbose_name="проблема",
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="тема или группа"
    )
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="территория"
    )
    owner = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="ответственный",
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="подразделение",
    )
    # The expected effect: messages down by `target_percent` % by `target_date`, against the
    # same span before `started_on`.
    expected_effect = models.TextField("ожидаемый эффект", blank=True)
    target_percent = models.PositiveSmallIntegerField(
        "снижение обращений, %",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    target_date = models.DateField("к дате", null=True, blank=True)
    started_on = models.DateField("начало работ")
    is_public = models.BooleanField(
        "публиковать ход выполнения",
        default=False,
        help_text="Без персональных данных: названия, сроки, ход мероприятий и число обращений.",
    )
    public_key = models.UUIDField("ключ публичной страницы", default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField("создана")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "дорожная карта"
        verbose_name_plural = "дорожные карты"
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Action(models.Model):
    """One action of a road map: who does it, by when, how far it has got, what it costs."""

    class Status(models.TextChoices):
        PLANNED = "planned", "запланировано"
        IN_PROGRESS = "in_progress", "выполняется"
        DONE = "done", "выполнено"
        CANCELLED = "cancelled", "отменено"

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveIntegerField("порядок", default=0)
    title = models.CharField("мероприятие", max_length=500)
    responsible = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="ответственный",
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="подразделение",
    )
    due_on = models.DateField("срок")
    status = models.CharField(
        "состояние", max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    progress = models.PositiveSmallIntegerField(
        "выполнено, %", default=0, validators=[MaxValueValidator(100)]
    )
    cost = models.DecimalField(
        "стоимость, руб.", max_digits=14, decimal_places=2, null=True, blank=True
    )
    done_on = models.DateField("выполнено", null=True, blank=True)
    note = models.TextField("примечание", blank=True)
    updated_at = models.DateTimeField("изменено")

    class Meta:
        verbose_name = "мероприятие дорожной карты"
        verbose_name_plural = "мероприятия дорожных карт"
        ordering = ["roadmap", "position", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="action_open_due")]

    def __str__(self) -> str:
        return self.title


class ActionDocument(models.Model):
    """A document attached to an action (a contract, an act of works, a photo), checked by
    content like a citizen's attachment and stored outside the web root."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="roadmaps/%Y/%m/")
    name = models.CharField("имя файла", max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField("загружен")
    uploaded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "документ мероприятия"
        verbose_name_plural = "документы мероприятий"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    """An МЦУ meeting («совещание»): agenda, participants and minutes; it gives instructions."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    title = models.CharField("тема", max_length=300)
    held_at = models.DateTimeField("дата и время")
    agenda = models.TextField("повестка", blank=True)
    participants = models.ManyToManyField(
        User, blank=True, related_name="+", verbose_name="участники"
    )
    guests = models.CharField(
        "другие участники", max_length=1000, blank=True, help_text="не сотрудники Вече"
    )
    minutes = models.TextField("протокол", blank=True)
    created_at = models.DateTimeField("создано")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "совещание"
        verbose_name_plural = "совещания"
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Instruction(models.Model):
    """«Поручение» (GLOSSARY.md): a task given at a meeting (or on its own) to an owner, with a
    due date and someone who keeps it under control; it may serve a problem or a road map."""

    class Status(models.TextChoices):
        OPEN = "open", "на исполнении"
        DONE = "done", "исполнено"
        CANCELLED = "cancelled", "снято с контроля"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instructions",
        verbose_name="совещание",
    )
    text = models.TextField("поручение")
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="исполнитель"
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="подразделение",
    )
    controller = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="на контроле у",
    )
    due_on = models.DateField("срок")
    status = models.CharField(
        "состояние", max_length=16, choices=Status.choices, default=Status.OPEN
    )
    problem = models.ForeignKey(
        Problem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instructions",
        verbose_name="проблема",
    )
    roadmap = models.ForeignKey(
        Roadmap,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instructions",
        verbose_name="дорожная карта",
    )
    report = models.TextField("отчёт об исполнении", blank=True)
    done_at = models.DateTimeField("исполнено", null=True, blank=True)
    created_at = models.DateTimeField("дано")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "поручение"
        verbose_name_plural = "поручения"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="instruction_open_due")]

    def __str__(self) -> str:
        return self.text[:80]
