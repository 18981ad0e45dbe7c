"""Stand-ins for the latency and instruction engines, for gate tests that must not time real runs.

A real latency decision takes 20-60 s and a valgrind count minutes, so most gate tests answer from
the two models' multiply-accumulate estimates instead: a heavier candidate comes out slower, an
identical one equal. They return the engines' own result types. The real engines are exercised
by ``tests/gate/test_latency.py``, ``test_instructions.py`` and ``test_real_engine.py``.

Importable without pytest: ``tests/gate/test_ci_examples.py`` installs them in an ``edgekit``
command run from a fresh virtual environment that has only edgekit's own dependencies.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgekit.gate import instructions, latency
from edgekit.gate.instructions import InstructionCount
from edgekit.gate.latency import LatencyDecision
from edgekit.model.model import Model

if TYPE_CHECKING:
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
    """Stands in for a measurement: the ratio of MAC estimates, a 1% interval around it, nothing timed."""
    ratio = Model.open(candidate).macs.total / Model.open(baseline).macs.total
    low, high = ratio * 0.99, ratio * 1.01
    threshold = 1.0 + max_slowdown
    outcome = "fail" if low > threshold else "pass" if high < threshold else "inconclusive"
    runs = [10.0, 10.1, 9.9, 10.0]
    samples = {"baseline": runs, "candidate": [value * ratio for value in runs]}
    return LatencyDecision(outcome=outcome, ratio=ratio, low=low, high=high, confidence=confidence,
                           threshold=threshold, rounds=min_rounds, seconds=0.0,
                           confirmed=confirm and outcome == "fail", samples=samples,
                           method="stand-in: MAC ratio, nothing timed")


def fake_instruction_count(
    model: Path, *, threads: int = 1, repetitions: int = 1, inferences: int = 20, timeout_s: float = 900
) -> InstructionCount:
    """Stands in for valgrind: instructions = 2 x MACs."""
    count = 2.0 * Model.open(model).macs.total
    return InstructionCount(count, (count,) * repetitions, 0.0, "stand-in: 2 x MACs")


def install_stand_ins(monkeypatch: pytest.MonkeyPatch, *, valgrind: bool = True) -> None:
    """Replace compare_latency and count_instructions (and valgrind_available) for one test.

    Anything with pytest's ``setattr(target, name, value)`` will do as MONKEYPATCH.
    """
    monkeypatch.setattr(latency, "compare_latency", fake_latency_decision)
    monkeypatch.setattr(instructions, "count_instructions", fake_instruction_count)
    monkeypatch.setattr(instructions, "valgrind_available", lambda: valgrind)
