"""Latency statistics as a pure value object.

Percentiles use linear interpolation between closest ranks (numpy's default, the same rule as
LiteRT's Python benchmark script), so p50 is the ordinary median. The median's confidence interval
is a seeded percentile bootstrap, so the same samples always give the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["LatencyStats"]

_BOOTSTRAP_RESAMPLES = 2000
_BOOTSTRAP_SEED = 20_260_101


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
            median_ci95=bootstrap_median_ci(values),
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
        return cls.from_samples(samples)

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


def bootstrap_median_ci(
    values: np.ndarray,
    *,
    confidence: float = 0.95,
    resamples: int = _BOOTSTRAP_RESAMPLES,
    seed: int = _BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """Percentile-bootstrap confidence interval of the median."""
    if values.size == 1:
        only = float(values[0])
        return (only, only)
    rng = np.random.default_rng(seed)
    # Resample in chunks so 100k samples x 2000 resamples never needs gigabytes at once.
    medians = np.empty(resamples)
    chunk = max(1, 2_000_000 // values.size)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        picks = rng.integers(0, values.size, size=(stop - start, values.size))
        medians[start:stop] = np.median(values[picks], axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(medians, [tail, 1.0 - tail])
    return (float(low), float(high))
