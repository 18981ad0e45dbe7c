"""``profile``: time per op (or per segment of ops) on a delegate, validated against the whole model.

Method (the Python runtime exposes no per-op timer): cut the graph into S segments of consecutive
compute ops, write prefix sub-models (ops up to the end of segment k, whose outputs are the
tensors that cross the cut) and time them together with the whole model in one worker,
round-robin. Segment k's time is the median over rounds of prefix(k) - prefix(k-1), clamped at
zero. A prefix runs the real pipeline from the model's input, so each segment sees the caches and
memory traffic it sees inside the whole model (timed alone, segments came out ~30% faster here),
and the per-inference overhead (large on a GPU: dispatch and one synchronising read) cancels in
the differences. The sum of the segments telescopes to the last prefix, so the check against the
whole model (within 15%) validates that prefix timing agrees with the model as shipped and that
differencing noise (clamped negatives) stays small.

Segments: every compute op is one while there are at most ``max_segments``; past that, the
adjacent pair with the smallest estimated cost (MACs plus output elements) is merged until there
are ``max_segments``, so cheap ops join their neighbours and costly ones stay alone. Ops that only
constants feed (fp16 weight DEQUANTIZE) are folded at load by the runtimes and ride along with
their consumers.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edgekit import delegates as delegate_registry
from edgekit.bench.options import (
    check_count,
    check_delegates,
    check_memory,
    check_precisions,
    check_seconds,
    check_seed,
    check_thread_count,
)
from edgekit.devices.host import describe_exit, exit_status, run_worker
from edgekit.devices.request import INPUTS_FILE, RESULT_FILE, WorkerRequest
from edgekit.explain.graph import Graph
from edgekit.explain.result import DelegateProfile, ProfileResult, SegmentTime
from edgekit.explain.rewrite import sub_model
from edgekit.files.array_sets import pack_sets
from edgekit.inputs.seeded import generate_inputs
from edgekit.measure.loop import LoopConfig
from edgekit.model.model import Model
from edgekit.system.environment import environment_fingerprint
from edgekit.zoo import resolve_model

__all__ = ["GPU_SEGMENTS", "METHOD", "plan_segments", "profile"]

#: Segments on a delegate that takes no thread count (the GPU): coarse, since it fuses ops.
GPU_SEGMENTS = 4

METHOD = (
    "prefix differencing: prefix sub-models cut from the flatbuffer (ops up to segment k, outputs = "
    "tensors crossing the cut) timed round-robin with the whole model in one worker; segment k = "
    "median over rounds of prefix(k) - prefix(k-1), clamped at 0; inputs seeded random (timing does "
    "not depend on values)"
)


def plan_segments(graph: Graph, max_segments: int) -> list[tuple[int, int]]:
    """(first, last) positions in ``graph.compute``: one op each, cheapest neighbours merged to fit."""
    segments = [[i, i, graph.weight(p)] for i, p in enumerate(graph.compute)]
    while len(segments) > max_segments:
        k = min(range(len(segments) - 1), key=lambda j: segments[j][2] + segments[j + 1][2])
        segments[k] = [segments[k][0], segments[k + 1][1], segments[k][2] + segments[k + 1][2]]
        del segments[k + 1]
    return [(first, last) for first, last, _ in segments]


def profile(
    model: str | os.PathLike[str],
    *,
    delegates: Sequence[str] = ("cpu",),
    threads: int = 1,
    precision: str = "fp16",
    baseline: str | os.PathLike[str] | None = None,
    max_segments: int = 24,
    seconds: float = 4.0,
    seed: int = 0,
    timeout: float | None = None,
    max_input_bytes: int | None = None,
) -> ProfileResult:
    """Profile MODEL (path or zoo name) on each delegate; with BASELINE, diff the two per segment.

    THREADS is the CPU thread count, PRECISION the GPU arithmetic. MAX_SEGMENTS caps the prefix
    sub-models per model (cost grows with it: each round runs about MAX_SEGMENTS/2 whole
    inferences); SECONDS is the least time spent measuring rounds. Options are checked as
    ``bench`` checks them (:mod:`edgekit.bench.options`): a delegate that cannot run here is
    reported ``unavailable``, and a model whose tensors exceed MAX_INPUT_BYTES is refused up front.
    """
    delegates = check_delegates(delegates)
    threads = check_thread_count(threads)
    precision = check_precisions(precision, "precision")[0]
    check_count("max_segments", max_segments, "segments")
    seconds = check_seconds("seconds", seconds, positive=True) or 0.0
    check_seed(seed)
    # Rounds stop at the worker's cap; the worker gets room for its loads on top of it.
    timeout = check_seconds("timeout", timeout, positive=True) or max(600.0, 120.0 + 2 * _round_cap(seconds))
    candidate = Model.open(resolve_model(model))
    old = Model.open(resolve_model(baseline)) if baseline is not None else None
    for checked in (candidate, old):
        if checked is not None:
            check_memory(checked, max_input_bytes)
    graph = Graph.of(candidate)
    old_graph = Graph.of(old) if old is not None else None
    aligned = old_graph is not None and _op_types(old_graph) == _op_types(graph)
    runs: list[DelegateProfile] = []
    old_runs: list[DelegateProfile] = []
    changes: dict[str, list[dict[str, Any]]] = {}
    for name in delegates:
        delegate = delegate_registry.get(name)
        # A GPU delegate fuses the graph into kernels of its own and one inference on software
        # Vulkan takes about a second: a few coarse segments say where the time goes.
        cap = max_segments if delegate.uses_threads else min(max_segments, GPU_SEGMENTS)
        cuts = plan_segments(graph, cap)
        jobs = [(candidate, graph, cuts)]
        if old is not None and old_graph is not None:
            jobs.append((old, old_graph, cuts if aligned else plan_segments(old_graph, cap)))
        measured = _measure(
            delegate, jobs, threads, precision if not delegate.uses_threads else None, seed, seconds, timeout
        )
        runs.append(measured[0])
        if old is not None:
            old_runs.append(measured[1])
            changes[measured[0].label] = _changes(measured[0], measured[1], aligned)
    notes = (
        []
        if old is None or aligned
        else ["the baseline's ops differ from the candidate's (types in order), so the diff is by op type"]
    )
    return ProfileResult(
        environment=environment_fingerprint([threads]),
        model={
            "path": str(candidate.path),
            "sha256": candidate.sha256,
            "op_count": len(candidate.ops),
            "compute_ops": len(graph.compute),
        },
        method=METHOD,
        settings={
            "delegates": list(delegates),
            "threads": threads,
            "precision": precision,
            "max_segments": max_segments,
            "seconds": seconds,
            "seed": seed,
            "gpu_segments": min(max_segments, GPU_SEGMENTS),
            "grouping": "one op per segment up to max_segments (gpu: gpu_segments); beyond that the "
            "adjacent pair with the smallest estimated cost (MACs + output elements) is merged",
        },
        runs=runs,
        baseline={"path": str(old.path), "sha256": old.sha256, "aligned": aligned} if old else None,
        baseline_runs=old_runs,
        changes=changes,
        warnings=notes,
    )


def _round_cap(seconds: float) -> float:
    """The longest the worker measures rounds: it stops there even before its least round count."""
    return max(seconds * 4, 60.0)


def _op_types(graph: Graph) -> list[str]:
    return [graph.ops[p].name for p in graph.compute]


def _label(delegate: Any, threads: int, precision: str | None) -> str:
    return f"{delegate.name} {precision}" if precision else f"{delegate.name} x{threads}"


def _measure(
    delegate: Any,
    jobs: list[tuple[Model, Graph, list[tuple[int, int]]]],
    threads: int,
    precision: str | None,
    seed: int,
    seconds: float,
    timeout: float,
) -> list[DelegateProfile]:
    """Time every job's whole model and prefixes in one worker; one DelegateProfile per job."""
    label = _label(delegate, threads, precision)
    availability = delegate.probe()
    if not availability.available:
        return [
            DelegateProfile(label, delegate.name, threads, precision, "unavailable", availability.reason)
            for _ in jobs
        ]
    with tempfile.TemporaryDirectory(prefix="edgekit-profile-") as tmp:
        workdir = Path(tmp)
        paths: list[str] = []
        sets: list[dict[str, np.ndarray]] = []
        spans = []
        for j, (model, graph, cuts) in enumerate(jobs):
            data = model.path.read_bytes()
            inputs = generate_inputs(model.inputs, seed)
            start = len(paths)
            paths.append(str(model.path.resolve()))
            for k, (_, last) in enumerate(cuts):
                prefix = graph.segment(0, last)
                path = workdir / f"m{j}-p{k}.tflite"
                path.write_bytes(sub_model(data, prefix.ops, prefix.inputs, prefix.outputs))
                paths.append(str(path))
            sets += [inputs] * (len(paths) - start)
            spans.append((start, len(paths)))
        pack_sets(workdir / INPUTS_FILE, sets)
        request = WorkerRequest(
            delegate.name, threads, precision=precision, models=tuple(paths),
            worker_env=tuple(sorted(availability.detail.get("worker_env", {}).items())),
            # The worker warms each model up with one block of its own; the loop counts rounds.
            loop=LoopConfig(warmup_runs=1, warmup_seconds=0.0, min_runs=9 if delegate.uses_threads else 5,
                            min_seconds=seconds, max_seconds=_round_cap(seconds)),
            block_ms=2.0,
        )
        returncode, tail = run_worker("edgekit.explain.profile_worker", workdir, request, timeout)
        result_file = workdir / RESULT_FILE
        if not result_file.is_file():
            reason = describe_exit(returncode, tail, timeout)
            status = exit_status(returncode)
            return [DelegateProfile(label, delegate.name, threads, precision, status, reason) for _ in jobs]
        result = json.loads(result_file.read_text(encoding="utf-8"))
    if result["status"] != "ok":
        return [
            DelegateProfile(label, delegate.name, threads, precision, result["status"], result["reason"])
            for _ in jobs
        ]
    samples = np.asarray(result["samples_ms"], dtype=np.float64)
    profiles = []
    for (_, graph, cuts), (start, end) in zip(jobs, spans, strict=True):
        block = samples[start:end]
        profiles.append(
            DelegateProfile(
                label,
                delegate.name,
                threads,
                precision,
                "ok",
                whole_ms=float(np.median(block[0])),
                segments=_segments(graph, cuts, block[1:]),
                samples=block,
                runtime=result["runtime"][start],
            )
        )
    return profiles


def _segments(graph: Graph, cuts: list[tuple[int, int]], prefixes: np.ndarray) -> list[SegmentTime]:
    """Segment times from the prefix samples (rows: prefixes, columns: rounds)."""
    previous = np.vstack([np.zeros((1, prefixes.shape[1])), prefixes[:-1]])
    times = np.maximum(np.median(prefixes - previous, axis=1), 0.0)
    total = float(times.sum()) or 1.0
    segments = []
    for (first, last), ms in zip(cuts, times, strict=True):
        positions = graph.compute[first : last + 1]
        heaviest = max(positions, key=graph.weight)
        op = graph.ops[heaviest]
        indices = [graph.ops[p].index for p in positions]
        index = str(indices[0]) if len(indices) == 1 else f"{indices[0]}-{indices[-1]}"
        name = graph.tensors[op.outputs[0]].name if op.outputs else ""
        segments.append(
            SegmentTime(
                index,
                op.name,
                name,
                tuple(indices),
                dict(Counter(graph.ops[p].name for p in positions)),
                float(ms),
                float(ms) / total,
            )
        )
    return segments


def _changes(new: DelegateProfile, old: DelegateProfile, aligned: bool) -> list[dict[str, Any]]:
    """Segments (or op types) by how much their time changed, largest change first."""
    if new.status != "ok" or old.status != "ok":
        return []
    rows: list[dict[str, Any]]
    if aligned:
        rows = [
            {"index": a.index, "type": a.type, "name": a.name, "baseline_ms": b.ms, "ms": a.ms}
            for a, b in zip(new.segments, old.segments, strict=True)
        ]
    else:
        before, after = old.by_type(), new.by_type()
        rows = [
            {
                "index": "",
                "type": t,
                "name": "(all ops of this type)",
                "baseline_ms": before.get(t, 0.0),
                "ms": after.get(t, 0.0),
            }
            for t in dict.fromkeys([*after, *before])
        ]
    for row in rows:
        before_ms, after_ms = float(row["baseline_ms"]), float(row["ms"])
        row["delta_ms"] = after_ms - before_ms
        row["ratio"] = after_ms / before_ms if before_ms > 0 else None
    return sorted(rows, key=lambda row: -abs(row["delta_ms"]))
