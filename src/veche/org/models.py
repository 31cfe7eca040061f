"""Municipalities, their territories, departments and blocks, staff and МЦУ roles (GLOSSARY.md)."""

import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def _validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Неизвестный часовой пояс: {value}")


class Municipality(models.Model):
    name = models.CharField("название", max_length=200)
    short_name = models.CharField("краткое название", max_length=100, blank=True)
    oktmo = models.CharField("код ОКТМО", max_length=11, unique=True)
    time_zone = models.CharField(
        "часовой пояс", max_length=64, default="Europe/Moscow", validators=[_validate_time_zone]
    )
    case_number_prefix = models.CharField("префикс рег. номера", max_length=16, default="МЦУ")
    # Triage: a case whose topic and department the pipeline is at least this sure of is
    # routed without an officer; the rest wait in the «нужен разбор» queue.
    auto_route = models.BooleanField("маршрутизировать автоматически", default=True)
    auto_route_threshold = models.FloatField(
        "порог уверенности автомаршрутизации",
        default=0.8,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )

    class Meta:
        verbose_name = "муниципальное образование"
        verbose_name_plural = "муниципальные образования"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Territory(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", "округ / район"
        UNIT = "unit", "территориальный отдел"
        SETTLEMENT = "settlement", "населённый пункт"
        NEIGHBOURHOOD = "neighbourhood", "микрорайон"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="territories", verbose_name="МО"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    kind = models.CharField("вид", max_length=16, choices=Kind.choices)
    name = models.CharField("название", max_length=200)
    lat = models.FloatField("широта", null=True, blank=True)
    lon = models.FloatField("долгота", null=True, blank=True)

    class Meta:
        verbose_name = "территория"
        verbose_name_plural = "территории"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "parent", "name"], name="territory_unique_name_in_parent"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Block(models.Model):
    """Отраслевой блок: departments and topics led by a deputy head."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="blocks", verbose_name="МО"
    )
    name = models.CharField("название", max_length=200)
    head = models.ForeignKey(
        "User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="руководитель блока",
    )

    class Meta:
        verbose_name = "отраслевой блок"
        verbose_name_plural = "отраслевые блоки"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """Ответственный получатель: a body that must answer; cases are routed to it."""

    class Kind(models.TextChoices):
        UNIT = "unit", "структурное подразделение"
        INSTITUTION = "institution", "муниципальное учреждение"
        TERRITORIAL = "territorial", "территориальный отдел"
        EXTERNAL = "external", "сторонняя организация"
        CENTRE = "centre", "МЦУ"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="departments", verbose_name="МО"
    )
    block = models.ForeignKey(
        Block,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="departments",
        verbose_name="блок",
    )
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="территория"
    )
    kind = models.CharField("вид", max_length=16, choices=Kind.choices, default=Kind.UNIT)
    name = models.CharField("название", max_length=300)
    short_name = models.CharField("краткое название", max_length=100, blank=True)
    head_name = models.CharField("руководитель", max_length=200, blank=True)
    phone = models.CharField("телефон", max_length=50, blank=True)
    email = models.EmailField("e-mail", blank=True)
    address = models.CharField("адрес", max_length=300, blank=True)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "ответственный получатель"
        verbose_name_plural = "ответственные получатели"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A person who signs in; what they see comes from their memberships."""

    middle_name = models.CharField("отчество", max_length=150, blank=True)
    position = models.CharField("должность", max_length=200, blank=True)

    class Meta:
        verbose_name = "сотрудник"
        verbose_name_plural = "сотрудники"

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name) if p) or self.username


class Role(models.TextChoices):
    CURATOR = "curator", "куратор"
    HEAD = "head", "руководитель МЦУ"
    DEPUTY_HEAD = "deputy_head", "заместитель руководителя МЦУ"
    ADMINISTRATOR = "administrator", "администратор"
    POS_OFFICER = "pos_officer", "ответственный за ПОС"
    IM_OFFICER = "im_officer", "ответственный за Инцидент Менеджмент"
    PUBLICS_OFFICER = "publics_officer", "ответственный за госпаблики"
    BLOCK_HEAD = "block_head", "руководитель отраслевого блока"
    DEPARTMENT_HEAD = "department_head", "руководитель подразделения"
    EXECUTOR = "executor", "исполнитель"
    OBSERVER = "observer", "наблюдатель"
    REGIONAL = "regional", "сотрудник ЦУР"


class Membership(models.Model):
    """One role of one user in one municipality (and, for some roles, a department or block)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="memberships", verbose_name="МО"
    )
    role = models.CharField("роль", max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, verbose_name="подразделение"
    )
    block = models.ForeignKey(
        Block, null=True, blank=True, on_delete=models.CASCADE, verbose_name="блок"
    )

    class Meta:
        verbose_name = "роль сотрудника"
        verbose_name_plural = "роли сотрудников"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality", "role", "department", "block"],
                name="membership_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=["executor", "department_head"])
                | models.Q(department__isnull=False),
                name="membership_department_roles_need_department",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="block_head") | models.Q(block__isnull=False),
                name="membership_block_head_needs_block",
            ),
        ]

    def __str__(self) -> str:
        scope = self.department or self.block or self.municipality
        return f"{self.get_role_display()} — {scope}"

    def clean(self) -> None:
        for owner in (self.department, self.block):
            if owner is not None and owner.municipality_id != self.municipality_id:
                raise ValidationError("Подразделение и блок должны быть из того же МО.")


class ApiClient(models.Model):
    """A system that calls the API with its own token, acting with one user's rights."""

    name = models.CharField("название", max_length=200, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, verbose_name="действует от имени")
    token_prefix = models.CharField(max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField("действует", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "клиент API"
        verbose_name_plural = "клиенты API"

    def __str__(self) -> str:
        return self.name
