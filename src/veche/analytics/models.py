"""Rollups: per-day counters kept up to date from the case timeline (analytics/rollups.py)."""

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.org.models import Department, Municipality, Territory

# The dimensions of a rollup row, in the order of the unique index.
DIMENSIONS = ("municipality", "day", "topic", "department", "territory", "channel", "regime")
COUNTERS = (
    "received",
    "registered",
    "answered",
    "closed",
    "reopened",
    "first_answered",
    "first_answer_seconds",
)


def _nullable(name: str) -> Coalesce:
    # NULLs are distinct in a plain unique index: «без темы» must still be one row per day.
    return Coalesce(F(name), Value(0))


class DailyRollup(models.Model):
    """What happened to a municipality's cases on one local day, per dimension tuple.

    The dimensions are the case's as of each event (rollups.py explains how they are found).
    `first_answer_seconds` sums the clock time from receipt to the first final answer sent,
    over `first_answered` cases: the average is their ratio; medians need another table.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    day = models.DateField("день")
    topic = models.ForeignKey(
        Topic, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="тема"
    )
    department = models.ForeignKey(
        Department,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="исполнитель",
    )
    territory = models.ForeignKey(
        Territory, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="территория"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", verbose_name="канал"
    )
    regime = models.CharField("режим", max_length=16, choices=Regime.choices)
    received = models.PositiveIntegerField("поступило", default=0)
    registered = models.PositiveIntegerField("зарегистрировано", default=0)
    answered = models.PositiveIntegerField("направлено окончательных ответов", default=0)
    closed = models.PositiveIntegerField("закрыто", default=0)
    reopened = models.PositiveIntegerField("возобновлено", default=0)
    first_answered = models.PositiveIntegerField("получили первый ответ", default=0)
    first_answer_seconds = models.BigIntegerField("сумма времени до первого ответа, с", default=0)

    class Meta:
        verbose_name = "свёртка за день"
        verbose_name_plural = "свёртки за день"
        constraints = [
            models.UniqueConstraint(
                F("municipality"),
                F("day"),
                _nullable("topic"),
                _nullable("department"),
                _nullable("territory"),
                F("channel"),
                F("regime"),
                name="rollup_unique_dimensions",
            )
        ]
        indexes = [models.Index(fields=["municipality", "day"], name="rollup_muni_day")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.day}"


class RollupCursor(models.Model):
    """The last `Event` id whose contribution is in the rollups: one row (pk 1)."""

    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "позиция свёрток"
        verbose_name_plural = "позиция свёрток"

    def __str__(self) -> str:
        return f"событие {self.last_event_id}"
