"""The reference a bench judges against when the user gave no expected outputs: where its outputs come
from, cheapest first.

1. An ok run of the reference delegate in this very bench (``--delegate cpu,cpu-ref``): reused.
2. The reference cache (:mod:`edgekit.bench.reference_cache`): the outputs an earlier bench computed
   for the same model, input sets, delegate and runtime.
3. A run of its own: one worker, one untimed inference per input set, whose outputs are then cached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from edgekit.bench import reference_cache
from edgekit.bench.events import BenchListener
from edgekit.bench.reference import REFERENCE_LOOP, Reference, reference_delegate
from edgekit.devices.host import HostDevice, RunSpec
from edgekit.inputs.realistic import InputSets
from edgekit.measure.loop import LoopConfig
from edgekit.model.model import Model
from edgekit.results.bench_result import RunResult

__all__ = ["reference_outputs"]


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
    each = f"one inference per input set ({count})" if count > 1 else "one inference"
    emit.on_message(f"reference: {each} of {target.path.name} on {delegate} for reference outputs")
    loop = LoopConfig(**REFERENCE_LOOP, max_seconds=max_seconds)
    spec = RunSpec(delegate, 1, signature=target.selected_signature)
    run = device.run(target.path, spec, sets.sets[0], loop, timeout_s, extra_inputs=sets.sets[1:])
    if run.status != "ok" or run.outputs is None:
        note = f"the reference run ended {run.status}: {run.reason}; no accuracy verdicts"
        emit.on_message(f"reference: {note}")
        return Reference(kind, where, None, target.outputs, same_file, run=run, note=note)
    if key is not None:
        _remember(key, (run.outputs, *run.extra_outputs), emit)
    return Reference(kind, where, run.outputs, target.outputs, same_file, run=run, note=note,
                     path=str(target.path), extra_outputs=run.extra_outputs)


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
