"""The mix of a year's flow: channels and their regimes, problems by season, outcomes.

ПОС and Инцидент Менеджмент carry most of it, as in a real МЦУ. 59-ФЗ appeals come mostly by
letter, at receptions, through ПОС forms with the fz59 flag and the site's form with ЕСИА;
social networks bring incidents; e-mail is a message (not a 59-ФЗ channel since 30.03.2025).
"""

import random
from itertools import accumulate
from math import sqrt

from veche.cases.workflow import Regime
from veche.demo.lifecycle import Outcome
from veche.demo.problems import PROBLEMS, Problem

R = Regime

CHANNEL_WEIGHTS: dict[str, float] = {
    "pos": 36, "im": 20, "vk": 8, "ok": 3, "telegram": 5, "email": 5, "web_form": 6,
    "phone": 8, "reception": 3, "letter": 4.5, "api": 1.2, "open311": 0.3,
}  # fmt: skip
SOCIAL = frozenset({"im", "vk", "ok", "telegram"})
# (regime, share) per channel; the rest of the share is the channel's first regime.
REGIME_SHARES: dict[str, tuple[tuple[Regime, float], ...]] = {
    "pos": ((R.MESSAGE, 0.88), (R.APPEAL, 0.12)),
    "email": ((R.MESSAGE, 0.95), (R.INFO_REQUEST, 0.05)),
    "web_form": ((R.APPEAL, 0.6), (R.MESSAGE, 0.35), (R.INFO_REQUEST, 0.05)),
    "reception": ((R.APPEAL, 1.0),),
    "letter": ((R.APPEAL, 0.88), (R.INFO_REQUEST, 0.12)),
}
ANONYMOUS_SHARE = {"im": 0.22, "vk": 0.22, "ok": 0.22, "telegram": 0.22, "phone": 0.15,
                   "email": 0.1, "web_form": 0.1, "api": 0.3, "open311": 0.3}  # fmt: skip
# The first cases cover every channel and every regime, so even a small demo shows them all.
STARTERS: tuple[tuple[str, Regime], ...] = (
    ("pos", R.MESSAGE), ("im", R.INCIDENT), ("letter", R.APPEAL), ("email", R.INFO_REQUEST),
    ("vk", R.INCIDENT), ("ok", R.INCIDENT), ("telegram", R.INCIDENT), ("email", R.MESSAGE),
    ("web_form", R.APPEAL), ("phone", R.MESSAGE), ("reception", R.APPEAL), ("api", R.MESSAGE),
    ("open311", R.MESSAGE), ("pos", R.APPEAL), ("letter", R.INFO_REQUEST),
)  # fmt: skip


def pick_channel(rng: random.Random, index: int) -> tuple[str, Regime]:
    if index < len(STARTERS):
        return STARTERS[index]
    channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
    return channel, regime_for(channel, rng)


def regime_for(channel: str, rng: random.Random) -> Regime:
    if channel in SOCIAL:
        return R.INCIDENT
    shares = REGIME_SHARES.get(channel)
    if shares is None:
        return R.MESSAGE
    regimes = [regime for regime, _ in shares]
    weights = [share for _, share in shares]
    return rng.choices(regimes, weights)[0]


def is_anonymous(channel: str, regime: Regime, rng: random.Random) -> bool:
    if regime in (R.APPEAL, R.INFO_REQUEST):  # 59-ФЗ ст. 11: an appeal needs a name
        return False
    return rng.random() < ANONYMOUS_SHARE.get(channel, 0.0)


def monthly_volume() -> tuple[float, ...]:
    """How busy each month is: the sum of every problem's season."""
    return tuple(sum(p.weight * p.season[m] for p in PROBLEMS) for m in range(12))


class ProblemPicker:
    """Problems weighted by season and by how each regime favours them."""

    def __init__(self) -> None:
        self._everyday = [p for p in PROBLEMS if not p.regimes]
        self._info = [p for p in PROBLEMS if R.INFO_REQUEST in p.regimes]
        self._cumulative: dict[tuple[Regime, int], list[float]] = {}
        for regime in (R.APPEAL, R.MESSAGE, R.INCIDENT):
            for month in range(12):
                weights = [self._weight(p, regime, month) for p in self._everyday]
                self._cumulative[regime, month] = list(accumulate(weights))

    @staticmethod
    def _weight(problem: Problem, regime: Regime, month: int) -> float:
        weight = problem.weight * problem.season[month]
        if regime == R.APPEAL:
            return weight * problem.formal
        if regime == R.INCIDENT:
            return weight / sqrt(problem.formal)
        return weight

    def pick(self, rng: random.Random, regime: Regime, month: int) -> Problem:
        if regime == R.INFO_REQUEST:
            return rng.choice(self._info)
        return rng.choices(self._everyday, cum_weights=self._cumulative[regime, month - 1])[0]


def pick_outcome(rng: random.Random, regime: Regime, problem: Problem) -> Outcome:
    draw = rng.random()
    reject = {R.INCIDENT: 0.05, R.MESSAGE: 0.025}.get(regime, 0.0)
    merge = {R.INCIDENT: 0.04, R.MESSAGE: 0.03, R.APPEAL: 0.02}.get(regime, 0.0)
    redirect = _redirect_share(regime, problem)
    if draw < reject:
        return Outcome.REJECT
    if draw < reject + merge:
        return Outcome.MERGE
    if draw < reject + merge + redirect:
        return Outcome.REDIRECT
    return Outcome.ANSWER


def _redirect_share(regime: Regime, problem: Problem) -> float:
    if regime == R.INCIDENT:
        return 0.0  # Инцидент Менеджмент routes inside the region, not by 59-ФЗ redirect
    if regime == R.INFO_REQUEST:
        return 0.08
    often = problem.redirect is not None
    if regime == R.APPEAL:
        return 0.3 if often else 0.05
    return 0.12 if often else 0.015
