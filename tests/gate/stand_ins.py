"""Stand-ins for the latency and instruction engines, for tests that must not time real runs.

The statistics engine (``edgekit/gate/latency.py``, ``edgekit/gate/instructions.py``) is built in
parallel and is not in every tree yet. ``fake_latency_decision`` and ``fake_instruction_count``
answer from the two models' multiply-accumulate estimates instead of measuring: a heavier
candidate comes out slower, an identical one equal. Tests install them with ``install_stand_ins``
(a monkeypatch of the engine module's functions, or a module standing in for an absent one); the
real engine is exercised by ``test_real_engine.py``, which skips until it is merged.
"""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from edgekit.model import Model


@dataclass(frozen=True)
class StandInLatencyDecision:
    """The engine's LatencyDecision, field for field, for trees where the engine is absent."""

    outcome: str
    ratio: float
    low: float
    high: float
    confidence: float
    threshold: float
    rounds: int
    seconds: float
    confirmed: bool
    method: str
    samples: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        return (
            f"candidate/baseline {self.ratio:.3f} ({self.confidence:.0%} interval {self.low:.3f}-"
            f"{self.high:.3f}), {self.rounds} rounds, limit {1 + self.threshold:.3f}: {self.outcome}"
        )


@dataclass(frozen=True)
class StandInInstructionCount:
    """The engine's InstructionCount, field for field."""

    per_inference: float
    runs: tuple[float, ...]
    spread: float
    method: str

    def to_dict(self) -> dict:
        return {**asdict(self), "runs": list(self.runs)}


def _decision_class() -> type:
    try:
        return getattr(
            importlib.import_module("edgekit.gate.latency"), "LatencyDecision", StandInLatencyDecision
        )
    except ImportError:
        return StandInLatencyDecision


def fake_latency_decision(
    baseline: Path,
    candidate: Path,
    *,
    delegate: str = "cpu",
    threads: int = 1,
    max_slowdown: float = 0.05,
    confidence: float = 0.99,
    max_seconds: float = 120.0,
    min_rounds: int = 4,
    confirm: bool = True,
    inputs_seed: int = 0,
    on_round: Any = None,
) -> Any:
    """Stands in for a measurement until the engine merges: the ratio is the MAC ratio, +-1%.

    Same signature as ``edgekit.gate.latency.compare_latency``; nothing is timed.
    """
    ratio = Model.open(candidate).macs.total / Model.open(baseline).macs.total
    low, high = ratio * 0.99, ratio * 1.01
    outcome = "fail" if low > 1 + max_slowdown else "pass" if high < 1 + max_slowdown else "inconclusive"
    samples = {
        "baseline": [10.0, 10.1, 9.9, 10.0],
        "candidate": [10.0 * ratio, 10.1 * ratio, 9.9 * ratio, 10 * ratio],
    }
    return _decision_class()(
        outcome=outcome,
        ratio=ratio,
        low=low,
        high=high,
        confidence=confidence,
        threshold=max_slowdown,
        rounds=min_rounds,
        seconds=0.0,
        confirmed=confirm,
        method="stand-in: MAC ratio, nothing timed",
        samples=samples,
    )


def fake_instruction_count(
    model: Path, *, threads: int = 1, repetitions: int = 1, inferences: int = 20, timeout_s: float = 900
) -> StandInInstructionCount:
    """Stands in for valgrind until the engine merges: instructions = 2 x MACs."""
    count = 2.0 * Model.open(model).macs.total
    return StandInInstructionCount(count, (count,) * repetitions, 0.0, "stand-in: 2 x MACs")


def install_stand_ins(monkeypatch: pytest.MonkeyPatch, *, valgrind: bool = True) -> None:
    """Replace compare_latency and count_instructions (and valgrind_available) for one test."""
    import edgekit.gate as package

    for name, functions in (
        ("latency", {"compare_latency": fake_latency_decision}),
        (
            "instructions",
            {"count_instructions": fake_instruction_count, "valgrind_available": lambda: valgrind},
        ),
    ):
        try:
            module = importlib.import_module(f"edgekit.gate.{name}")
        except ImportError:
            module = types.ModuleType(f"edgekit.gate.{name}", "stand-in: the engine is not in this tree")
            monkeypatch.setitem(sys.modules, module.__name__, module)
            monkeypatch.setattr(package, name, module, raising=False)
        for attribute, function in functions.items():
            monkeypatch.setattr(module, attribute, function, raising=False)
