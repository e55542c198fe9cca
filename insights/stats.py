"""The statistics behind the insights pages, with the standard library only.

- A rate (k of n) carries a 95% **Wilson score interval** (Wilson 1927): unlike the textbook
  p ± 1.96·√(p(1−p)/n) it never leaves 0–100% and behaves at small k.
- A **difference of two rates** (in points) uses Newcombe's hybrid score method (Newcombe
  1998, method 10), which is MOVER (the "method of variance estimates recovery", Zou and
  Donner 2008) applied to the two Wilson intervals; a **difference-in-differences** of four
  rates applies the same recovery to all four.
- A **ratio of two rates** (the "+212%") uses the Katz log interval: log(p₁/p₂) ±
  1.96·√(1/k₁ − 1/n₁ + 1/k₂ − 1/n₂).
- A **mean** (the feeling shift) carries mean ± 1.96·s/√n, and a difference of means the
  Welch standard error; a **median** carries the distribution-free interval between two order
  statistics chosen from the binomial(n, ½) distribution.

Groups of fewer than ``ENOUGH`` records are too small: the pages say "not enough data yet"
instead of a percentage. Samples are treated as independent; the same person can be in the
periods before and after, which makes the intervals somewhat too narrow, as the pages say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

#: Fewer records than this in a group: "not enough data yet" instead of a comparison.
ENOUGH = 30
Z = NormalDist().inv_cdf(0.975)  # 1.959963984540054


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson(k: int, n: int, z: float = Z) -> Interval | None:
    """The Wilson score interval of the rate k/n (None when n is 0)."""
    if n <= 0:
        return None
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denominator = 1 + z * z / n
    return Interval(
        max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)
    )


def mover(terms: list[tuple[int, int, int]]) -> tuple[float, Interval] | None:
    """A sum of rates with signs, Σ sign·kᵢ/nᵢ, and its MOVER interval from the Wilson limits.

    ``terms``: (sign, k, n) with sign +1 or −1. Newcombe's difference is [(+1, k₁, n₁),
    (−1, k₂, n₂)]; a difference-in-differences has four terms.
    """
    estimate, below, above = 0.0, 0.0, 0.0
    for sign, k, n in terms:
        interval = wilson(k, n)
        if interval is None:
            return None
        p = k / n
        estimate += sign * p
        down, up = (p - interval.low) ** 2, (interval.high - p) ** 2
        below += down if sign > 0 else up
        above += up if sign > 0 else down
    return estimate, Interval(estimate - math.sqrt(below), estimate + math.sqrt(above))


def difference(k1: int, n1: int, k2: int, n2: int) -> tuple[float, Interval] | None:
    """k₁/n₁ − k₂/n₂ with Newcombe's hybrid score interval."""
    return mover([(1, k1, n1), (-1, k2, n2)])


def ratio(k1: int, n1: int, k2: int, n2: int, z: float = Z) -> tuple[float, Interval] | None:
    """(k₁/n₁) / (k₂/n₂) with the Katz log interval; None when either k is 0 (no finite log)."""
    if min(k1, n1, k2, n2) <= 0:
        return None
    estimate = (k1 / n1) / (k2 / n2)
    spread = z * math.sqrt(1 / k1 - 1 / n1 + 1 / k2 - 1 / n2)
    return estimate, Interval(estimate * math.exp(-spread), estimate * math.exp(spread))


def mean_interval(
    total: float, squares: float, n: int, z: float = Z
) -> tuple[float, Interval] | None:
    """The mean of n values from their sum and sum of squares, ± z standard errors."""
    if n <= 0:
        return None
    mean = total / n
    if n == 1:
        return mean, Interval(mean, mean)
    variance = max(0.0, (squares - n * mean * mean) / (n - 1))
    spread = z * math.sqrt(variance / n)
    return mean, Interval(mean - spread, mean + spread)


def mean_difference(a: tuple[float, float, int], b: tuple[float, float, int], z: float = Z):
    """Mean of a − mean of b (each given as sum, sum of squares, n), Welch's standard error."""
    (s1, q1, n1), (s2, q2, n2) = a, b
    if n1 < 2 or n2 < 2:
        return None
    m1, m2 = s1 / n1, s2 / n2
    v1 = max(0.0, (q1 - n1 * m1 * m1) / (n1 - 1))
    v2 = max(0.0, (q2 - n2 * m2 * m2) / (n2 - 1))
    spread = z * math.sqrt(v1 / n1 + v2 / n2)
    return m1 - m2, Interval(m1 - m2 - spread, m1 - m2 + spread)


def median_from_counts(counts: dict[int, int]) -> tuple[float, Interval | None] | None:
    """The median of values given as {value: how many}, with its distribution-free 95%
    interval (None below 6 values, where no pair of order statistics reaches 95%)."""
    n = sum(counts.values())
    if n == 0:
        return None
    ordered = sorted(counts.items())

    def smallest(rank: int) -> int:  # the rank-th smallest value, counting from 1
        seen = 0
        for value, times in ordered:
            seen += times
            if seen >= rank:
                return value
        raise ValueError(rank)

    middle = n // 2
    median = smallest(middle + 1) if n % 2 else (smallest(middle) + smallest(middle + 1)) / 2
    low_rank = _median_rank(n)
    if low_rank is None:
        return median, None
    return median, Interval(smallest(low_rank), smallest(n - low_rank + 1))


#: Above this many values the binomial ranks are the normal approximation's (they agree to
#: within a rank there, and the exact sum would cost a loop over thousands).
EXACT_RANKS = 300


@lru_cache(maxsize=4096)
def _median_rank(n: int) -> int | None:
    """The largest j with P(j ≤ B ≤ n−j) ≥ 95% for B ~ binomial(n, ½): the median lies
    between the j-th and the (n−j+1)-th smallest value with at least 95% confidence.
    (Exact up to ``EXACT_RANKS`` values, in logarithms; then n/2 − 1.96·√n/2, rounded down.)"""
    if n > EXACT_RANKS:
        return math.floor((n - Z * math.sqrt(n)) / 2)
    best = None
    cumulative = 0.0
    log_half = n * math.log(2)
    for j in range(1, n // 2 + 1):
        k = j - 1
        cumulative += math.exp(
            math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) - log_half
        )  # P(B ≤ j−1)
        if 1 - 2 * cumulative >= 0.95:
            best = j
        else:
            break
    return best


def enough(*sizes: int) -> bool:
    """Whether every group is large enough to compare (``ENOUGH`` or more)."""
    return all(size >= ENOUGH for size in sizes)
