"""The rating formula, pure: shares shrunk toward the municipality's, scores, the weighted
index, ranks, and each department's reasons in words. No database: the counters come in as
plain mappings (`store.py` reads them), the rules as a `Policy`."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from veche.analytics import formatting
from veche.analytics.indicators import Period

if TYPE_CHECKING:
    from veche.analytics.models import RatingPolicy

Counts = Mapping[str, int]


class Component(StrEnum):
    VOLUME = "volume"
    SPEED = "speed"
    COMPLETENESS = "completeness"
    QUALITY = "quality"
    SATISFACTION = "satisfaction"


LABELS: dict[Component, str] = {
    Component.VOLUME: "Объём",
    Component.SPEED: "Своевременность",
    Component.COMPLETENESS: "Полнота",
    Component.QUALITY: "Качество ответов",
    Component.SATISFACTION: "Удовлетворённость",
}
WEIGHT_FIELDS: dict[Component, str] = {c: f"weight_{c.value}" for c in Component}


@dataclass(frozen=True)
class ShareRule:
    """One share: x = counter `plus` minus counter `minus`, out of n = counter `total`."""

    label: str
    plus: str
    total: str
    minus: str = ""

    def x(self, counts: Counts) -> int:
        return counts[self.plus] - (counts[self.minus] if self.minus else 0)


SHARES: dict[Component, tuple[ShareRule, ...]] = {
    Component.SPEED: (ShareRule("ответов в срок", "answered_in_time", "answer_clocked"),),
    Component.COMPLETENESS: (
        ShareRule("завершено с ответом", "finished", "finished", "finished_without_answer"),
    ),
    Component.QUALITY: (
        ShareRule("ответов без признаков отписки", "checked", "checked", "brush_off"),
        ShareRule("не возвращались на доработку", "received", "received", "returned"),
    ),
    Component.SATISFACTION: (ShareRule("оценок 4–5 из 5", "satisfied", "rated"),),
}
COUNTERS = (
    "received", "answered_in_time", "answer_clocked", "finished", "finished_without_answer",
    "checked", "brush_off", "returned", "satisfied", "rated",
)  # fmt: skip


@dataclass(frozen=True)
class Policy:
    """The rating rules as plain data (from `RatingPolicy`)."""

    weights: Mapping[Component, int]
    min_cases: int = 2
    prior_cases: int = 10

    @classmethod
    def of(cls, row: "RatingPolicy") -> "Policy":
        weights = {c: int(getattr(row, WEIGHT_FIELDS[c])) for c in Component}
        return cls(weights, row.min_cases, row.prior_cases)


def shrink(x: int, n: int, p0: float, m: int) -> float:
    """(x + m·p₀)/(n + m): the mean of the beta posterior after x of n, from the prior
    Beta(m·p₀, m·(1 − p₀)) — a share worth m cases at the municipality's level."""
    if n + m == 0:
        return p0
    return (x + m * p0) / (n + m)


def volume_points(received: int, largest: int) -> float:
    """100·ln(1 + n)/ln(1 + n_max): the busiest department scores 100, one ten times smaller
    about half as much, not a tenth."""
    if largest <= 0 or received <= 0:
        return 0.0
    return 100 * math.log1p(min(received, largest)) / math.log1p(largest)


@dataclass(frozen=True)
class Part:
    """One share behind a component: the department's x of n, its shrunk value, and the
    municipality's pooled share p₀ (x₀ of n₀)."""

    label: str
    x: int
    n: int
    shrunk: float | None
    reference: float | None
    reference_x: int
    reference_n: int

    @property
    def raw(self) -> float | None:
        return self.x / self.n if self.n else None

    @property
    def raw_percent(self) -> float | None:
        return _percent(self.raw)

    @property
    def shrunk_percent(self) -> float | None:
        return _percent(self.shrunk)

    @property
    def reference_percent(self) -> float | None:
        return _percent(self.reference)


@dataclass(frozen=True)
class Score:
    """A component of one department: its points (0–100, None without data), the
    municipality's points, and its weight in the index after renormalisation (0–1)."""

    component: Component
    points: float | None
    reference: float | None
    weight: float
    parts: tuple[Part, ...] = ()
    received: int = 0  # volume: the department's cases
    largest: int = 0  # volume: the busiest department's

    @property
    def label(self) -> str:
        return LABELS[self.component]

    @property
    def contribution(self) -> float | None:
        """Index points this component brings."""
        return None if self.points is None else self.weight * self.points

    @property
    def gap(self) -> float | None:
        """Index points lost against the municipality's level (negative: gained)."""
        if self.points is None or self.reference is None:
            return None
        return self.weight * (self.reference - self.points)

    @property
    def weight_percent(self) -> float:
        return 100 * self.weight


@dataclass(frozen=True)
class Evaluation:
    scores: tuple[Score, ...]
    index: float | None
    missing: tuple[Component, ...]  # weighted components without data, weight passed on


@dataclass(frozen=True)
class Pool:
    """The municipality's figures every department is measured against."""

    counts: dict[str, int]
    largest: int
    mean_volume_points: float | None

    def p0(self, rule: ShareRule) -> float | None:
        n = self.counts[rule.total]
        return rule.x(self.counts) / n if n else None


def pool_of(counts: Mapping[int, Counts], policy: Policy) -> Pool:
    total = dict.fromkeys(COUNTERS, 0)
    for row in counts.values():
        for name in COUNTERS:
            total[name] += row[name]
    largest = max((row["received"] for row in counts.values()), default=0)
    eligible = [r["received"] for r in counts.values() if r["received"] >= policy.min_cases]
    mean = sum(volume_points(n, largest) for n in eligible) / len(eligible) if eligible else None
    return Pool(total, largest, mean)


def evaluate(counts: Counts, pool: Pool, policy: Policy) -> Evaluation:
    """One department's scores and index."""
    raw: list[Score] = [
        Score(
            Component.VOLUME,
            volume_points(counts["received"], pool.largest),
            pool.mean_volume_points,
            0.0,
            received=counts["received"],
            largest=pool.largest,
        )
    ]
    for component, rules in SHARES.items():
        parts = tuple(_part(rule, counts, pool, policy.prior_cases) for rule in rules)
        known = [p for p in parts if p.shrunk is not None and p.reference is not None]
        points = reference = None
        if known:
            points = 100 * sum(p.shrunk or 0.0 for p in known) / len(known)
            reference = 100 * sum(p.reference or 0.0 for p in known) / len(known)
        raw.append(Score(component, points, reference, 0.0, parts))
    weights = policy.weights
    present = {s.component for s in raw if s.points is not None and weights[s.component] > 0}
    missing = tuple(s.component for s in raw if s.points is None and weights[s.component] > 0)
    total = sum(weights[c] for c in present)
    scores = tuple(
        replace(s, weight=weights[s.component] / total if s.component in present else 0.0)
        for s in raw
    )
    index = sum(s.contribution or 0.0 for s in scores) if total else None
    return Evaluation(scores, index, missing)


def reference_scores(pool: Pool, policy: Policy) -> tuple[Score, ...]:
    """The municipality's own row: its pooled shares, and for volume the mean points of the
    departments ranked."""
    scores = evaluate(pool.counts, pool, policy).scores
    return tuple(
        replace(s, points=pool.mean_volume_points) if s.component == Component.VOLUME else s
        for s in scores
    )


def _part(rule: ShareRule, counts: Counts, pool: Pool, prior: int) -> Part:
    x, n = rule.x(counts), counts[rule.total]
    p0 = pool.p0(rule)
    # No cases of this kind: no figure, rather than the municipality's own passed off as one.
    shrunk = shrink(x, n, p0, prior) if n and p0 is not None else None
    return Part(rule.label, x, n, shrunk, p0, rule.x(pool.counts), pool.counts[rule.total])


def ranks(indices: Sequence[float]) -> list[int]:
    """Competition ranks of indices sorted from best (1, 2, 2, 4), compared as shown."""
    found: list[int] = []
    for position, value in enumerate(indices):
        tied = position > 0 and round(value, 1) == round(indices[position - 1], 1)
        found.append(found[-1] if tied else position + 1)
    return found


def standings(
    everyone: Sequence["DepartmentRating"],
) -> tuple[list["DepartmentRating"], list["DepartmentRating"]]:
    """The departments ranked by index, best first, each with its place; and those apart (too
    few cases, or no data under a weight), the busiest first."""
    ranked = sorted(
        (r for r in everyone if r.eligible and r.index is not None),
        key=lambda r: (-round(r.index or 0.0, 1), r.name.lower()),
    )
    ranked = [
        replace(r, rank=place)
        for r, place in zip(ranked, ranks([r.index or 0.0 for r in ranked]), strict=True)
    ]
    apart = sorted(
        (r for r in everyone if not r.eligible or r.index is None),
        key=lambda r: (-r.received, r.name.lower()),
    )
    return ranked, apart


# --- one department's row ---------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentRating:
    department_id: int
    name: str
    block: str
    evaluation: Evaluation
    eligible: bool  # enough cases to be ranked
    rank: int | None = None
    median_answer_seconds: float | None = None

    @property
    def received(self) -> int:
        return self.score(Component.VOLUME).received

    @property
    def index(self) -> float | None:
        return self.evaluation.index

    @property
    def scores(self) -> tuple[Score, ...]:
        return self.evaluation.scores

    @property
    def missing(self) -> tuple[Component, ...]:
        return self.evaluation.missing

    @property
    def missing_labels(self) -> list[str]:
        return [LABELS[c] for c in self.missing]

    def score(self, component: Component) -> Score:
        return next(s for s in self.scores if s.component == component)

    @property
    def weakest(self) -> Score | None:
        """The weighted component that costs the index most against the municipality's
        level; when none is below it, the one with the fewest points."""
        counted = [s for s in self.scores if s.weight > 0 and s.points is not None]
        if not counted:
            return None
        lost = max(counted, key=lambda s: s.gap if s.gap is not None else -math.inf)
        if lost.gap is not None and lost.gap > 0:
            return lost
        return min(counted, key=lambda s: s.points if s.points is not None else math.inf)

    @property
    def why(self) -> str:
        """The weakest component, in words."""
        weak = self.weakest
        if weak is None or weak.points is None:
            return "Нет данных ни по одному показателю с ненулевым весом."
        points = formatting.number(weak.points, 1)
        if weak.gap is not None and weak.gap > 0 and weak.reference is not None:
            versus = "в среднем в рейтинге" if weak.component == Component.VOLUME else "по МО"
            reference, gap = formatting.number(weak.reference, 1), formatting.number(weak.gap, 1)
            return (
                f"Ниже всего индекс тянет «{weak.label}»: {points} балла против "
                f"{reference} {versus}, это −{gap} балла индекса."
            )
        return (
            "Ни один показатель не ниже уровня МО; слабее других — "
            f"«{weak.label}» ({points} балла)."
        )

    @property
    def renormalised(self) -> str:
        if not self.missing:
            return ""
        names = ", ".join(f"«{label}»" for label in self.missing_labels)
        return f"Нет данных: {names} — вес распределён между остальными показателями."

    @property
    def median_answer(self) -> str:
        seconds = self.median_answer_seconds
        return "—" if seconds is None else formatting.duration(seconds)


@dataclass(frozen=True)
class Rating:
    period: Period
    policy: Policy
    rows: list[DepartmentRating]  # ranked, best first, those the actor may see
    apart: list[DepartmentRating]  # too few cases or no data, those the actor may see
    ranked_total: int  # departments ranked in the whole municipality
    reference: tuple[Score, ...] = field(default=())  # the municipality's own figures

    @property
    def method(self) -> str:
        return method_text(self.policy)

    @property
    def weights(self) -> list[tuple[str, float]]:
        """The policy's weights as percentages of their sum, for the page."""
        total = sum(self.policy.weights.values()) or 1
        return [(LABELS[c], 100 * self.policy.weights[c] / total) for c in Component]


def method_text(policy: Policy) -> str:
    return (
        "Доли сглажены эмпирическим байесовским методом (бета-биномиальная модель): к «x из n» "
        f"исполнителя добавляются m = {policy.prior_cases} условных обращений с долей по МО "
        "в целом p₀, оценка = (x + m·p₀) / (n + m), поэтому у исполнителя с несколькими "
        "обращениями она близка к уровню МО, а у крупного — к его собственной доле."
    )


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share
