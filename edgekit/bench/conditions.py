"""Conditions that make figures from this host unreliable, each said in one line.

A loaded host (load average above the usable cores when the bench starts) and thread scaling
that inverts (more threads measured slower) both mean the numbers describe contention, not the
model. Neither stops a bench; both are recorded in the result and shown under the table.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from edgekit.results.bench_result import RunResult

__all__ = ["load_warning", "thread_scaling_warnings"]

#: More threads must be this much slower before we call it inverted, not noise.
_INVERSION_MARGIN = 1.05


def load_warning(environment: dict[str, Any]) -> str | None:
    """A line when the 1-minute load average at start exceeds the usable cores."""
    load = environment.get("load_average_at_start")
    cores = environment.get("usable_cores") or environment.get("logical_cores")
    if not load or not cores or load[0] <= cores:
        return None
    return (f"host busy: load average {load[0]:.1f} at start on {cores} usable cores; latency includes "
            "waiting for a core - rerun on a quiet machine before trusting these figures")


def thread_scaling_warnings(runs: Sequence[RunResult]) -> list[str]:
    """A line per delegate whose median got slower with more threads."""
    warnings = []
    medians: dict[str, list[tuple[int, float, tuple[float, float]]]] = {}
    for run in runs:
        if run.status == "ok" and run.latency is not None and run.precision is None:
            medians.setdefault(run.delegate, []).append(
                (run.threads, run.latency.p50, run.latency.median_ci95)
            )
    for delegate, measured in medians.items():
        ordered = sorted(measured)
        for (fewer, fast, fast_ci), (more, slow, slow_ci) in itertools.pairwise(ordered):
            # Slower by the margin, and the medians' intervals apart: not noise.
            if slow > fast * _INVERSION_MARGIN and slow_ci[0] > fast_ci[1]:
                warnings.append(
                    f"{delegate}: {more} threads measured slower than {fewer} ({slow:.2f} vs {fast:.2f} ms "
                    "median); the host is likely short of free cores, so thread scaling here says little "
                    "about the device")
    return warnings
