"""The chance yardsticks of recurring-problem detection (recurring.py): pure functions, no ORM.

- `poisson_tail(k, rate)`: P(X ≥ k) for X ~ Poisson(rate), the chance of k citizens at one
  place when places get citizens at `rate`;
- `chance_rate(ones, twos)`: that rate from the places with exactly one and exactly two
  citizens: for a Poisson count P(2) / P(1) = rate / 2 (add-one smoothed). The places with
  many citizens — the ones looked for — do not enter it, so hot spots do not raise the bar
  for each other;
- `truncated_rate(mean)`: the rate from the mean citizens of the places that have any, for a
  topic too dense for the first (few places with one citizen: every place has many);
- `binomial_tail(k, n, share)`: P(X ≥ k) for X ~ Binomial(n, share), the chance of k of a
  place's n cases in a season that holds `share` of its topic's cases;
- `benjamini_hochberg(p_values, q, tests)`: which of the tests are discoveries at a false
  discovery rate q (Benjamini & Hochberg 1995), `tests` counting every hypothesis looked at.
"""

import math
from collections.abc import Sequence

from scipy.special import betainc, gammainc

# Below this many places with one citizen a rate from f2/f1 is noise; see `chance_rate`.
MIN_SINGLES = 10


def poisson_tail(k: int, rate: float) -> float:
    if k <= 0:
        return 1.0
    if rate <= 0:
        return 0.0
    # P(X ≥ k) is the regularised lower incomplete gamma function P(k, rate).
    return float(gammainc(k, rate))


def binomial_tail(k: int, n: int, share: float) -> float:
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if share >= 1.0:
        return 1.0
    if share <= 0.0:
        return 0.0
    # P(X ≥ k) = I_share(k, n − k + 1), the regularised incomplete beta function.
    return float(betainc(k, n - k + 1, share))


def chance_rate(ones: int, twos: int) -> float | None:
    """The Poisson rate behind `ones` places with one citizen and `twos` with two; None when
    there are too few places to tell."""
    if ones < MIN_SINGLES:
        return None
    # One more place of each (add-one smoothing): with a handful of places with two citizens
    # the plain ratio swings, and a rate of zero would make any three citizens a discovery.
    return 2.0 * (twos + 1) / (ones + 1)


def truncated_rate(mean: float) -> float:
    """The Poisson rate whose counts, zeros left out, have this mean: λ / (1 − e^−λ) = mean.
    For a topic where few places have one citizen because every place has many, the places'
    mean is the better yardstick (bisection; the mean is at least 1)."""
    if mean <= 1.0:
        return 0.0
    low, high = 0.0, mean
    for _ in range(60):
        middle = (low + high) / 2
        if middle / -math.expm1(-middle) < mean:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def benjamini_hochberg(p_values: Sequence[float], q: float, tests: int | None = None) -> list[bool]:
    """Discoveries among `p_values` at false discovery rate `q`. `tests` is the number of
    hypotheses looked at (at least the p-values given: the rest were not worth a p-value)."""
    m = max(tests or 0, len(p_values))
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    cut = 0
    for rank, index in enumerate(order, start=1):
        if p_values[index] <= q * rank / m:
            cut = rank
    chosen = set(order[:cut])
    return [i in chosen for i in range(len(p_values))]
