"""Pure statistics of the latency gate: an exact interval for a median and the sequential rule.

The gate measures one log ratio per ABBA round. Its centre is the Hodges-Lehmann estimator (the
median of the Walsh averages, i.e. of every pairwise mean ``(x_i + x_j) / 2`` with ``i <= j``), and
its interval the one that inverts Wilcoxon's signed-rank test: with ``M = n(n+1)/2`` sorted Walsh
averages, ``[W_(k), W_(M+1-k)]`` where ``k - 1`` is the largest count with
``P(T <= k - 1) <= alpha / 2`` under the exact null distribution of the signed-rank statistic T.
Exact, deterministic and distribution-free for any symmetric distribution; a round count too small
for the level gives no finite interval at all, never a falsely narrow one.

The rule looks at the interval repeatedly, so each look spends part of alpha
(``alpha * 6 / (pi^2 j^2)`` on the j-th look; the series sums to alpha, so any number of looks is
covered). Looks are spaced geometrically (each once the rounds have grown by half: 9, 14, 21, 32,
48 at 99%) rather than after every round: successive intervals share most of their rounds, so
dense looks buy little speed, while spending on every round would drive each level so low that
the interval's ends become the most extreme rounds, and one preempted round would hold the
decision open. The first look is the first round where even the widest interval (``k = 1``)
reaches the look's level; which rounds are looks depends only on the round count, never on the
data. The intervals of all looks then hold together with probability ``>= 1 - alpha``: a
confidence sequence, so stopping at the first interval clear of the threshold keeps each error
(fail at a true ratio <= threshold, pass at one above) below ``alpha / 2``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Interval",
    "LOOK_GROWTH",
    "Verdict",
    "hodges_lehmann",
    "look_alphas",
    "sequential_verdict",
    "signed_rank_cdf",
    "signed_rank_interval",
    "walsh_averages",
]


#: Each look comes once the rounds have grown by this factor since the last one.
LOOK_GROWTH = 1.5


@dataclass(frozen=True)
class Interval:
    """A point estimate and its interval (in whatever scale the samples were)."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class Verdict:
    """What the sequential rule says after the rounds it was given."""

    outcome: str | None  # "pass" | "fail", or None while the interval straddles the threshold
    interval: Interval  # of the log ratio, at the level of the last look (nominal before any look)
    looks: int  # looks made so far (rounds that could decide)
    alpha: float  # two-sided level spent at the last look (nominal before any look)


def walsh_averages(samples: Sequence[float]) -> np.ndarray:
    """Sorted ``(x_i + x_j) / 2`` over ``i <= j``: ``n(n+1)/2`` values."""
    values = np.asarray(samples, dtype=np.float64)
    rows, cols = np.triu_indices(values.size)
    return np.sort(values[rows] / 2.0 + values[cols] / 2.0)  # halves first: no overflow, same result


def hodges_lehmann(samples: Sequence[float]) -> float:
    """The Hodges-Lehmann estimate of the centre: the median of the Walsh averages."""
    return float(np.median(walsh_averages(samples)))


@functools.lru_cache(maxsize=256)
def signed_rank_cdf(n: int) -> tuple[float, ...]:
    """``P(T <= t)`` for t = 0..n(n+1)/2, T the signed-rank statistic of n samples with no ties.

    Counted exactly: the number of subsets of {1..n} with sum t, over 2^n.
    """
    total = n * (n + 1) // 2
    counts = [1] + [0] * total
    for rank in range(1, n + 1):
        for t in range(total, rank - 1, -1):
            counts[t] += counts[t - rank]
    cumulative, running = [], 0
    for count in counts:
        running += count
        cumulative.append(running / 2**n)
    return tuple(cumulative)


def _rank_index(n: int, alpha: float) -> int:
    """The k of ``[W_(k), W_(M+1-k)]`` at two-sided level alpha; 0 when no finite interval exists."""
    cdf = signed_rank_cdf(n)
    k = 0
    while k < len(cdf) and cdf[k] <= alpha / 2:
        k += 1
    return min(k, (n * (n + 1) // 2 + 1) // 2)


def signed_rank_interval(samples: Sequence[float], alpha: float) -> Interval:
    """Hodges-Lehmann estimate with the exact Wilcoxon signed-rank interval at two-sided level alpha.

    Too few samples for the level give ``(-inf, inf)``.
    """
    walsh = walsh_averages(samples)
    if walsh.size == 0:
        return Interval(math.nan, -math.inf, math.inf)
    estimate = float(np.median(walsh))
    k = _rank_index(len(samples), alpha)
    if k == 0:
        return Interval(estimate, -math.inf, math.inf)
    return Interval(estimate, float(walsh[k - 1]), float(walsh[walsh.size - k]))


def look_alphas(rounds: int, alpha: float, min_rounds: int) -> list[tuple[int, float]]:
    """``(round, alpha_j)`` of every look up to ``rounds``: the rounds that may decide, and their level.

    The first look is the first round from ``min_rounds`` on where a finite interval exists at its
    level; each later look comes once the round count has grown by half (rounded up).
    """
    looks: list[tuple[int, float]] = []
    next_round = max(min_rounds, 1)
    for n in range(next_round, rounds + 1):
        level = alpha * 6.0 / (math.pi**2 * (len(looks) + 1) ** 2)
        if n >= next_round and 2.0 ** (1 - n) <= level:
            looks.append((n, level))
            next_round = math.ceil(n * LOOK_GROWTH)
    return looks


def sequential_verdict(
    log_ratios: Sequence[float], log_threshold: float, alpha: float, min_rounds: int
) -> Verdict:
    """The rule after the last of ``log_ratios``: fail when the interval lies wholly above the threshold,
    pass when wholly below, else undecided (None). Only looks decide (see the module docstring)."""
    looks = look_alphas(len(log_ratios), alpha, min_rounds)
    if not looks or looks[-1][0] != len(log_ratios):
        spent = looks[-1][1] if looks else alpha
        return Verdict(None, signed_rank_interval(log_ratios, spent), len(looks), spent)
    level = looks[-1][1]
    interval = signed_rank_interval(log_ratios, level)
    outcome = "fail" if interval.low > log_threshold else "pass" if interval.high < log_threshold else None
    return Verdict(outcome, interval, len(looks), level)
