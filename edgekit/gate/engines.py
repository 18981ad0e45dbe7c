"""The measurements the gate's timed checks call, passed in as values rather than found by name.

A latency decision (``edgekit.gate.latency.compare_latency``) starts worker processes for tens
of seconds; an instruction count (``edgekit.gate.instructions.count_instructions``) runs valgrind
for minutes. The checks receive them through their context (``ModelContext.engines``), typed by
the protocols below, so a caller can hand the gate other measurements with the same signatures:
``edgekit.gate(config, engines=...)``, ``GateChecks(engines=...)``.

The CLI and the pytest plugin have no caller to pass one, so they use :func:`default_engines`:
``DEFAULT`` when something has set it (the gate tests put their stand-ins there), else the real
engines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from edgekit.gate import instructions, latency
from edgekit.gate.instructions import InstructionCount
from edgekit.gate.latency import LatencyDecision

__all__ = ["DEFAULT", "CompareLatency", "CountInstructions", "Engines", "default_engines", "real_engines"]


class CompareLatency(Protocol):
    """Candidate against baseline, paired in this job, until the ratio's interval decides."""

    def __call__(
        self,
        baseline: Path,
        candidate: Path,
        *,
        delegate: str,
        threads: int,
        max_slowdown: float,
        confidence: float,
        max_seconds: float,
        min_rounds: int,
        confirm: bool,
        inputs_seed: int,
    ) -> LatencyDecision: ...


class CountInstructions(Protocol):
    """Instructions per warm inference of one model under valgrind."""

    def __call__(
        self, model: Path, *, threads: int, repetitions: int, inferences: int, timeout_s: float
    ) -> InstructionCount: ...


@dataclass(frozen=True)
class Engines:
    """What the timed checks measure with."""

    compare_latency: CompareLatency
    count_instructions: CountInstructions
    #: Whether ``count_instructions`` can run here (valgrind on PATH).
    valgrind_available: Callable[[], bool]


def real_engines() -> Engines:
    """The engines edgekit ships: paired worker processes, and valgrind."""
    return Engines(latency.compare_latency, instructions.count_instructions, instructions.valgrind_available)


#: The engines of a gate whose caller passes none; None means :func:`real_engines`.
DEFAULT: Engines | None = None


def default_engines() -> Engines:
    """``DEFAULT`` when set, else the real engines: what the CLI and the pytest plugin measure with."""
    return DEFAULT if DEFAULT is not None else real_engines()
