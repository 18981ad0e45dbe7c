"""One observation of the latency gate: a worker process's paired log ratio, by each clock.

A worker (``edgekit.gate.paired_worker``) times baseline and candidate in alternating blocks of
back-to-back inferences, so its blocks come in pairs, one of each model, run one after the other.
Each pair gives a log ratio ``log(candidate / baseline)`` of the blocks' median times; the
worker's figure is the median over its pairs (robust to the odd preempted block). The process,
not the pair, is the sampling unit: two identical files in one process can time a few percent
apart (allocation, page placement), so the decision counts each worker once and draws many.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CLOCK_NAMES", "CLOCK_WORDS", "Observation", "pair_log_ratios"]

#: The clocks a worker reads, as the evidence names them.
CLOCK_NAMES = ("thread_cpu", "process_cpu", "wall")
#: How each clock is said in a verdict line.
CLOCK_WORDS = {"thread_cpu": "thread CPU time", "process_cpu": "process CPU time", "wall": "wall time"}


def pair_log_ratios(baseline: Sequence[float], candidate: Sequence[float]) -> list[float]:
    """``log(c_i / b_i)`` of each pair; a non-positive time (a clock too coarse to see it) is skipped."""
    return [math.log(c / b) for b, c in zip(baseline, candidate, strict=True) if b > 0 and c > 0]


@dataclass(frozen=True)
class Observation:
    """One worker: per clock, the median pair log ratio and each model's median time (ms)."""

    log_ratios: dict[str, float]
    baseline_ms: dict[str, float]
    candidate_ms: dict[str, float]
    pairs: int
    first: str  # "baseline" or "candidate": which model the worker loaded (and ran) first
    seconds: float  # wall time of the whole worker, start-up included
    load: float | None = None  # one-minute load average when the worker started

    @classmethod
    def from_timings(
        cls, timings: Sequence[Sequence[Sequence[float]]], *, first: str, seconds: float,
        load: float | None = None,
    ) -> Observation:
        """From the worker's ``timings[model][block] = (thread CPU, process CPU, wall)`` in ns.

        Model 0 is the baseline, 1 the candidate; block i of each forms pair i.
        """
        baseline, candidate = timings
        pairs = min(len(baseline), len(candidate))
        if pairs == 0:
            raise ValueError("a worker timed no pair of inferences")
        log_ratios, base_ms, cand_ms = {}, {}, {}
        for index, name in enumerate(CLOCK_NAMES):
            b = [float(row[index]) for row in baseline[:pairs]]
            c = [float(row[index]) for row in candidate[:pairs]]
            ratios = pair_log_ratios(b, c)
            log_ratios[name] = statistics.median(ratios) if ratios else math.nan
            base_ms[name] = statistics.median(b) / 1e6
            cand_ms[name] = statistics.median(c) / 1e6
        return cls(log_ratios, base_ms, cand_ms, pairs, first, seconds, load)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, every figure rounded to what a clock can tell apart."""
        return {
            "log_ratios": {k: _rounded(v) for k, v in self.log_ratios.items()},
            "baseline_ms": {k: _rounded(v) for k, v in self.baseline_ms.items()},
            "candidate_ms": {k: _rounded(v) for k, v in self.candidate_ms.items()},
            "pairs": self.pairs,
            "first": self.first,
            "seconds": round(self.seconds, 3),
            "load": self.load,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Observation:
        """Back from ``to_dict`` (a saved gate document, a recorded power study)."""
        return cls(
            {k: _number(v) for k, v in data["log_ratios"].items()},
            {k: _number(v) for k, v in data["baseline_ms"].items()},
            {k: _number(v) for k, v in data["candidate_ms"].items()},
            int(data["pairs"]),
            str(data["first"]),
            float(data["seconds"]),
            None if data.get("load") is None else float(data["load"]),
        )


def _rounded(value: float) -> float | None:
    return round(value, 9) if math.isfinite(value) else None


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)
