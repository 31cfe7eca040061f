"""The place and seasonal detectors of recurring.py: the same topic at the same place again
and again, and at the same place in the same months of different years.

Each (topic, place) is one hypothesis. Its citizens — no more than the distinct weeks they
wrote in: a burst of one week is one event — are tested against the Poisson rate of its topic
and kind of place (recurring_stats): from the places with one and two citizens when there are
ten with one; else, for a dense topic, from the mean of its places when it has five; else the
rate of every topic for that kind of place, else 0.1. The place must also have cases in three
weeks over three weeks or more. The p-values go through Benjamini–Hochberg with every (topic,
place) counted as a test.

Seasonal: the place's weeks with cases in one or two calendar months of two or more years
(three weeks or more, 60 % of its weeks), against the share of the topic's cases in those
months (binomial; Bonferroni over the 24 seasons tried; Benjamini–Hochberg over the places
with such a season).
"""

from collections import Counter, defaultdict
from collections.abc import Sequence

from veche.problems.recurring_rows import Group, Loaded, PlaceKey, Row, Thresholds
from veche.problems.recurring_stats import (
    benjamini_hochberg,
    binomial_tail,
    chance_rate,
    poisson_tail,
    truncated_rate,
)

PLACE, SEASONAL = "place", "seasonal"
DEFAULT_RATE = 0.1
MIN_PLACES = 5  # places of a topic and kind for a rate of its own from their mean
# A topic with fewer other cases than this takes its season from every topic's cases.
MIN_PROFILE_CASES = 30
WIDTHS = (1, 2)  # months of a season
WINDOWS = 12 * len(WIDTHS)  # seasons tried per place: the p-value is multiplied by it


def place_groups(loaded: Loaded, th: Thresholds) -> list[Group]:
    """The places that are a recurring problem, a seasonal one, or both (see the module)."""
    rows = loaded.rows
    by_place: dict[tuple[int, PlaceKey], list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if row.topic_id and row.place:
            by_place[(row.topic_id, row.place)].append(index)
    keys = list(by_place)
    citizens = [len({rows[i].citizen for i in by_place[k]}) for k in keys]
    # What a place shows: citizens, but no more than the weeks they wrote in — a burst of one
    # week is one event however many saw it.
    shown = [
        min(n, len({rows[i].week for i in by_place[k]}))
        for k, n in zip(keys, citizens, strict=True)
    ]
    rates = _rates(keys, shown)
    place_p = [
        poisson_tail(n, rates[(k[0], k[1][0])])
        if n >= th.min_citizens and _spread(rows, by_place[k], th)
        else 1.0
        for k, n in zip(keys, shown, strict=True)
    ]
    found = benjamini_hochberg(place_p, th.false_discovery, tests=len(keys))
    seasons = _seasons(rows, by_place, keys, citizens, th)
    groups = []
    for index, key in enumerate(keys):
        season = seasons.get(index)
        kinds = ({PLACE} if found[index] else set()) | ({SEASONAL} if season else set())
        if kinds:
            years, months = season or ((), ())
            groups.append(
                Group(
                    kinds=kinds,
                    members=set(by_place[key]),
                    place=key[1],
                    years=years,
                    season=months,
                )
            )
    return groups


def _spread(rows: Sequence[Row], members: Sequence[int], th: Thresholds) -> bool:
    """Again and again: in enough distinct weeks, over enough days (a burst is one event)."""
    days = [rows[i].day for i in members]
    weeks = {(d - 1) // 7 for d in days}
    return len(weeks) >= th.min_weeks and max(days) - min(days) >= th.min_span_days


def _rates(
    keys: Sequence[tuple[int, PlaceKey]], citizens: Sequence[int]
) -> dict[tuple[int, str], float]:
    """The chance rate of citizens per place for each topic and kind of place: from its places
    with one and two citizens when it has enough of the first, else from the mean of its
    places when it has `MIN_PLACES` of them (a dense topic), else the rate of the kind."""
    ones: Counter[tuple[int, str]] = Counter()
    twos: Counter[tuple[int, str]] = Counter()
    places: Counter[tuple[int, str]] = Counter()
    total: Counter[tuple[int, str]] = Counter()
    for (topic, place), n in zip(keys, citizens, strict=True):
        pair = (topic, place[0])
        places[pair] += 1
        total[pair] += n
        if n in (1, 2):
            (ones if n == 1 else twos)[pair] += 1
    pooled: dict[str, float] = {}
    for kind in {place[0] for _, place in keys}:
        one = sum(v for (_, k), v in ones.items() if k == kind)
        two = sum(v for (_, k), v in twos.items() if k == kind)
        pooled[kind] = chance_rate(one, two) or DEFAULT_RATE
    rates: dict[tuple[int, str], float] = {}
    for pair in places:
        own = chance_rate(ones[pair], twos[pair])
        if own is None and places[pair] >= MIN_PLACES:
            own = truncated_rate(total[pair] / places[pair])
        rates[pair] = own if own is not None else pooled[pair[1]]
    return rates


def _seasons(
    rows: Sequence[Row],
    by_place: dict[tuple[int, PlaceKey], list[int]],
    keys: Sequence[tuple[int, PlaceKey]],
    citizens: Sequence[int],
    th: Thresholds,
) -> dict[int, tuple[tuple[int, ...], tuple[int, ...]]]:
    """The places with a seasonal return: their season's years and months."""
    profiles: dict[int, list[int]] = defaultdict(lambda: [0] * 12)
    overall = [0] * 12
    for row in rows:
        overall[row.month % 12] += 1
        if row.topic_id:
            profiles[row.topic_id][row.month % 12] += 1
    tested: list[int] = []
    p_values: list[float] = []
    found: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    for index, key in enumerate(keys):
        members = by_place[key]
        if len(members) < th.seasonal_min_cases or citizens[index] < th.seasonal_min_citizens:
            continue
        # One month per week with cases: a burst of one week is one event, not a season.
        months = list({rows[i].week: rows[i].month for i in members}.values())
        own = [0] * 12
        for i in members:
            own[rows[i].month % 12] += 1
        others = [a - b for a, b in zip(profiles[key[0]], own, strict=True)]
        profile = others if sum(others) >= MIN_PROFILE_CASES else overall
        best = _best_season(months, profile, th)
        if best is None:
            continue
        p, years, season = best
        tested.append(index)
        p_values.append(min(1.0, p * WINDOWS))
        found[index] = (years, season)
    chosen = benjamini_hochberg(p_values, th.false_discovery, tests=len(tested))
    return {index: found[index] for index, ok in zip(tested, chosen, strict=True) if ok}


def _best_season(
    months: Sequence[int], profile: Sequence[int], th: Thresholds
) -> tuple[float, tuple[int, ...], tuple[int, ...]] | None:
    """The one or two calendar months holding `seasonal_min_cases` or more of the place's
    weeks with cases, and `seasonal_min_share` of them, in two or more years, least likely by
    the topic's season: (p, years, months of the year 1–12 in season order), or None."""
    total = sum(profile)
    best: tuple[float, tuple[int, ...], tuple[int, ...]] | None = None
    for width in WIDTHS:
        for start in range(12):
            season = tuple((start + step) % 12 for step in range(width))
            inside = [m for m in months if m % 12 in season]
            # A season across the new year belongs to the year it began in.
            years = {(m // 12) - (1 if m % 12 < start else 0) for m in inside}
            if (
                len(years) < 2
                or len(inside) < th.seasonal_min_cases
                or len(inside) < th.seasonal_min_share * len(months)
            ):
                continue
            share = sum(profile[m] for m in season) / total if total else width / 12
            p = binomial_tail(len(inside), len(months), share)
            if best is None or p < best[0]:
                best = (p, tuple(sorted(years)), tuple(m + 1 for m in season))
    return best
