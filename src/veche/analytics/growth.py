"""Growth beyond the usual level: the topics and places that received more cases in a week
than they usually do, by more than chance explains (issue «Рост и его причины»). What drives
each growth is in `growth_drivers.py`.

Series. Weekly counts of received cases (local weeks, Monday to Sunday, the `received`
counter of the daily rollups, in the actor's scope) per topic, per territory and per topic ×
territory. A case without a topic or a territory is in no series of that kind: «не указано» is
neither a subject nor a place, and the inbox cannot list it. A series is tested when it had a
case in the week or in its baseline weeks; an empty one would only add p = 1.

The usual level. Two groups of baseline weeks:
- recent: 4, 8, 12 and 16 weeks before, the same week of each of the last four months (the
  month's own rhythm — bills, pay days — is kept, and the three weeks just before, where a
  slowly building growth may already be, do not raise the level it is compared with);
- seasonal: 51, 52 and 53 weeks before, the same week a year ago and its neighbours.
Each group's level is the median of its weeks, so one earlier spike does not raise it; the
usual level is the higher of the two. Heating in October is thus compared with last October
as well as with the summer, and fires only when it exceeds both; a series growing out of its
season exceeds both anyway. The price: a topic that has become quieter than a year ago is
judged against last year's level in its season (a conservative error). Without a year of
history the seasonal group is missing, and the first season of a seasonal topic is reported
once; the page says when last year was unknown. Weeks before the municipality's first rollup
are unknown, not zero: a series needs 3 of its 4 recent weeks known to be tested.

The test. With nothing unusual, the week's count X is negative binomial with the usual level
as its mean (at least 0.5 a week, so an empty series still needs several cases to be
surprising) and a dispersion estimated by moments from the weeks of the group that gave the
level (variance = mean + α·mean²; Poisson when they vary less than that). p = P(X ≥ count).
The p-values of every series tested in one run are adjusted by Benjamini–Hochberg (q). A
growth is reported when q ≤ 0.05, the week has at least 5 cases and at least 1.5 times the
usual level: significance without size is noise to an МЦУ, size without significance chance.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from operator import or_
from statistics import mean, median, variance
from urllib.parse import urlencode

from django.db.models import Min, Q, Sum
from scipy.special import betainc, gammainc

from veche.analytics.formatting import number, plural, probability, tenths
from veche.analytics.indicators import Actor, scope_q
from veche.analytics.models import DailyRollup
from veche.analytics.params import InvalidParams
from veche.catalog.models import Topic
from veche.org.models import Territory

RECENT = (4, 8, 12, 16)  # weeks before the tested one
SEASONAL = (51, 52, 53)
MIN_RECENT = 3  # known recent weeks a series needs
LEVEL_FLOOR = 0.5  # cases a week: the usual level of a series that was empty
MIN_CASES = 5
MIN_RATIO = 1.5
MAX_Q = 0.05
WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


@dataclass(frozen=True)
class Series:
    """A topic, a territory, or a topic in a territory (None: any)."""

    topic_id: int | None
    territory_id: int | None


@dataclass(frozen=True)
class Usual:
    level: float  # cases a week
    weeks: tuple[date, ...]  # the Mondays of the weeks that gave it
    dispersion: float  # α: variance = level + α·level²
    seasonal: bool  # given by the same weeks a year ago
    year_known: bool  # last year's weeks are in the history


@dataclass
class Checked:
    series: Series
    count: int
    usual: Usual
    p: float
    q: float = 1.0
    topic: str = ""
    territory: str = ""

    @property
    def ratio(self) -> float:
        return self.count / max(self.usual.level, LEVEL_FLOOR)

    @property
    def grew(self) -> bool:
        enough = self.count >= MIN_CASES and self.count >= MIN_RATIO * self.usual.level
        return enough and self.q <= MAX_Q

    @property
    def label(self) -> str:
        return " · ".join(name for name in (self.topic, self.territory) if name)


@dataclass(frozen=True)
class Report:
    week: date
    tested: list[Checked]  # most significant first
    untested: int  # series with too little history

    @property
    def end(self) -> date:
        return self.week + timedelta(days=6)

    @property
    def growths(self) -> list[Checked]:
        """The series that grew; a topic (or territory) whose growth is all in one territory
        (topic) is shown once, as that pair."""
        grown = [t for t in self.tested if t.grew]
        pairs = [t for t in grown if None not in (t.series.topic_id, t.series.territory_id)]
        return [t for t in grown if not any(_within(t, pair) for pair in pairs)]


def _within(item: Checked, pair: Checked) -> bool:
    """The single-dimension `item` is the same growth as the `pair` it is part of."""
    if item is pair or (item.count, item.usual.level) != (pair.count, pair.usual.level):
        return False
    topic, territory = item.series.topic_id, item.series.territory_id
    return (
        topic == pair.series.topic_id
        if territory is None
        else territory == pair.series.territory_id
    )


def last_complete_week(today: date) -> date:
    return today - timedelta(days=today.weekday() + 7)


def week_from(text: str | None, today: date) -> date:
    """The Monday a `?week=` names; the last complete week by default."""
    last = last_complete_week(today)
    if not text or not text.strip():
        return last
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidParams(
            f"Неделя «{text}» не понята: нужна дата её понедельника, например {last:%Y-%m-%d}."
        ) from None
    if day.weekday() != 0:
        raise InvalidParams(
            f"Неделя задаётся датой понедельника, а {day:%d.%m.%Y} — {WEEKDAYS[day.weekday()]}."
        )
    if day > last:
        raise InvalidParams(
            f"Неделя с {day:%d.%m.%Y} ещё не закончилась: последняя полная — с {last:%d.%m.%Y}."
        )
    return day


def usual_level(counts: Mapping[date, int], week: date, known_from: date) -> Usual | None:
    """The usual level of a series for `week` from its weekly counts (None: too little
    history). Weeks before `known_from` are unknown."""
    recent = tuple(week - timedelta(weeks=k) for k in RECENT)
    recent = tuple(w for w in recent if w >= known_from)
    if len(recent) < MIN_RECENT:
        return None
    last_year = tuple(week - timedelta(weeks=k) for k in SEASONAL)
    year_known = all(w >= known_from for w in last_year)
    groups = [(recent, False)] + ([(last_year, True)] if year_known else [])
    weeks, seasonal = max(groups, key=lambda g: median(counts.get(w, 0) for w in g[0]))
    values = [counts.get(w, 0) for w in weeks]
    return Usual(median(values), weeks, dispersion(values), seasonal, year_known)


def dispersion(values: Sequence[int]) -> float:
    """α of a negative binomial by moments: the variance beyond the Poisson's, over mean²."""
    if len(values) < 2 or mean(values) == 0:
        return 0.0
    m = mean(values)
    return max(0.0, (variance(values) - m) / m**2)


def upper_tail(count: int, level: float, alpha: float) -> float:
    """P(X ≥ count) for X negative binomial with mean `level` and dispersion `alpha` (Poisson
    when 0). Poisson: P(X ≥ k) = P(k, μ), the regularised lower incomplete gamma. Negative
    binomial with n = 1/α successes and p = n / (n + μ): P(X ≥ k) = I_{1−p}(k, n), the
    regularised incomplete beta (scipy.stats.nbinom.sf(k − 1, n, p), without loading
    scipy.stats)."""
    if count <= 0:
        return 1.0
    mu = max(level, LEVEL_FLOOR)
    if alpha <= 0:
        return float(gammainc(count, mu))
    n = 1 / alpha
    return float(betainc(count, n, mu / (n + mu)))


def adjusted(ps: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg q-values (step-up adjusted p-values), in the order given."""
    m = len(ps)
    qs = [1.0] * m
    running = 1.0
    for rank, i in reversed(list(enumerate(sorted(range(m), key=lambda i: ps[i]), start=1))):
        running = min(running, ps[i] * m / rank)
        qs[i] = running
    return qs


def growth_report(actor: Actor, municipality_id: int, week: date) -> Report:
    """Every series of the actor's cases tested for `week`, the most significant first."""
    first = DailyRollup.objects.filter(municipality_id=municipality_id).aggregate(d=Min("day"))
    if first["d"] is None:
        return Report(week, [], 0)
    known_from = first["d"] + timedelta(days=(7 - first["d"].weekday()) % 7)
    weeks = [week] + [week - timedelta(weeks=k) for k in RECENT + SEASONAL]
    tested: list[Checked] = []
    untested = 0
    for series, counts in weekly_counts(actor, municipality_id, weeks).items():
        usual = usual_level(counts, week, known_from)
        if usual is None:
            untested += 1
            continue
        count = counts.get(week, 0)
        tested.append(
            Checked(series, count, usual, upper_tail(count, usual.level, usual.dispersion))
        )
    for item, q in zip(tested, adjusted([t.p for t in tested]), strict=True):
        item.q = q
    tested.sort(key=lambda t: (t.p, -t.ratio, t.series.topic_id or 0, t.series.territory_id or 0))
    return Report(week, tested, untested)


def weekly_counts(
    actor: Actor, municipality_id: int, weeks: Iterable[date]
) -> dict[Series, dict[date, int]]:
    """Received cases per series and week (the Monday), for the given weeks only."""
    span = reduce(or_, (Q(day__gte=w, day__lte=w + timedelta(days=6)) for w in weeks))
    rows = (
        DailyRollup.objects.filter(scope_q(actor), span, municipality_id=municipality_id)
        .filter(received__gt=0)
        .values("topic_id", "territory_id", "day")
        .annotate(n=Sum("received"))
        .order_by()
    )
    found: dict[Series, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        topic, territory, day = row["topic_id"], row["territory_id"], row["day"]
        monday = day - timedelta(days=day.weekday())
        keys = []
        if topic is not None:
            keys.append(Series(topic, None))
        if territory is not None:
            keys.append(Series(None, territory))
        if topic is not None and territory is not None:
            keys.append(Series(topic, territory))
        for series in keys:
            found[series][monday] += row["n"]
    return found


def name_series(items: Sequence[Checked]) -> None:
    """Fill in the topic and territory names of the series."""
    topics = dict(
        Topic.objects.filter(pk__in={t.series.topic_id for t in items}).values_list("pk", "name")
    )
    territories = dict(
        Territory.objects.filter(pk__in={t.series.territory_id for t in items}).values_list(
            "pk", "name"
        )
    )
    for t in items:
        t.topic = topics.get(t.series.topic_id or 0, "")
        t.territory = territories.get(t.series.territory_id or 0, "")


def cases_query(item: Checked, week: date) -> str:
    """The inbox's query string for the cases of the series received in the week."""
    params: dict[str, str] = {}
    if item.series.topic_id is not None:
        params["topic"] = str(item.series.topic_id)
    if item.series.territory_id is not None:
        params["territory"] = str(item.series.territory_id)
    params["received_from"] = f"{week:%Y-%m-%d}"
    params["received_to"] = f"{week + timedelta(days=6):%Y-%m-%d}"
    return urlencode(params)


def summary(item: Checked, tested: int) -> str:
    """«20 за неделю при обычных 4 — рост в 5,0 раза, случайность маловероятна: p < 0,001…»."""
    if item.usual.level < 1:
        size = f"{item.count} за неделю, обычно — меньше одного в неделю"
    else:
        size = (
            f"{item.count} за неделю при обычных {tenths(item.usual.level)} — "
            f"рост в {number(item.ratio, 1)} раза"
        )
    if item.p < 0.01:
        chance = "случайность маловероятна"
    elif item.p < 0.05:
        chance = "случайность не исключена"
    else:
        chance = "в пределах обычных колебаний"
    rows = plural(tested, "ряда", "рядов", "рядов")
    return (
        f"{size}, {chance}: p {probability(item.p)} "
        f"(с поправкой на проверку {tested} {rows}: q {probability(item.q)})"
    )


def report_summary(report: Report) -> str:
    """What was tested and what was found, in one sentence."""
    n = len(report.tested)
    tested = f"проверено {n} {plural(n, 'ряд', 'ряда', 'рядов')}"
    if report.untested:
        tested += f", ещё {report.untested} без достаточной истории не проверялись"
    found = len(report.growths)
    tested = tested[0].upper() + tested[1:]
    if not found:
        return f"{tested}, роста сверх обычного нет."
    return f"{tested}; рост сверх обычного — в {found} {plural(found, 'ряде', 'рядах', 'рядах')}."
