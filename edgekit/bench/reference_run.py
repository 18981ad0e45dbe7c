"""The reference a bench judges against when the user gave no expected outputs: where its outputs come
from, cheapest first.

1. An ok run of the reference delegate in this very bench (``--delegate cpu,cpu-ref``): reused.
2. The reference cache (:mod:`edgekit.bench.reference_cache`): the outputs an earlier bench computed
   for the same model, input sets, delegate and runtime.
3. A run of its own: one untimed inference per input set, whose outputs are then cached. The sets
   are shared among workers side by side, up to one per usable core (reference kernels are slow:
   0.25 s per inference of pose-landmark-full; a worker is started for every three sets or more).
   This runs after every timed run has finished, so it never competes with a measurement.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from edgekit.bench import reference_cache
from edgekit.bench.events import BenchListener
from edgekit.bench.reference import REFERENCE_LOOP, Reference, reference_delegate
from edgekit.devices.host import HostDevice
from edgekit.devices.request import WorkerRequest
from edgekit.files.preflight import memory_budget
from edgekit.inputs.realistic import InputSets
from edgekit.measure.loop import LoopConfig
from edgekit.model.model import Model
from edgekit.results.bench_result import RunResult

__all__ = ["MAX_WORKERS", "reference_outputs", "worker_count"]

#: At most this many reference workers run side by side (each loads the model).
MAX_WORKERS = 4
#: A worker costs a process start (about 0.2 s): one is added for every this many sets.
SETS_PER_WORKER = 3


def reference_outputs(
    model: Model,
    reference_model: Model | None,
    sets: InputSets,
    results: Sequence[RunResult],
    device: HostDevice,
    emit: BenchListener,
    *,
    max_seconds: float,
    timeout_s: float,
    use_cache: bool = True,
) -> Reference:
    """The reference outputs for SETS: from a run in RESULTS, the cache (USE_CACHE) or a run of its own.

    REFERENCE_MODEL (``--reference``) runs on reference kernels in place of MODEL. A run of its own
    is capped at MAX_SECONDS of inference and TIMEOUT_S in all, like the bench's runs.
    """
    target = reference_model or model
    delegate, note = reference_delegate(target)
    if reference_model is None:
        for run in results:
            if run.delegate == delegate and run.status == "ok":
                run.is_reference = True
                label = f"{delegate} on the same file" + (
                    "" if delegate in ("cpu-ref", "tf-ref") else " (cpu-ref cannot run it)"
                )
                return Reference("delegate", label, run.outputs, model.outputs, True, run=None, note=note,
                                 extra_outputs=run.extra_outputs)
    kind = "model" if reference_model is not None else "delegate"
    same_file = reference_model is None
    where = f"{delegate} on the same file" if same_file else f"{target.path.name} on {delegate}"
    key = None
    if use_cache:
        key = reference_cache.ReferenceKey.of(target.sha256, sets.sets, kind, delegate,
                                              target.selected_signature)
        cached, why = reference_cache.load(key, len(sets.sets))
        if cached is not None:
            emit.on_message(f"reference: {delegate} outputs of {target.path.name} read from the cache "
                            f"({cached.path})")
            return Reference(kind, f"{where} (cached)", cached.sets[0], target.outputs, same_file,
                             note=note, path=str(target.path), extra_outputs=cached.sets[1:],
                             cache_path=str(cached.path))
        if why:
            emit.on_message(f"reference: cached outputs ignored ({why}); running {delegate} again")
    count = len(sets.sets)
    workers = worker_count(count, target.size_bytes)
    each = f"one inference per input set ({count})" if count > 1 else "one inference"
    beside = f" ({workers} workers side by side)" if workers > 1 else ""
    emit.on_message(f"reference: {each} of {target.path.name} on {delegate} for reference outputs{beside}")
    loop = LoopConfig(**REFERENCE_LOOP, max_seconds=max_seconds)
    spec = WorkerRequest(delegate, 1, signature=target.selected_signature)
    run = _run_sets(device, target, spec, sets.sets, loop, timeout_s, workers)
    if run.status != "ok" or run.outputs is None:
        note = f"the reference run ended {run.status}: {run.reason}; no accuracy verdicts"
        emit.on_message(f"reference: {note}")
        return Reference(kind, where, None, target.outputs, same_file, run=run, note=note)
    if key is not None:
        _remember(key, (run.outputs, *run.extra_outputs), emit)
    return Reference(kind, where, run.outputs, target.outputs, same_file, run=run, note=note,
                     path=str(target.path), extra_outputs=run.extra_outputs)


def worker_count(set_count: int, model_bytes: int) -> int:
    """How many workers share SET_COUNT reference inferences: one per SETS_PER_WORKER sets, at most
    one per usable core and MAX_WORKERS, and no more than the memory budget holds copies of the model."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    copies = memory_budget() // max(1, 4 * model_bytes)
    return max(1, min(MAX_WORKERS, cores, math.ceil(set_count / SETS_PER_WORKER), copies))


def _run_sets(device: HostDevice, target: Model, spec: WorkerRequest, sets: Sequence[dict[str, np.ndarray]],
              loop: LoopConfig, timeout_s: float, workers: int) -> RunResult:
    """One run over SETS in WORKERS workers side by side, each given consecutive sets; their outputs
    joined in the sets' order. The first run that did not end ok is the result. An interrupt, or
    an error in any of them, stops them all."""
    size = math.ceil(len(sets) / workers)
    groups = [sets[start:start + size] for start in range(0, len(sets), size)]
    if len(groups) == 1:
        return device.run(target.path, spec, sets[0], loop, timeout_s, extra_inputs=sets[1:])
    stop = threading.Event()
    results: list[RunResult | BaseException | None] = [None] * len(groups)

    def run_group(index: int) -> RunResult:
        group = groups[index]
        return device.run(target.path, spec, group[0], loop, timeout_s, extra_inputs=group[1:], stop=stop)

    def beside(index: int) -> None:
        try:
            results[index] = run_group(index)
        except BaseException as exc:  # handed to the calling thread, which re-raises it
            results[index] = exc
            stop.set()

    helpers = [threading.Thread(target=beside, args=(index,), name=f"edgekit-reference-{index}")
               for index in range(1, len(groups))]
    for helper in helpers:
        helper.start()
    try:
        results[0] = run_group(0)
        for helper in helpers:
            helper.join()
    except BaseException:  # Ctrl-C here: the workers beside stop too, before it goes on
        stop.set()
        for helper in helpers:
            helper.join()
        raise
    for result in results:
        if isinstance(result, BaseException):
            raise result
    runs = [result for result in results if isinstance(result, RunResult)]  # every one: all have joined
    failed = next((run for run in runs if run.status != "ok"), None)
    if failed is not None:
        return failed
    outputs = [named for run in runs for named in (run.outputs or {}, *run.extra_outputs)]
    return replace(runs[0], outputs=outputs[0], extra_outputs=tuple(outputs[1:]))


def _remember(key: reference_cache.ReferenceKey, outputs: Sequence[Mapping[str, np.ndarray]],
              emit: BenchListener) -> None:
    """Cache the reference's outputs; a cache that cannot be written costs the next bench a run, no more."""
    try:
        path = reference_cache.store(key, outputs)
    except OSError as exc:
        why = exc.strerror or str(exc)
        emit.on_message(f"reference: outputs not cached ({why}); the next bench runs the reference again")
        return
    emit.on_message(f"reference: outputs cached for the next bench ({path})")
