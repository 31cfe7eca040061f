"""Polls, votes and public discussions (issue 8, «процессы участия жителей»).

A poll asks residents of a territory questions; a resident proves who he is once per poll
(a code sent to an e-mail or a phone, or a staff login) and casts one ballot. Identities are
kept only as keyed hashes (`veche.participation.identity`): the poll knows that the same
person came twice, never who he is. Results are counted from the answer rows on read, so
they are exactly right whatever the order in which ballots commit.
"""

import uuid

from django.db import models

from veche.org.models import Municipality, Territory, User
from veche.problems.models import Problem, Roadmap


class Poll(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "черновик"
        OPEN = "open", "идёт голосование"
        CLOSED = "closed", "завершён"

    class Confirmation(models.TextChoices):
        EMAIL = "email", "код на электронную почту"
        PHONE = "phone", "код по СМС"
        LOGIN = "login", "вход в систему"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    title = models.CharField("название", max_length=300)
    description = models.TextField("описание", blank=True)
    territory = models.ForeignKey(
        Territory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="для жителей территории",
    )
    problem = models.ForeignKey(
        Problem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="polls",
        verbose_name="проблема",
    )
    roadmap = models.ForeignKey(
        Roadmap,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="polls",
        verbose_name="дорожная карта",
    )
    status = models.CharField(
        "состояние", max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    confirmation = models.CharField(
        "подтверждение голоса", max_length=8, choices=Confirmation.choices
    )
    opens_at = models.DateTimeField("начало", null=True, blank=True)
    closes_at = models.DateTimeField("окончание", null=True, blank=True)
    results_public = models.BooleanField("показывать итоги жителям", default=True)
    public_key = models.UUIDField("ключ публичной страницы", default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField("создан")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "опрос"
        verbose_name_plural = "опросы"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "один вариант"
        MULTIPLE = "multiple", "несколько вариантов"
        TEXT = "text", "свободный ответ"

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField("порядок", default=0)
    text = models.CharField("вопрос", max_length=500)
    kind = models.CharField("вид", max_length=8, choices=Kind.choices)
    required = models.BooleanField("обязательный", default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField("порядок", default=0)
    text = models.CharField("вариант", max_length=300)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Voter(models.Model):
    """One identity that asked to vote in one poll. `identity_hash` is a keyed hash of the
    normalised e-mail, phone or staff login; `code_hash` a keyed hash of the last code sent."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="voters")
    channel = models.CharField(max_length=8, choices=Poll.Confirmation.choices)
    identity_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField("неверных кодов", default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    agent_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "identity_hash"], name="voter_once_per_poll")
        ]
        indexes = [models.Index(fields=["ip_hash", "created_at"])]

    def __str__(self) -> str:
        return f"голосующий №{self.pk}"


class Ballot(models.Model):
    """The one vote of one voter in one poll: the unique constraint is the last line of
    defence behind the row lock in `cast_ballot`."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="+")
    cast_at = models.DateTimeField()
    ip_hash = models.CharField(max_length=64, blank=True)
    flag = models.CharField("подозрение", max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "voter"], name="ballot_once_per_voter")
        ]

    def __str__(self) -> str:
        return f"бюллетень №{self.pk}"


class Answer(models.Model):
    """One choice ticked, or one free-text answer, on a ballot."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(
        Choice, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "choice"],
                condition=models.Q(choice__isnull=False),
                name="answer_choice_once",
            )
        ]

    def __str__(self) -> str:
        return f"ответ №{self.pk}"


class Discussion(models.Model):
    """A public discussion of a document (общественное обсуждение): residents comment, the
    МЦУ moderates before a comment is shown."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    title = models.CharField("название", max_length=300)
    document = models.TextField("текст документа")
    opens_at = models.DateTimeField("начало")
    closes_at = models.DateTimeField("окончание")
    public_key = models.UUIDField("ключ публичной страницы", default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField("создано")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "обсуждение"
        verbose_name_plural = "обсуждения"
        ordering = ["-opens_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "на модерации"
        PUBLISHED = "published", "опубликован"
        REJECTED = "rejected", "отклонён"

    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="comments")
    author_name = models.CharField("имя", max_length=100)
    text = models.TextField("комментарий")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    ip_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ip_hash", "created_at"])]

    def __str__(self) -> str:
        return f"комментарий №{self.pk}"
