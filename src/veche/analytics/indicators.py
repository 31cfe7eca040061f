"""The indicators an МЦУ is judged on (DOMAIN.md §4, §8 item 13), read from the analytics
store: counts and shares from the daily counters, medians and 90th percentiles from the
per-case facts (a median cannot be summed), «просрочено сейчас» from the running clocks.

Every figure is for a `Period` of local days and the cases an actor may see; `Filters`
narrow it to topics, departments, blocks, territories, channels and regimes.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet, Sum

from veche.analytics.models import COUNTERS, CaseFact, DailyRollup
from veche.cases.models import Case
from veche.deadlines.models import Clock
from veche.org.models import User
from veche.org.selectors import actor_scope


@dataclass(frozen=True)
class Period:
    """Local days from `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), following - timedelta(days=1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        first = cls.month(year, 3 * quarter - 2)
        return cls(first.start, cls.month(year, 3 * quarter).end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period to compare with: the previous whole months for whole months (a quarter
        gives the quarter before), the same days of the month before for a month so far, the
        same number of days just before otherwise."""
        month_before = (self.start - timedelta(days=1)).replace(day=1)
        if self.start.day == 1 and (self.end + timedelta(days=1)).day != 1:
            # A month so far: the same days of the month before («1–23 ноября» against
            # «1–23 октября»).
            same = month_before + (self.end - self.start)
            return Period(month_before, min(same, self.start - timedelta(days=1)))
        if self.start.day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            first = self.start
            for _ in range(months):
                first = (first - timedelta(days=1)).replace(day=1)
            return Period(first, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.start:%d.%m.%Y} — {self.end:%d.%m.%Y}"


@dataclass(frozen=True)
class Filters:
    """Which cases count; an empty tuple does not narrow."""

    topics: tuple[int, ...] = ()
    departments: tuple[int, ...] = ()
    blocks: tuple[int, ...] = ()
    territories: tuple[int, ...] = ()
    channels: tuple[int, ...] = ()
    regimes: tuple[str, ...] = ()

    def q(self) -> Q:
        """The condition on a rollup or fact row (both carry the same dimensions)."""
        q = Q()
        for name, values in (
            ("topic_id", self.topics),
            ("department_id", self.departments),
            ("department__block_id", self.blocks),
            ("territory_id", self.territories),
            ("channel_id", self.channels),
            ("regime", self.regimes),
        ):
            if values:
                q &= Q(**{f"{name}__in": values})
        return q


class Kind(StrEnum):
    COUNT = "count"
    SHARE = "share"
    DURATION = "duration"
    MEAN = "mean"


@dataclass(frozen=True)
class Spec:
    label: str
    kind: Kind
    # counters: (numerator, denominator) for shares and means, (numerator,) for counts;
    # for durations, the fact field and the quantile
    source: tuple[str, ...]
    higher_is_better: bool
    hint: str
    # the fact field whose day places a case in the period, and the fact condition that
    # makes it one of the cases behind the figure
    basis: str = "received_day"
    behind: dict[str, Any] = field(default_factory=dict)


class Indicator(StrEnum):
    RECEIVED = "received"
    ANSWERED = "answered"
    IN_TIME = "in_time"
    OVERDUE_NOW = "overdue_now"
    REACTION_MEDIAN = "reaction_median"
    REACTION_P90 = "reaction_p90"
    ANSWER_MEDIAN = "answer_median"
    ANSWER_P90 = "answer_p90"
    BRUSH_OFF = "brush_off"
    SATISFACTION = "satisfaction"
    RATING = "rating"
    SOLVED = "solved"
    REPEATS = "repeats"
    REACTION_IN_TIME = "reaction_in_time"
    WITHOUT_ANSWER = "without_answer"
    REDIRECTED = "redirected"
    RETURNED = "returned"
    REOPENED = "reopened"
    EXTENDED = "extended"


SPECS: dict[Indicator, Spec] = {
    Indicator.RECEIVED: Spec("Поступило", Kind.COUNT, ("received",), True, "обращений и сообщений"),
    Indicator.ANSWERED: Spec(
        "Дан ответ", Kind.COUNT, ("answered",), True, "окончательных ответов",
        basis="answered_day",
    ),
    Indicator.IN_TIME: Spec(
        "Ответ в срок", Kind.SHARE, ("answered_in_time", "answer_clocked"), True,
        "доля ответов, данных до истечения срока", basis="answered_day",
        behind={"answered_in_time": False},
    ),
    Indicator.OVERDUE_NOW: Spec(
        "Просрочено сейчас", Kind.COUNT, (), False, "открытых обращений с истёкшим сроком"
    ),
    Indicator.REACTION_MEDIAN: Spec(
        "Первая реакция, медиана", Kind.DURATION, ("reaction_seconds", "0.5"), False,
        "от поступления до первого ответа заявителю", basis="reacted_day",
    ),
    Indicator.REACTION_P90: Spec(
        "Первая реакция, 90-й процентиль", Kind.DURATION, ("reaction_seconds", "0.9"), False,
        "9 из 10 получили реакцию не позже", basis="reacted_day",
    ),
    Indicator.ANSWER_MEDIAN: Spec(
        "Ответ, медиана", Kind.DURATION, ("answer_seconds", "0.5"), False,
        "от поступления до окончательного ответа", basis="answered_day",
    ),
    Indicator.ANSWER_P90: Spec(
        "Ответ, 90-й процентиль", Kind.DURATION, ("answer_seconds", "0.9"), False,
        "9 из 10 получили ответ не позже", basis="answered_day",
    ),
    Indicator.BRUSH_OFF: Spec(
        "Похоже на отписку", Kind.SHARE, ("brush_off", "checked"), False,
        "доля проверенных ответов", basis="answered_day", behind={"brush_off": True},
    ),
    Indicator.SATISFACTION: Spec(
        "Удовлетворённость", Kind.SHARE, ("satisfied", "rated"), True,
        "доля оценок 4–5 из 5", basis="rated_day", behind={"rating__lte": 3},
    ),
    Indicator.RATING: Spec(
        "Средняя оценка", Kind.MEAN, ("rating_sum", "rated"), True, "из 5",
        basis="rated_day", behind={"rating__isnull": False},
    ),
    Indicator.SOLVED: Spec(
        "Решено", Kind.SHARE, ("solved", "solved_known"), True,
        "по словам заявителей, ответивших на вопрос", basis="rated_day",
        behind={"solved": False},
    ),
    Indicator.REPEATS: Spec(
        "Повторные", Kind.SHARE, ("repeats", "received"), False,
        "написали снова после ответа", behind={"repeat": True},
    ),
    Indicator.REACTION_IN_TIME: Spec(
        "Первая реакция в срок", Kind.SHARE, ("reaction_in_time", "reaction_clocked"), True,
        "доля первых ответов до истечения срока", basis="reacted_day",
        behind={"reaction_in_time": False},
    ),
    Indicator.WITHOUT_ANSWER: Spec(
        "Закрыто без ответа", Kind.SHARE, ("finished_without_answer", "finished"), False,
        "доля завершённых без окончательного ответа", basis="finished_day",
        behind={"finished_without_answer": True},
    ),
    Indicator.REDIRECTED: Spec(
        "Переадресовано", Kind.SHARE, ("redirected", "received"), False,
        "в другой орган", behind={"redirected": True},
    ),
    Indicator.RETURNED: Spec(
        "Возвращено на доработку", Kind.SHARE, ("returned", "received"), False,
        "проект ответа отклонён хотя бы раз", behind={"returned": True},
    ),
    Indicator.REOPENED: Spec(
        "Возобновлено", Kind.SHARE, ("reopened", "received"), False,
        "после ответа", behind={"reopened": True},
    ),
    Indicator.EXTENDED: Spec(
        "Срок продлён", Kind.SHARE, ("extended", "received"), False,
        "по ст. 12 ч. 2 59-ФЗ", behind={"extended": True},
    ),
}  # fmt: skip
DASHBOARD: tuple[Indicator, ...] = tuple(
    Indicator(name)
    for name in (
        "received", "answered", "in_time", "overdue_now", "reaction_median", "reaction_p90",
        "answer_median", "answer_p90", "brush_off", "satisfaction", "solved", "repeats",
    )
)  # fmt: skip

Actor = User | AnonymousUser
Values = dict[Indicator, float | None]


def scope_q(actor: Actor) -> Q:
    """The rows (rollups or facts) an actor may see: the whole municipality for МЦУ roles,
    their departments' or blocks' rows for department and block roles."""
    scope = actor_scope(actor)
    q = Q(pk__in=[])
    if ids := scope.municipality_ids():
        q |= Q(municipality_id__in=ids)
    if ids := scope.department_ids():
        q |= Q(department_id__in=ids)
    if ids := scope.block_ids():
        q |= Q(department__block_id__in=ids)
    return q


def rollups(
    actor: Actor, municipality_id: int, period: Period, filters: Filters
) -> QuerySet[DailyRollup]:
    return DailyRollup.objects.filter(
        scope_q(actor), filters.q(), municipality_id=municipality_id,
        day__gte=period.start, day__lte=period.end,
    )  # fmt: skip


def facts(
    actor: Actor, municipality_id: int, period: Period, filters: Filters, basis: str
) -> QuerySet[CaseFact]:
    return CaseFact.objects.filter(
        scope_q(actor), filters.q(), municipality_id=municipality_id,
        **{f"{basis}__gte": period.start, f"{basis}__lte": period.end},
    )  # fmt: skip


def counter_sums(rows: QuerySet[DailyRollup]) -> dict[str, int]:
    sums = rows.aggregate(**{c: Sum(c) for c in COUNTERS})
    return {c: int(v or 0) for c, v in sums.items()}


def value_of(indicator: Indicator, sums: dict[str, int]) -> float | None:
    """A count, share or mean from summed counters (None when the share has no cases)."""
    spec = SPECS[indicator]
    if spec.kind == Kind.COUNT:
        return float(sums[spec.source[0]])
    numerator, denominator = (sums[s] for s in spec.source)
    return numerator / denominator if denominator else None


def quantile(values: Sequence[int | float], q: float) -> float | None:
    """The q-quantile with linear interpolation between the nearest ranks (numpy's default,
    so the figures match a spreadsheet's PERCENTILE.INC)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def duration_of(
    indicator: Indicator, actor: Actor, municipality_id: int, period: Period, filters: Filters
) -> float | None:
    spec = SPECS[indicator]
    name, q = spec.source
    rows = facts(actor, municipality_id, period, filters, spec.basis).filter(
        **{f"{name}__isnull": False}
    )
    return quantile(list(rows.values_list(name, flat=True)), float(q))


def overdue_now(
    actor: Actor, municipality_id: int, filters: Filters, now: datetime
) -> QuerySet[Case]:
    """Open cases with a clock running past its due time."""
    late = Clock.objects.filter(
        municipality_id=municipality_id, state=Clock.State.RUNNING, due_at__lt=now
    ).values("case_id")
    return Case.objects.filter(
        scope_q(actor), filters.q(), municipality_id=municipality_id, pk__in=late
    )


def values(
    indicators: Iterable[Indicator],
    actor: Actor,
    municipality_id: int,
    period: Period,
    filters: Filters,
    now: datetime,
) -> Values:
    """The indicators' values for one period."""
    sums = counter_sums(rollups(actor, municipality_id, period, filters))
    found: Values = {}
    for indicator in indicators:
        kind = SPECS[indicator].kind
        if indicator == Indicator.OVERDUE_NOW:
            found[indicator] = float(overdue_now(actor, municipality_id, filters, now).count())
        elif kind == Kind.DURATION:
            found[indicator] = duration_of(indicator, actor, municipality_id, period, filters)
        else:
            found[indicator] = value_of(indicator, sums)
    return found


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    spec: Spec
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """Relative change against the previous period (None without a base)."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / self.previous

    @property
    def better(self) -> bool | None:
        if self.value is None or self.previous is None or self.value == self.previous:
            return None
        return (self.value > self.previous) == self.spec.higher_is_better


def figures(
    actor: Actor,
    municipality_id: int,
    period: Period,
    filters: Filters,
    now: datetime,
    indicators: Sequence[Indicator] = DASHBOARD,
) -> list[Figure]:
    """The dashboard: each indicator now and in the previous period («просрочено сейчас» is a
    moment, not a period: it has no previous value)."""
    current = values(indicators, actor, municipality_id, period, filters, now)
    earlier = values(
        [i for i in indicators if i != Indicator.OVERDUE_NOW],
        actor, municipality_id, period.previous(), filters, now,
    )  # fmt: skip
    return [Figure(i, SPECS[i], current[i], earlier.get(i)) for i in indicators]


def cases_behind(
    indicator: Indicator,
    actor: Actor,
    municipality_id: int,
    period: Period,
    filters: Filters,
    now: datetime,
) -> QuerySet[Case]:
    """The cases a figure counts, or for a share the ones that pull it down (late, brush-off,
    unhappy…), so a click on a figure leads to the cases to look at."""
    if indicator == Indicator.OVERDUE_NOW:
        return overdue_now(actor, municipality_id, filters, now)
    spec = SPECS[indicator]
    rows = facts(actor, municipality_id, period, filters, spec.basis)
    if spec.kind == Kind.DURATION:
        rows = rows.filter(**{f"{spec.source[0]}__isnull": False})
    rows = rows.filter(**spec.behind)
    return Case.objects.filter(pk__in=rows.values("case_id"))
