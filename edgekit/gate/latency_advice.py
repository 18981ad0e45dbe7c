"""Words for how far a latency decision can be trusted: the load it met, and why it did not decide.

A gate that says only "inconclusive" leaves the user guessing; these say which of the three
usual causes it was (the time limit ended before the first decision point, the slowdown sits at
the threshold, the workers' ratios spread widely on a crowded machine) and what to change.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any, Protocol

from edgekit.gate.latency_plan import first_decision_point
from edgekit.gate.observation import Observation

__all__ = ["crowded", "inconclusive_reason", "load_summary", "load_warning"]


def load_summary(observations: Sequence[Observation], usable_cores: int) -> dict[str, Any]:
    """The one-minute load average the workers met: at the first, the median and the highest."""
    loads = [o.load for o in observations if o.load is not None]
    summary: dict[str, Any] = {"usable_cores": usable_cores}
    if loads:
        summary.update(start=round(loads[0], 2), median=round(statistics.median(loads), 2),
                       max=round(max(loads), 2))
    return summary


def crowded(load: dict[str, Any]) -> bool:
    """True when, during the decision, more work was runnable than there are usable cores."""
    return bool(load.get("max") is not None and load["max"] > load.get("usable_cores", 1))


def load_warning(load: dict[str, Any]) -> str | None:
    """A warning line when the machine was crowded during a latency decision, else None."""
    if not crowded(load):
        return None
    return (f"the load average was {load['start']:.1f} at the first worker and reached {load['max']:.1f} "
            f"on {load['usable_cores']} usable cores during the latency decision: other jobs shared the "
            "machine. The decision uses CPU time, which they disturb less than wall time, but it may "
            "take longer, and wall-time figures are inflated")


class Decided(Protocol):
    """What the advice reads of a decision (``edgekit.gate.latency.LatencyDecision`` has it all)."""

    @property
    def ratio(self) -> float: ...

    @property
    def low(self) -> float: ...

    @property
    def high(self) -> float: ...

    @property
    def confidence(self) -> float: ...

    @property
    def threshold(self) -> float: ...

    @property
    def rounds(self) -> int: ...

    @property
    def seconds(self) -> float: ...

    @property
    def figure(self) -> str: ...

    @property
    def load(self) -> dict[str, Any]: ...

    @property
    def observations(self) -> Sequence[Observation]: ...


def inconclusive_reason(decision: Decided, max_seconds: float, min_rounds: int) -> str:
    """Why DECISION could not decide within MAX_SECONDS, and what to do about it."""
    load = decision.load
    load_words = ""
    if load.get("max") is not None:
        load_words = f"; load average up to {load['max']:.1f} on {load['usable_cores']} usable cores"
    per_worker = decision.seconds / max(decision.rounds, 1)
    first = first_decision_point(decision.confidence, min_rounds)
    if decision.rounds < first:
        needed = math.ceil(first * per_worker * 1.3)
        return (f"max_seconds = {max_seconds:g} ran out after {decision.rounds} workers ({per_worker:.1f} s "
                f"each{load_words}), before the first decision point at {first} workers. To decide: "
                f"raise max_seconds to about {needed}, or run the gate where fewer jobs share the machine")
    logs = [o.log_ratios[decision.figure] for o in decision.observations]
    spread = _spread(logs)
    threshold = math.log(decision.threshold)
    estimate = math.log(decision.ratio)
    gap = abs(estimate - threshold)
    if estimate < threshold:
        side = math.log(decision.high) - estimate
    else:
        side = estimate - math.log(decision.low)
    why = (f"after {decision.rounds} workers the interval [{decision.low:.3f}, {decision.high:.3f}] still "
           f"contains the allowed x{decision.threshold:.2f} (estimate x{decision.ratio:.3f}, "
           f"worker-to-worker spread {spread:.1%}{load_words})")
    warn = 'or set inconclusive = "warn" so that an undecided comparison does not fail the gate'
    if gap < 0.25 * max(spread, 1e-4) or not math.isfinite(side):
        return (f"{why}. The change is about as large as the threshold itself, so more time will hardly "
                f"decide: choose max_slowdown further from the change you expect, {warn}")
    workers = math.ceil(decision.rounds * (side / gap) ** 2)
    seconds = math.ceil(workers * per_worker * 1.2)
    crowd = ", run the gate where fewer jobs share the machine" if spread > 0.02 or crowded(load) else ""
    return (f"{why}. To decide: raise max_seconds to about {seconds} (about {workers} workers at this "
            f"spread){crowd}, {warn}")


def _spread(logs: Sequence[float]) -> float:
    """A robust standard deviation (1.4826 x MAD) of the workers' log ratios."""
    finite = [v for v in logs if math.isfinite(v)]
    if len(finite) < 2:
        return 0.0
    centre = statistics.median(finite)
    return 1.4826 * statistics.median(abs(v - centre) for v in finite)
