"""How long the latency gate's workers run, and whether a time limit can ever reach a decision.

Kept apart from the engine (no numpy, no worker code) so the configuration loader can refuse a
``max_seconds`` that is too short while it reads the file, naming the line, before any model runs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["PAIRED_LOOP", "PairedLoop", "first_decision_point", "time_limit_problem"]


@dataclass(frozen=True)
class PairedLoop:
    """What one worker does: warm both models up, then time pairs of blocks until both minimums are met."""

    warmup_runs: int = 5  # per model, at least
    warmup_seconds: float = 0.1
    min_pairs: int = 10
    min_seconds: float = 0.4
    max_seconds: float = 3.0  # of timing, for very slow models: min_pairs may end earlier
    block_ms: float = 10.0  # timed back-to-back inferences of one model per block, after one untimed

    @property
    def floor_seconds(self) -> float:
        """No worker can take less: its warm-up and timing minimums (start-up not counted)."""
        return self.warmup_seconds + self.min_seconds

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Short workers, many of them: the worker-to-worker spread, not the pairs inside one, limits the
#: interval, so time goes into more processes rather than longer ones.
PAIRED_LOOP = PairedLoop()


def first_decision_point(confidence: float, min_rounds: int) -> int:
    """How many workers the first look needs (``edgekit.gate.stats.look_alphas``'s first look)."""
    from edgekit.gate.stats import look_alphas

    alpha = 1.0 - confidence
    n = max(min_rounds, 1)
    while True:
        looks = look_alphas(n, alpha, min_rounds)
        if looks:
            return looks[0][0]
        n += 1


def time_limit_problem(
    max_seconds: float, confidence: float, min_rounds: int, loop: PairedLoop = PAIRED_LOOP
) -> str | None:
    """Why ``max_seconds`` can never reach the first decision point, or None when it can."""
    workers = first_decision_point(confidence, min_rounds)
    floor = workers * loop.floor_seconds
    if max_seconds >= floor:
        return None
    return (
        f"{max_seconds:g} s can never reach a decision: at confidence {confidence:g} the first decision "
        f"comes after {workers} worker processes, each timing for at least {loop.floor_seconds:g} s "
        f"({floor:g} s before any start-up; about 1 s each on an idle machine); "
        f"give max_seconds = {math.ceil(max(2 * floor, 30.0))} or more"
    )
