"""`bench`: plan the runs for a model, execute each in isolation, collect one result document."""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from edgekit import delegates as delegate_registry
from edgekit.bench.conditions import load_warning, thread_scaling_warnings
from edgekit.bench.events import BenchListener
from edgekit.bench.options import (
    MAX_THREADS,
    check_delegates,
    check_loop,
    check_memory,
    check_precisions,
    check_seed,
    check_threads,
    check_timeout,
)
from edgekit.bench.reference import judge_runs, load_expected
from edgekit.bench.reference_run import reference_outputs
from edgekit.delegates.base import Delegate
from edgekit.devices.host import HostDevice
from edgekit.devices.request import WorkerRequest
from edgekit.errors import ModelFormatError, UnsupportedModel, UsageError
from edgekit.files.preflight import thread_count_warning
from edgekit.inputs.realistic import InputSets
from edgekit.inputs.sets import prepare_input_sets
from edgekit.inputs.value_range import PREFIX as INPUT_RANGE_PREFIX
from edgekit.inputs.value_range import expected_ranges, range_warnings
from edgekit.measure.loop import LoopConfig
from edgekit.model.contract import TensorInfo
from edgekit.model.dynamic import fill_dynamic
from edgekit.model.formats.tflite_metadata import METADATA_NAME
from edgekit.model.model import Model
from edgekit.results.bench_result import BenchResult, RunResult
from edgekit.system.environment import environment_fingerprint
from edgekit.verdicts.accuracy import presets_with
from edgekit.verdicts.roles import parse_output_roles, roles_for
from edgekit.zoo import catalog_entry as zoo_catalog_entry
from edgekit.zoo import resolve_model

__all__ = ["bench", "BenchSettings", "MAX_THREADS"]

_BUILTIN_PREFIX = "edgekit.delegates."


@dataclass(frozen=True)
class BenchSettings:
    """Validated bench options; recorded in the result as given."""

    delegates: tuple[str, ...]
    threads: tuple[int, ...]
    gpu_precisions: tuple[str, ...]
    loop: LoopConfig
    timeout_s: float
    seed: int
    accuracy: bool = True
    tolerance: str | None = None
    #: The signature that ran (the first when none was asked for); None for a model without any.
    signature: str | None = None
    batch: int | None = None
    #: How each dynamic input dimension was filled ("input_ids: batch ? -> 4").
    dynamic_dims: tuple[str, ...] = ()
    #: The value range of a float image input, when known (catalog or given).
    normalize: tuple[float, float] | None = None
    #: Each output's role as written ("mask:0.5"), by tensor name.
    output_roles: dict[str, str] | None = None

    def to_dict(self) -> dict:
        return {
            "delegates": list(self.delegates),
            "threads": list(self.threads),
            "gpu_precisions": list(self.gpu_precisions),
            "loop": self.loop.to_dict(),
            "timeout_s": self.timeout_s,
            "seed": self.seed,
            "accuracy": self.accuracy,
            "tolerance": self.tolerance,
            "signature": self.signature,
            "batch": self.batch,
            "dynamic_dims": list(self.dynamic_dims),
            "normalize": list(self.normalize) if self.normalize else None,
            "output_roles": dict(self.output_roles or {}),
        }


def bench(
    model: str | os.PathLike,
    *,
    delegates: Sequence[str] = ("cpu",),
    threads: Sequence[int] = (1,),
    gpu_precision: Sequence[str] = ("fp16",),
    warmup_runs: int = 1,
    warmup_seconds: float = 0.5,
    runs: int = 50,
    min_seconds: float = 1.0,
    max_seconds: float = 30.0,
    timeout: float | None = None,
    inputs: str | os.PathLike | Mapping[str, np.ndarray] | InputSets | None = None,
    seed: int = 0,
    reference: str | os.PathLike | None = None,
    expected: str | os.PathLike | Mapping[str, np.ndarray] | Sequence[Mapping[str, np.ndarray]] | None = None,
    expected_label: str = "",
    tolerance: str | None = None,
    accuracy: bool = True,
    signature: str | None = None,
    batch: int | None = None,
    normalize: tuple[float, float] | None = None,
    output_roles: Sequence[str] | Mapping[str, str] | None = None,
    max_input_bytes: int | None = None,
    listeners: Sequence[BenchListener] = (),
    reference_cache: bool = True,
) -> BenchResult:
    """Benchmark MODEL (a .tflite path or zoo name) on this host for every delegate x thread count.

    Every run gets the same inputs (seeded, or INPUTS: an .npz path, a name->array mapping, or named
    sets as :class:`InputSets`) in a fresh worker process. Runs that cannot execute are recorded as
    `unavailable` / `unsupported` with the reason; crashes and hangs as `crashed` / `timeout`.
    Raises UnsupportedModel when no requested delegate could run the model at all.

    Unless `accuracy` is False, every ok run is judged against a reference: EXPECTED outputs
    (.npz, a mapping, or one mapping per input set), the REFERENCE model (path or zoo name) on
    reference kernels, or by default cpu-ref on the same file. TOLERANCE
    ("cosine=0.995,max_abs=1e-3") overrides the preset's fail thresholds. A reference that has to
    run is cached (:mod:`edgekit.bench.reference_cache`): the next bench of the same model on the
    same inputs and runtime reads its outputs instead, and the result says so
    (``reference["cached"]``). REFERENCE_CACHE False runs it every time and writes nothing.

    SIGNATURE picks the entry point (default: the first; the result names it). Dynamic input
    dimensions are filled (BATCH for a dynamic batch, else the model's static size) and the
    result says how.

    Without INPUTS, runs are fed realistic inputs where the task is known (drawn scenes for an
    image input whose value range is known: the zoo catalog's, or NORMALIZE; sentences for token
    inputs with a vocab.txt beside the model), else seeded random ones (``inputs="random"``
    forces them); the result says which. OUTPUT_ROLES (``{"Identity_2": "mask"}``, or
    ``["Identity_2=mask"]``) decide how each output is judged, over the zoo catalog's roles.

    Inputs larger than MAX_INPUT_BYTES together are refused before anything is allocated (default:
    :func:`edgekit.inputs.seeded.default_input_budget`). Thread counts above this machine's usable cores
    are measured as asked, with a warning. Ctrl-C (or SIGTERM) keeps the finished runs: the rest
    are `interrupted`, accuracy is not judged, and ``BenchResult.interrupted`` is true.
    """
    emit = _Broadcast(listeners)
    check_seed(seed)
    names = check_delegates(delegates, keep_all=True)
    requested = [delegate_registry.get(name) for name in names if name != "all"]
    path = resolve_model(model, log=emit.on_message)
    parsed = _open_model(path, requested, "all" in names)
    if signature is not None:
        parsed = parsed.select_signature(signature)
    run_tensors, dynamic_notes = fill_dynamic(parsed.inputs, batch)
    entry = zoo_catalog_entry(model, path)
    hints = entry.contract if entry is not None else {}
    roles = roles_for(parsed.outputs, hints.get("output_roles", {}),
                      f"zoo catalog ({entry.name}): {hints.get('source', '')}" if entry else "",
                      parse_output_roles(output_roles))
    value_range = _validate_normalize(normalize) or _catalog_range(hints)
    range_source = "normalize" if normalize is not None else f"zoo catalog ({entry.name})" if entry else ""
    chosen = [delegate_registry.get(name) for name in _expand_all(names, parsed.format)]
    loop = LoopConfig(warmup_runs, warmup_seconds, runs, min_seconds, max_seconds)
    settings = BenchSettings(
        delegates=tuple(d.name for d in chosen),
        threads=check_threads(threads),
        gpu_precisions=check_precisions(gpu_precision),
        loop=check_loop(loop),
        timeout_s=check_timeout(timeout, loop),
        seed=seed,
        accuracy=accuracy,
        tolerance=tolerance,
        signature=signature or (parsed.signatures[0].key if parsed.signatures else None),
        batch=batch,
        dynamic_dims=tuple(dynamic_notes),
        normalize=value_range,
        output_roles={name: role.describe() for name, role in roles.items()},
    )
    tolerances = presets_with(tolerance)
    if reference is not None and expected is not None:
        raise UsageError("reference", "give either `reference` or `expected`, not both")
    reference_model = (
        Model.open(resolve_model(reference, log=emit.on_message)) if reference is not None else None
    )
    check_memory(parsed, max_input_bytes, run_tensors)
    input_sets, reference_sets = prepare_input_sets(
        parsed, run_tensors, inputs, seed, reference_model, value_range
    )
    range_lines = _input_range_warnings(parsed, run_tensors, input_sets, value_range, range_source)
    if range_lines:  # the verdicts' "judged on" says it too
        findings = "; ".join(line[len(INPUT_RANGE_PREFIX):] for line in range_lines)
        input_sets = replace(input_sets, description=f"{input_sets.description}; {findings}")
    arrays, extra_inputs = input_sets.sets[0], input_sets.sets[1:]
    expected_reference = load_expected(expected, parsed, expected_label) if expected is not None else None
    planned, coverages = _plan(parsed, chosen, settings)
    emit.on_bench_start(str(path), [spec for spec, _ in planned])

    device = HostDevice()
    devices: dict[str, HostDevice] = {"host": device}
    environment = environment_fingerprint(list(settings.threads))
    notes = [load_warning(environment), thread_count_warning(settings.threads), *input_sets.notes,
             *range_lines]
    warnings = [line for line in notes if line]
    for line in warnings:
        emit.on_message(f"warning: {line}")
    results: list[RunResult] = []
    interrupted = False
    for position, (spec, verdict) in enumerate(planned, start=1):
        emit.on_run_start(spec, position, len(planned))
        if interrupted:
            result = _verdict(spec, "interrupted", "not started: the bench was interrupted")
        else:
            try:
                result = verdict or _device(devices, spec.device).run(
                    path,
                    spec,
                    arrays,
                    settings.loop,
                    settings.timeout_s,
                    on_event=functools.partial(emit.on_run_event, spec),
                    delegate_modules=_external_module(delegate_registry.get(spec.delegate)),
                    extra_inputs=extra_inputs,
                )
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the worker is gone; keep the finished runs
                interrupted = True
                result = _verdict(spec, "interrupted", "stopped by an interrupt before it finished")
        result.coverage = coverages.get(spec.delegate)
        results.append(result)
        emit.on_run_end(result, position, len(planned))
    if interrupted:
        finished = sum(run.status != "interrupted" for run in results)
        line = f"interrupted: {finished} of {len(results)} runs finished; accuracy was not judged"
        warnings.append(line)
        emit.on_message(f"warning: {line}")

    chosen_reference = None
    if accuracy and not interrupted:
        chosen_reference = expected_reference or reference_outputs(
            parsed, reference_model, reference_sets or input_sets, results, device, emit,
            max_seconds=settings.loop.max_seconds, timeout_s=settings.timeout_s, use_cache=reference_cache,
        )
        judge_runs(results, parsed, chosen_reference, tolerances, roles=roles, input_sets=input_sets,
                   image_size=_image_size(run_tensors))
    for line in thread_scaling_warnings(results):
        warnings.append(line)
        emit.on_message(f"warning: {line}")

    document = BenchResult(
        model=parsed.to_dict(),
        settings=settings.to_dict(),
        environment=environment,
        warnings=warnings,
        inputs=arrays,
        extra_inputs=extra_inputs,
        input_sets=input_sets.to_dict(),
        runs=results,
        reference=chosen_reference.to_dict() if chosen_reference else None,
        reference_outputs=chosen_reference.outputs if chosen_reference else None,
        reference_extra_outputs=chosen_reference.extra_outputs if chosen_reference else (),
    )
    emit.on_bench_end(document)
    return document


def _plan(
    model: Model, chosen: list[Delegate], settings: BenchSettings
) -> tuple[list[tuple[WorkerRequest, RunResult | None]], dict[str, dict]]:
    """Each run with a ready verdict when it cannot execute, or None to execute it; and each
    delegate's static coverage, computed once here and attached to every run it plans.

    CPU delegates run once per thread count; delegates that take no thread count (the GPU) run
    once per precision, their CPU fallback using the first thread count.
    """
    planned: list[tuple[WorkerRequest, RunResult | None]] = []
    coverages: dict[str, dict] = {}
    blocked = []
    for delegate in chosen:
        device = getattr(delegate, "device", "host")
        if model.format not in _formats(delegate):
            reason = _format_refusal(delegate, model.format)
            refused = WorkerRequest(delegate.name, settings.threads[0], device=device)
            planned.append((refused, _verdict(refused, "unsupported", reason)))
            blocked.append(f"{delegate.name}: {reason}")
            continue
        availability = delegate.probe()
        coverage = delegate.coverage(model)
        coverages[delegate.name] = coverage.to_dict()
        cannot_run = not coverage.runnable and not delegate.cpu_fallback
        env = tuple(sorted(availability.detail.get("worker_env", {}).items()))
        offered = getattr(delegate, "precisions", None) or None
        for threads, precision in _variants(delegate, settings, availability.available):
            spec = WorkerRequest(delegate.name, threads, device=device, precision=precision,
                           signature=model.selected_signature, worker_env=env)
            verdict = None
            if not availability.available:
                verdict = _verdict(spec, "unavailable", availability.reason)
            elif cannot_run:
                verdict = _verdict(spec, "unsupported", coverage.summary())
            elif precision is not None and offered is not None and precision not in offered:
                only = f"{delegate.name} computes in {', '.join(offered)} only"
                verdict = _verdict(spec, "unsupported",
                                   f"{only}; ask for it with --gpu-precision {offered[0]}")
            planned.append((spec, verdict))
        if availability.available and cannot_run:
            blocked.append(f"{delegate.name}: {coverage.summary()}")
    if planned and len(blocked) == len(chosen):
        raise UnsupportedModel(model.path, "; ".join(blocked))
    return planned, coverages


def _variants(delegate: Delegate, settings: BenchSettings, available: bool) -> list[tuple[int, str | None]]:
    if not available:  # one row says it all
        return [(settings.threads[0], None)]
    if delegate.uses_threads:
        return [(threads, None) for threads in settings.threads]
    return [(settings.threads[0], precision) for precision in settings.gpu_precisions]


def _formats(delegate: Delegate) -> tuple[str, ...]:
    """The model formats a delegate runs: ``.tflite`` unless it says otherwise (``formats``)."""
    return tuple(getattr(delegate, "formats", ("tflite",)))


def _format_refusal(delegate: Delegate, model_format: str) -> str:
    refusal = getattr(delegate, "format_refusal", None)
    if refusal is not None:
        return str(refusal(model_format))
    if model_format == "tfjs-graph":
        return (f"{delegate.name} runs .tflite models; bench this TF.js graph model on tfjs-wasm, tfjs-webgl "
                "or tfjs-webgpu, or convert its TensorFlow source first: edgekit convert SOURCE --out DIR")
    return f"{delegate.name} runs {', '.join(_formats(delegate))} models, not {model_format}"


def _device(devices: dict[str, HostDevice], name: str) -> HostDevice:
    """The device a run goes to, made on first use (the browser's only when a browser delegate runs)."""
    if name not in devices:
        from edgekit.devices.browser import BrowserDevice

        devices[name] = BrowserDevice()
    return devices[name]


def _verdict(spec: WorkerRequest, status: str, reason: str) -> RunResult:
    return RunResult(spec.delegate, spec.device, spec.threads, status, reason, precision=spec.precision)


def _external_module(delegate: Delegate) -> tuple[str, ...]:
    module = type(delegate).__module__
    return () if module.startswith(_BUILTIN_PREFIX) else (module,)


def _validate_normalize(normalize: tuple[float, float] | None) -> tuple[float, float] | None:
    if normalize is None:
        return None
    low, high = (float(v) for v in normalize)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise UsageError(
            "normalize", f"{low:g},{high:g} is not LOW,HIGH: finite, LOW below HIGH (e.g. 0,1 or -1,1)"
        )
    return low, high


def _input_range_warnings(model: Model, tensors: Sequence[TensorInfo], sets: InputSets,
                          value_range: tuple[float, float] | None, source: str) -> list[str]:
    """Lines about given inputs outside the range the model expects (:mod:`edgekit.inputs.value_range`)."""
    if sets.kind != "given":
        return []
    ranges = expected_ranges(tensors, model.metadata_bytes(METADATA_NAME), value_range, source)
    return range_warnings(sets.sets, ranges)


def _catalog_range(hints: Mapping[str, object]) -> tuple[float, float] | None:
    value = hints.get("normalize")
    return (float(value[0]), float(value[1])) if isinstance(value, list) and len(value) == 2 else None


def _image_size(tensors: Sequence[TensorInfo]) -> tuple[int, int] | None:
    """(height, width) of the one NHWC image input, for keypoints given in normalised coordinates."""
    images = [t for t in tensors if len(t.shape) == 4 and t.shape[3] == 3]
    return (images[0].shape[1], images[0].shape[2]) if len(images) == 1 else None


def _expand_all(names: list[str], model_format: str = "tflite") -> list[str]:
    """`all` stands for every registered delegate that runs the model's format, in registry order."""
    if "all" not in names:
        return names
    runs_it = [n for n in delegate_registry.names() if model_format in _formats(delegate_registry.get(n))]
    return list(dict.fromkeys([*runs_it, *(n for n in names if n != "all")]))


def _open_model(path: Path, requested: Sequence[Delegate], everything: bool) -> Model:
    """The model at PATH when a requested delegate runs its format (any does, for ``all``); else
    ModelFormatError pointing at the delegates that do, or at `edgekit convert`."""
    parsed = Model.open(path)
    accepted = {fmt for delegate in requested for fmt in _formats(delegate)}
    if everything:
        accepted |= {fmt for name in delegate_registry.names()
                     for fmt in _formats(delegate_registry.get(name))}
    if parsed.format in accepted:
        return parsed
    kind = {"tfjs-graph": "TF.js graph", "saved-model": "SavedModel", "keras": "Keras"}.get(parsed.format)
    browser = (" (or bench it in the browser: --delegate tfjs-wasm,tfjs-webgl)"
               if parsed.format == "tfjs-graph" else "")
    raise ModelFormatError(
        path,
        f"is a {kind or parsed.format} model; these delegates measure .tflite models: convert its TensorFlow "
        f"source first: edgekit convert SOURCE --out DIR{browser}",
    )


class _Broadcast(BenchListener):
    """Forwards every event to each listener, in order."""

    def __init__(self, listeners: Sequence[BenchListener]) -> None:
        self._listeners = list(listeners)

    def on_message(self, message: str) -> None:
        for listener in self._listeners:
            listener.on_message(message)

    def on_bench_start(self, model_path: str, plan: list[WorkerRequest]) -> None:
        for listener in self._listeners:
            listener.on_bench_start(model_path, plan)

    def on_run_start(self, spec: WorkerRequest, position: int, total: int) -> None:
        for listener in self._listeners:
            listener.on_run_start(spec, position, total)

    def on_run_event(self, spec: WorkerRequest, event: dict) -> None:
        for listener in self._listeners:
            listener.on_run_event(spec, event)

    def on_run_end(self, result: RunResult, position: int, total: int) -> None:
        for listener in self._listeners:
            listener.on_run_end(result, position, total)

    def on_bench_end(self, result: BenchResult) -> None:
        for listener in self._listeners:
            listener.on_bench_end(result)
