"""Replays of the latency gate's rule: decisions redrawn from recorded observations, and their rates.

Used by the power study (``benchmarks/gate_power.py``) and its quick pytest views. A replayed
decision draws workers (new engine) or ABBA rounds (old engine) with replacement from what real
decisions recorded, through the same sequential rule and confirmation, with a clock that advances
by each drawn unit's recorded time: thousands of decisions from a few dozen real ones.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from edgekit.gate.latency import decide_observations
from edgekit.gate.observation import Observation

__all__ = [
    "CONFIDENCE",
    "MAX_SECONDS",
    "MAX_SLOWDOWN",
    "MIN_ROUNDS",
    "meets",
    "rates",
    "replay_new",
    "replay_old",
    "smallest_detected",
]

MAX_SLOWDOWN = 0.05
CONFIDENCE = 0.99
MAX_SECONDS = 120.0
MIN_ROUNDS = 4


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def replay_new(
    pool: Sequence[Observation],
    count: int,
    seed: int = 20_261_205,
    *,
    shift: float = 0.0,
    max_slowdown: float = MAX_SLOWDOWN,
    figure: str = "thread_cpu",
) -> list[tuple[str, bool, float]]:
    """COUNT decisions by the new engine's rule on observations drawn with replacement from POOL.

    ``shift`` adds a log ratio to every drawn observation (a synthetic slowdown of ``exp(shift)``).
    Returns (outcome, confirmed, seconds) per decision; the clock advances by each observation's time.
    """
    rng = np.random.default_rng(seed)
    results = []
    for _ in range(count):
        clock = _Clock()
        draw = _observation_drawer(pool, rng, clock, shift)
        decision = decide_observations(
            draw,
            figure=figure,
            max_slowdown=max_slowdown,
            confidence=CONFIDENCE,
            max_seconds=MAX_SECONDS,
            min_rounds=MIN_ROUNDS,
            confirm=True,
            clock=clock,
            usable_cores=2,
        )
        results.append((decision.outcome, decision.confirmed, decision.seconds))
    return results


def replay_old(
    pool: Sequence[Sequence[float]], seconds_per_round: float, count: int, seed: int = 20_261_205
) -> list[tuple[str, bool, float]]:
    """COUNT decisions by the old engine's rule on ABBA rounds drawn with replacement from POOL."""
    from benchmarks.gate_fresh_engine import decide_rounds

    rng = np.random.default_rng(seed)
    results = []
    for _ in range(count):
        clock = _Clock()
        draw = _round_drawer(pool, rng, clock, seconds_per_round)
        decision = decide_rounds(
            draw,
            max_slowdown=MAX_SLOWDOWN,
            confidence=CONFIDENCE,
            max_seconds=MAX_SECONDS,
            min_rounds=MIN_ROUNDS,
            confirm=True,
            clock=clock,
        )
        results.append((decision.outcome, decision.confirmed, decision.seconds))
    return results


def _observation_drawer(
    pool: Sequence[Observation], rng: np.random.Generator, clock: _Clock, shift: float
) -> Callable[[], Observation]:
    def draw() -> Observation:
        observation = pool[int(rng.integers(len(pool)))]
        clock.now += observation.seconds
        if shift:
            observation = replace(
                observation, log_ratios={k: v + shift for k, v in observation.log_ratios.items()}
            )
        return observation

    return draw


def _round_drawer(
    pool: Sequence[Sequence[float]], rng: np.random.Generator, clock: _Clock, seconds: float
) -> Callable[[], tuple[float, float, float, float]]:
    def draw() -> tuple[float, float, float, float]:
        clock.now += seconds
        b1, c1, c2, b2 = pool[int(rng.integers(len(pool)))]
        return b1, c1, c2, b2

    return draw


def smallest_detected(
    pool: Sequence[Observation],
    *,
    max_slowdown: float,
    within_s: float = 60.0,
    replays: int = 400,
    rate: float = 0.95,
) -> dict[str, Any]:
    """The smallest slowdown (0.5% steps) failed and confirmed in RATE of replays within WITHIN_S.

    The pool is A/A observations: a slowdown d is modelled as every worker's log ratio moved by
    log(1 + d), the spread staying what the machine gave.
    """
    centre = statistics.median(o.log_ratios["thread_cpu"] for o in pool)
    centred = [replace(o, log_ratios={k: v - centre for k, v in o.log_ratios.items()}) for o in pool]
    rates = {}
    for step in range(1, 61):
        slowdown = step * 0.005
        outcomes = replay_new(centred, replays, shift=math.log1p(slowdown), max_slowdown=max_slowdown)
        detected = sum(o == "fail" and c and s <= within_s for o, c, s in outcomes) / replays
        rates[f"{slowdown:.3f}"] = detected
        if detected >= rate:
            return {
                "slowdown": slowdown,
                "detected": detected,
                "rates": rates,
                "within_s": within_s,
                "max_slowdown": max_slowdown,
                "pool": len(pool),
            }
    return {
        "slowdown": None,
        "rates": rates,
        "within_s": within_s,
        "max_slowdown": max_slowdown,
        "pool": len(pool),
    }


def rates(results: Sequence[tuple[str, bool, float]]) -> dict[str, Any]:
    """Pass, confirmed fail, unconfirmed fail and inconclusive rates; time to a verdict."""
    n = len(results)
    seconds = sorted(s for _, _, s in results)
    return {
        "n": n,
        "pass": sum(o == "pass" for o, _, _ in results) / n,
        "fail_confirmed": sum(o == "fail" and c for o, c, _ in results) / n,
        "fail_unconfirmed": sum(o == "fail" and not c for o, c, _ in results) / n,
        "inconclusive": sum(o == "inconclusive" for o, _, _ in results) / n,
        "median_s": statistics.median(seconds),
        "p95_s": float(np.percentile(seconds, 95)),
    }


def meets(pair: str, figures: dict[str, Any]) -> bool:
    """The issue's targets for one pair."""
    if not figures:
        return True
    fast = figures["median_s"] <= 30 and figures["p95_s"] <= 60
    if pair == "aa":
        return figures["fail_confirmed"] + figures["inconclusive"] <= 0.01 and fast
    if pair == "x110":
        return figures["fail_confirmed"] >= 0.95 and fast
    return figures["pass"] >= 0.95 and fast
