"""The analytics store: one fact row per case and per-day counters summed from the facts.

Both are derived data, kept up to date from the case timeline by `rollups.py` and rebuilt
from it by `veche rollups --rebuild`; nothing else writes them, and the pages read them
instead of the cases (README, «Аналитика»).
"""

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from veche.cases.models import Case
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.org.models import Department, Municipality, Territory


class CaseFact(models.Model):
    """What the indicators need to know about one case, as of its latest event.

    The dimensions are the case's current ones: a case reassigned to another department
    counts, with all its history, for the department it is with now (as a plain GROUP BY
    over the cases would). The moments are the first of their kind; `answered_in_time`
    is the first answer clock's verdict (paused time and an extension already moved its due
    date, deadlines app), null when the case had no answer clock or it was taken off.
    """

    case = models.OneToOneField(
        Case, primary_key=True, on_delete=models.CASCADE, related_name="fact"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, null=True, on_delete=models.SET_NULL, related_name="+")
    department = models.ForeignKey(
        Department, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    territory = models.ForeignKey(Territory, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    regime = models.CharField(max_length=16, choices=Regime.choices)
    # The H3 cell (resolution 9, about 0.1 km²) of the case's point; empty without one.
    cell = models.CharField(max_length=16, blank=True)

    received_day = models.DateField()
    reacted_day = models.DateField(null=True)
    reaction_seconds = models.BigIntegerField(null=True)
    reaction_in_time = models.BooleanField(null=True)
    answered_day = models.DateField(null=True)
    answer_seconds = models.BigIntegerField(null=True)
    answered_in_time = models.BooleanField(null=True)
    brush_off = models.BooleanField(null=True)
    finished_day = models.DateField(null=True)
    finished_without_answer = models.BooleanField(default=False)
    redirected = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    returned = models.BooleanField(default=False)
    extended = models.BooleanField(default=False)
    repeat = models.BooleanField(default=False)
    rated_day = models.DateField(null=True)
    rating = models.PositiveSmallIntegerField(null=True)
    solved = models.BooleanField(null=True)

    class Meta:
        verbose_name = "показатели обращения"
        verbose_name_plural = "показатели обращений"
        indexes = [
            models.Index(fields=["municipality", "received_day"], name="fact_received"),
            models.Index(fields=["municipality", "answered_day"], name="fact_answered"),
            models.Index(fields=["municipality", "reacted_day"], name="fact_reacted"),
        ]

    def __str__(self) -> str:
        return f"показатели {self.case_id}"


# The dimensions of a rollup row, in the order of the unique index.
DIMENSIONS = ("municipality", "day", "topic", "department", "territory", "channel", "regime")
# Each counter, and the fact moment whose local day it is counted on.
COUNTERS: dict[str, str] = {
    "received": "received_day",
    "redirected": "received_day",
    "reopened": "received_day",
    "returned": "received_day",
    "extended": "received_day",
    "repeats": "received_day",
    "reacted": "reacted_day",
    "reaction_seconds": "reacted_day",
    "reaction_clocked": "reacted_day",
    "reaction_in_time": "reacted_day",
    "answered": "answered_day",
    "answer_seconds": "answered_day",
    "answer_clocked": "answered_day",
    "answered_in_time": "answered_day",
    "checked": "answered_day",
    "brush_off": "answered_day",
    "finished": "finished_day",
    "finished_without_answer": "finished_day",
    "rated": "rated_day",
    "rating_sum": "rated_day",
    "satisfied": "rated_day",
    "solved_known": "rated_day",
    "solved": "rated_day",
}


def _nullable(name: str) -> Coalesce:
    # NULLs are distinct in a plain unique index: «без темы» must still be one row per day.
    return Coalesce(F(name), Value(0))


class DailyRollup(models.Model):
    """Counters of a municipality's cases for one local day and one dimension tuple: the sum
    of the facts' contributions (`rollups.contributions` says which counter counts on which
    day). A row whose counters all fall to zero is deleted, so a rebuild leaves the same rows."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, verbose_name="МО")
    day = models.DateField("день")
    topic = models.ForeignKey(
        Topic, null=True, on_delete=models.CASCADE, related_name="+", verbose_name="тема"
    )
    department = models.ForeignKey(
        Department,
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="исполнитель",
    )
    territory = models.ForeignKey(
        Territory,
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="территория",
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", verbose_name="канал"
    )
    regime = models.CharField("режим", max_length=16, choices=Regime.choices)
    received = models.IntegerField("поступило", default=0)
    redirected = models.IntegerField("переадресовано", default=0)
    reopened = models.IntegerField("возобновлялось", default=0)
    returned = models.IntegerField("ответ возвращался на доработку", default=0)
    extended = models.IntegerField("срок продлевался", default=0)
    repeats = models.IntegerField("повторных", default=0)
    reacted = models.IntegerField("первая реакция", default=0)
    reaction_seconds = models.BigIntegerField("сумма времени до первой реакции, с", default=0)
    reaction_clocked = models.IntegerField("первая реакция со сроком", default=0)
    reaction_in_time = models.IntegerField("первая реакция в срок", default=0)
    answered = models.IntegerField("дан окончательный ответ", default=0)
    answer_seconds = models.BigIntegerField("сумма времени до ответа, с", default=0)
    answer_clocked = models.IntegerField("ответов со сроком", default=0)
    answered_in_time = models.IntegerField("ответов в срок", default=0)
    checked = models.IntegerField("ответов проверено", default=0)
    brush_off = models.IntegerField("похожих на отписку", default=0)
    finished = models.IntegerField("завершено", default=0)
    finished_without_answer = models.IntegerField("завершено без ответа", default=0)
    rated = models.IntegerField("оценок", default=0)
    rating_sum = models.IntegerField("сумма оценок", default=0)
    satisfied = models.IntegerField("довольны (4–5)", default=0)
    solved_known = models.IntegerField("ответили, решена ли проблема", default=0)
    solved = models.IntegerField("проблема решена", default=0)

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
    """The last `Event` id whose case's fact is up to date: one row (pk 1)."""

    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "позиция свёрток"
        verbose_name_plural = "позиция свёрток"

    def __str__(self) -> str:
        return f"событие {self.last_event_id}"


class RatingPolicy(models.Model):
    """How a municipality ranks its departments (ratings.py): the weight of each component in
    the combined index, the fewest cases a department needs in the period to be ranked (the
    Ulyanovsk rule, DOMAIN.md §4: at least 2 a month), and how strongly a small department's
    shares are pulled toward the municipality's (the prior's weight, in cases)."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="rating_policy"
    )
    weight_volume = models.PositiveSmallIntegerField("вес: объём", default=10)
    weight_speed = models.PositiveSmallIntegerField("вес: своевременность", default=30)
    weight_completeness = models.PositiveSmallIntegerField("вес: полнота", default=20)
    weight_quality = models.PositiveSmallIntegerField("вес: качество ответов", default=20)
    weight_satisfaction = models.PositiveSmallIntegerField("вес: удовлетворённость", default=20)
    min_cases = models.PositiveSmallIntegerField("не меньше обращений за период", default=2)
    prior_cases = models.PositiveSmallIntegerField("сила априорной оценки, обращений", default=10)

    class Meta:
        verbose_name = "правила рейтинга"
        verbose_name_plural = "правила рейтинга"

    def __str__(self) -> str:
        return f"рейтинг {self.municipality_id}"


class SavedView(models.Model):
    """A slice an officer saved under a name: its query string on the slices page."""

    user = models.ForeignKey(
        "org.User", on_delete=models.CASCADE, related_name="saved_views", verbose_name="кто"
    )
    name = models.CharField("название", max_length=200)
    query = models.CharField("параметры", max_length=1000)
    created_at = models.DateTimeField("сохранено", auto_now_add=True)

    class Meta:
        verbose_name = "сохранённый срез"
        verbose_name_plural = "сохранённые срезы"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
