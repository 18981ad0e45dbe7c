"""Stand-ins for the latency and instruction engines, for gate tests that must not time real runs.

A real latency decision takes 20-60 s and a valgrind count minutes, so most gate tests answer from
the two models' multiply-accumulate estimates instead: a heavier candidate comes out slower, an
identical one equal. They return the engines' own result types and enter through the gate's
engine seam (:mod:`edgekit.gate.engines`): ``stand_in_engines()`` for a call that takes
``engines=``, ``install_stand_ins`` for the CLI and the pytest plugin, which use the default.
The real engines are exercised by ``tests/gate/test_latency.py``, ``test_instructions.py`` and
``test_real_engine.py``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgekit.gate import engines
from edgekit.gate.engines import CompareLatency, Engines
from edgekit.gate.instructions import InstructionCount
from edgekit.gate.latency import LatencyDecision
from edgekit.gate.observation import Observation
from edgekit.model.model import Model

if TYPE_CHECKING:  # the CI examples' fresh environment loads this module without pytest installed
    import pytest


def fake_latency_decision(
    baseline: Path,
    candidate: Path,
    *,
    max_slowdown: float = 0.05,
    confidence: float = 0.99,
    min_rounds: int = 4,
    confirm: bool = True,
    **_: Any,
) -> LatencyDecision:
    """Stands in for a measurement: the ratio of MAC estimates, a 1% interval around it, nothing timed.

    Wall time is said to see 90% of the slowdown, as it does beside other jobs."""
    ratio = Model.open(candidate).macs.total / Model.open(baseline).macs.total
    low, high = ratio * 0.99, ratio * 1.01
    wall = 1.0 + (ratio - 1.0) * 0.9
    threshold = 1.0 + max_slowdown
    outcome = "fail" if low > threshold else "pass" if high < threshold else "inconclusive"
    observations = tuple(
        Observation({"thread_cpu": math.log(ratio), "process_cpu": math.log(ratio), "wall": math.log(wall)},
                    {"thread_cpu": ms, "process_cpu": ms, "wall": ms * 1.2},
                    {"thread_cpu": ms * ratio, "process_cpu": ms * ratio, "wall": ms * 1.2 * wall},
                    pairs=20, first=("baseline", "candidate")[k % 2], seconds=0.0, load=0.5)
        for k, ms in enumerate([10.0, 10.1, 9.9, 10.0][:min_rounds] or [10.0])
    )
    figures = {"thread_cpu": (ratio, low, high), "process_cpu": (ratio, low, high),
               "wall": (wall, wall * 0.98, wall * 1.02)}
    reason = "stand-in: the interval contains the threshold" if outcome == "inconclusive" else ""
    return LatencyDecision(outcome=outcome, ratio=ratio, low=low, high=high, confidence=confidence,
                           threshold=threshold, rounds=len(observations), seconds=0.0,
                           confirmed=confirm and outcome == "fail", figures=figures,
                           observations=observations, reason=reason,
                           load={"usable_cores": 2, "start": 0.5, "median": 0.5, "max": 0.5},
                           method="stand-in: MAC ratio, nothing timed")


def fake_instruction_count(
    model: Path, *, threads: int = 1, repetitions: int = 1, inferences: int = 20, timeout_s: float = 900
) -> InstructionCount:
    """Stands in for valgrind: instructions = 2 x MACs."""
    count = 2.0 * Model.open(model).macs.total
    return InstructionCount(count, (count,) * repetitions, 0.0, "stand-in: 2 x MACs")


def stand_in_engines(
    *, valgrind: bool = True, compare_latency: CompareLatency = fake_latency_decision
) -> Engines:
    """The stand-ins as the gate's engines; VALGRIND says whether valgrind is said to be installed."""
    return Engines(compare_latency, fake_instruction_count, lambda: valgrind)


def install_stand_ins(
    monkeypatch: pytest.MonkeyPatch,
    *,
    valgrind: bool = True,
    compare_latency: CompareLatency = fake_latency_decision,
) -> None:
    """Make the stand-ins the default engines (what the CLI and the pytest plugin use) for one test."""
    stand_ins = stand_in_engines(valgrind=valgrind, compare_latency=compare_latency)
    monkeypatch.setattr(engines, "DEFAULT", stand_ins)
