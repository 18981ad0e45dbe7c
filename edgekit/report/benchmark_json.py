"""The gate's timed figures in pytest-benchmark's JSON format, for ``pytest-benchmark compare``.

Each latency check gives two benchmarks (baseline and candidate): one value per worker process,
the decision's unit, so "rounds" is the number of workers; the value is that worker's median
time of the model in seconds, as pytest-benchmark keeps time, by the clock that decided (thread
CPU time at one thread); ``extra_info`` holds the wall-time figures beside it. Each instruction
check gives two more whose "seconds" are instructions per inference (``extra_info.unit`` says so).
``commit_info`` is the commit the gate ran on, as pytest-benchmark records it. Statistics are
computed here the way pytest-benchmark defines them: quartiles, IQR and the 1.5 x IQR fences, stddev outliers.
"""

from __future__ import annotations

import datetime as _dt
import json
import statistics
from collections.abc import Sequence
from typing import Any

import numpy as np

from edgekit.gate.result import CheckResult, GateResult

__all__ = ["benchmark_stats", "render_benchmark_json"]

#: The pytest-benchmark release whose format this follows.
FORMAT_VERSION = "5.1.0"
_MS = 1e-3


def benchmark_stats(data: Sequence[float]) -> dict[str, Any]:
    """pytest-benchmark's ``stats`` block for DATA (at least one value)."""
    values = sorted(float(v) for v in data)
    mean = statistics.mean(values)
    stddev = statistics.stdev(values) if len(values) > 1 else 0.0
    q1, median, q3 = (float(v) for v in np.percentile(values, [25, 50, 75]))
    iqr = q3 - q1
    low_fence, high_fence = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    inside = [v for v in values if low_fence <= v <= high_fence] or values
    iqr_outliers = len(values) - len(inside)
    stddev_outliers = sum(not mean - stddev <= v <= mean + stddev for v in values)
    return {
        "min": values[0],
        "max": values[-1],
        "mean": mean,
        "stddev": stddev,
        "rounds": len(values),
        "median": median,
        "iqr": iqr,
        "q1": q1,
        "q3": q3,
        "iqr_outliers": iqr_outliers,
        "stddev_outliers": stddev_outliers,
        "outliers": f"{stddev_outliers};{iqr_outliers}",
        "ld15iqr": inside[0],
        "hd15iqr": inside[-1],
        "ops": 1 / mean if mean else 0.0,
        "total": sum(values),
        "data": values,
        "iterations": 1,
    }


def render_benchmark_json(result: GateResult) -> str:
    """The whole file: machine and commit info, then one entry per measured side of each check."""
    environment = result.environment
    document = {
        "machine_info": {
            "node": "",
            "processor": environment.get("cpu_model", ""),
            "machine": environment.get("machine", ""),
            "python_implementation": "CPython",
            "python_version": environment.get("python", ""),
            "system": environment.get("os", ""),
            "release": "",
            "cpu": {"brand_raw": environment.get("cpu_model", ""), "count": environment.get("logical_cores")},
            "edgekit": {"runtime": environment.get("runtime", {})},
        },
        "commit_info": _commit_info(result),
        "benchmarks": [entry for check in result.checks for entry in _entries(check)],
        "datetime": result.created or _dt.datetime.now(_dt.timezone.utc).isoformat(),
        "version": FORMAT_VERSION,
    }
    return json.dumps(document, indent=2) + "\n"


def _commit_info(result: GateResult) -> dict[str, Any]:
    """pytest-benchmark's fields; a document from before the gate recorded its commit says unknown."""
    known = {"id": "unknown", "time": None, "author_time": None, "dirty": False, "project": "edgekit gate",
             "branch": "(unknown)"}
    return {**known, **result.commit}


def _entries(check: CheckResult) -> list[dict[str, Any]]:
    evidence = check.evidence
    if check.kind == "latency":
        samples = evidence.get("samples", {})
        sides = {role: [v * _MS for v in samples.get(role, [])] for role in ("baseline", "candidate")}
        walls = {role: samples.get(f"{role}_wall", []) for role in sides}
        unit, extra = (
            "seconds",
            {
                "figure": evidence.get("figure_words"),
                "ratio": evidence.get("ratio"),
                "low": evidence.get("low"),
                "high": evidence.get("high"),
                "ratio_cpu": evidence.get("ratio_cpu"),
                "ratio_wall": evidence.get("ratio_wall"),
                "outcome": evidence.get("outcome"),
                "workers": evidence.get("rounds"),
            },
        )
    elif check.kind == "instructions":
        sides = {role: list(evidence[role]["runs"]) for role in ("baseline", "candidate") if role in evidence}
        unit, extra = "instructions per inference", {"growth": evidence.get("growth")}
        walls = {}
    else:
        return []
    entries = []
    for role, samples in sides.items():
        if not samples:
            continue
        side_extra = dict(extra)
        if walls.get(role):
            side_extra["wall_median_s"] = statistics.median(walls[role]) * _MS
        name = f"{check.model}[{check.check}][{role}]"
        entries.append(
            {
                "group": f"{check.model}: {check.check}",
                "name": name,
                "fullname": f"edgekit.gate::{name}",
                "params": {"side": role},
                "param": role,
                "extra_info": {"unit": unit, "verdict": check.verdict, "line": check.line, **side_extra},
                "options": {
                    "timer": "edgekit",
                    "min_rounds": len(samples),
                    "disable_gc": False,
                    "warmup": False,
                },
                "stats": benchmark_stats(samples),
            }
        )
    return entries
