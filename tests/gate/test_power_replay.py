"""The power study's replays: the gate's own rule on redrawn observations, rates and targets."""

from __future__ import annotations

import math

import numpy as np

from benchmarks.gate_power_replay import meets, rates, replay_new, replay_old, smallest_detected
from edgekit.gate.observation import Observation


def _pool(ratio: float, spread: float, count: int = 40, seconds: float = 1.0) -> list[Observation]:
    rng = np.random.default_rng(7)
    pool = []
    for log in rng.normal(math.log(ratio), spread, count):
        logs = {"thread_cpu": float(log), "process_cpu": float(log), "wall": float(log) * 0.7}
        ms = {"thread_cpu": 2.0, "process_cpu": 2.0, "wall": 2.4}
        pool.append(Observation(logs, ms, ms, pairs=40, first="baseline", seconds=seconds, load=1.0))
    return pool


def test_replays_decide_as_the_real_rule_does():
    aa = rates(replay_new(_pool(1.0, 0.01), 200))
    slow = rates(replay_new(_pool(1.10, 0.01), 200))
    assert aa["pass"] == 1.0 and aa["median_s"] == 9.0  # the first look, 9 workers of 1 s
    assert slow["fail_confirmed"] == 1.0 and slow["median_s"] == 18.0  # both decisions counted
    assert meets("aa", aa) and meets("x110", slow) and not meets("x103", slow)


def test_a_shift_models_a_slowdown_and_the_smallest_detected_one_is_found():
    shifted = rates(replay_new(_pool(1.0, 0.01), 100, shift=math.log(1.10)))
    assert shifted["fail_confirmed"] == 1.0
    found = smallest_detected(_pool(1.0, 0.01), max_slowdown=0.05, replays=100)
    assert found["slowdown"] is not None and 0.06 <= found["slowdown"] <= 0.09, found
    assert all(rate < 0.95 for key, rate in found["rates"].items() if float(key) < found["slowdown"])


def test_old_engine_rounds_replay_through_its_own_rule():
    rounds = [(2.0, 2.0 * r, 2.0 * r, 2.0) for r in (1.10, 1.11, 1.09, 1.10)]
    result = rates(replay_old(rounds, 2.0, 50))
    assert result["fail_confirmed"] == 1.0
