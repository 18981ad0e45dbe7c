"""Latency statistics as a pure value object.

Percentiles use linear interpolation between closest ranks (numpy's default, the same rule as
LiteRT's Python benchmark script), so p50 is the ordinary median. The median's confidence interval
comes from order statistics: the number of samples below the true median is Binomial(n, 1/2), so
the sorted samples at the binomial quantiles bound it with at least the stated coverage, whatever
the distribution. It is exact, deterministic and O(n log n): a 600,000-sample document loads in
milliseconds, where a 2,000-resample bootstrap took half a minute.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["LatencyStats", "median_ci", "MAX_SAMPLE_MS"]

#: Above this many samples the binomial quantiles come from the normal approximation.
_EXACT_UP_TO = 1000


#: The longest latency sample a document may hold (11.6 days): larger ones are not measurements, and
#: summing a few of them would overflow the statistics.
MAX_SAMPLE_MS = 1e9


@dataclass(frozen=True)
class LatencyStats:
    """Summary of latency samples in milliseconds; every figure derives from `samples_ms`."""

    samples_ms: tuple[float, ...]
    mean: float
    std: float
    cv: float
    min: float
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    median_ci95: tuple[float, float]

    @property
    def count(self) -> int:
        return len(self.samples_ms)

    @classmethod
    def from_samples(cls, samples_ms: Sequence[float] | np.ndarray) -> LatencyStats:
        """Summarise raw samples (milliseconds); needs at least one sample."""
        values = np.asarray(samples_ms, dtype=np.float64)
        if values.ndim != 1 or values.size == 0:
            raise ValueError("LatencyStats needs a non-empty 1-D sequence of samples")
        # Samples read from a document may be inf or near float64's limit: the figures come out
        # inf or nan (and say so in the report), without numpy's warnings on stderr.
        with np.errstate(over="ignore", invalid="ignore"):
            mean = float(values.mean())
            std = float(values.std(ddof=1)) if values.size > 1 else 0.0
            p50, p90, p95, p99 = (float(v) for v in np.percentile(values, [50, 90, 95, 99]))
        return cls(
            samples_ms=tuple(float(v) for v in values),
            mean=mean,
            std=std,
            cv=std / mean if mean > 0 else 0.0,
            min=float(values.min()),
            p50=p50,
            p90=p90,
            p95=p95,
            p99=p99,
            max=float(values.max()),
            median_ci95=median_ci(values),
        )

    @classmethod
    def from_dict(cls, data: dict, samples: Sequence[float] | np.ndarray | None = None) -> LatencyStats:
        """Recompute from the raw samples; the stored summary is never trusted over them.

        SAMPLES come from the document's arrays sidecar (schema 3); older documents keep them
        inline under ``samples``.
        """
        if samples is None:
            if "samples" not in data:
                raise ValueError("latency samples are neither inline nor in the arrays sidecar "
                                 "(keep the .arrays.npz file beside the JSON)")
            samples = data["samples"]
        raw = np.asarray(samples)
        if raw.dtype.kind not in "iuf":  # numpy would read strings ("1") or booleans as numbers
            raise ValueError(f"latency samples must be numbers of milliseconds; this document holds "
                             f"{raw.dtype} values")
        values = raw.astype(np.float64)
        plausible = np.isfinite(values).all() and values.min() >= 0 and values.max() <= MAX_SAMPLE_MS
        if values.size and not plausible:
            raise ValueError(f"latency samples must be finite milliseconds from 0 to {MAX_SAMPLE_MS:g} "
                             "(no measurement takes longer); this document holds others")
        return cls.from_samples(values)

    def to_dict(self, inline_samples: bool = True) -> dict:
        """The summary figures, and the raw samples unless they are stored apart (``inline_samples``)."""
        summary = {
            "unit": "ms",
            "count": self.count,
            "mean": self.mean,
            "std": self.std,
            "cv": self.cv,
            "min": self.min,
            "p50": self.p50,
            "p90": self.p90,
            "p95": self.p95,
            "p99": self.p99,
            "max": self.max,
            "median_ci95": list(self.median_ci95),
        }
        if inline_samples:
            summary["samples"] = list(self.samples_ms)
        return summary


def median_ci(values: np.ndarray, *, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval of the median: two order statistics of the samples.

    With B ~ Binomial(n, 1/2), the interval [x_(l), x_(n+1-l)] (1-based, sorted) covers the median
    with probability 1 - 2 P(B <= l - 1); l is the largest rank keeping that at least CONFIDENCE
    (exact sums up to 1,000 samples, the normal approximation above). Too few samples for the
    coverage give [min, max].
    """
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    n = ordered.size
    if n == 1:
        return (float(ordered[0]), float(ordered[0]))
    tail = (1.0 - confidence) / 2.0
    rank = _exact_rank(n, tail) if n <= _EXACT_UP_TO else _approximate_rank(n, confidence)
    rank = min(max(rank, 1), (n + 1) // 2)
    return (float(ordered[rank - 1]), float(ordered[n - rank]))


def _exact_rank(n: int, tail: float) -> int:
    """The largest l with P(B <= l - 1) <= TAIL, B ~ Binomial(n, 1/2); 0 when even l = 1 misses."""
    log_half = n * math.log(0.5)
    cumulative, rank = 0.0, 0
    for k in range(n + 1):
        cumulative += math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + log_half)
        if cumulative > tail:
            break
        rank = k + 1
    return rank


def _approximate_rank(n: int, confidence: float) -> int:
    z = _normal_quantile(0.5 + confidence / 2.0)
    return int(math.floor((n - z * math.sqrt(n)) / 2.0))


def _normal_quantile(p: float) -> float:
    """The standard normal quantile by bisection on erf (no SciPy needed)."""
    low, high = -10.0, 10.0
    for _ in range(100):
        middle = (low + high) / 2.0
        if 0.5 * (1.0 + math.erf(middle / math.sqrt(2.0))) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0
