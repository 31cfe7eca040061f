"""What the deadlines app keeps: production-calendar years loaded after a release, and the
editable day overrides (regional holidays, late decrees)."""

from django.db import models
from django.db.models import Q

from veche.org.models import Municipality


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
