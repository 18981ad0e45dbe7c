"""`bench`: plan the runs for a model, execute each in isolation, collect one result document."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from edgekit import delegates as delegate_registry
from edgekit.accuracy import presets_with
from edgekit.bench_inputs import prepare_input_sets
from edgekit.contract import TensorInfo
from edgekit.delegates.base import Delegate
from edgekit.devices.host import HostDevice, RunSpec
from edgekit.dynamic import fill_dynamic
from edgekit.environment import environment_fingerprint
from edgekit.errors import ModelFormatError, UnsupportedModel, UsageError
from edgekit.events import BenchListener
from edgekit.formats.tflite_metadata import METADATA_NAME
from edgekit.input_range import PREFIX as INPUT_RANGE_PREFIX
from edgekit.input_range import expected_ranges, range_warnings
from edgekit.inputs import check_input_budget
from edgekit.measure.conditions import load_warning, thread_scaling_warnings
from edgekit.measure.loop import LoopConfig
from edgekit.model import Model
from edgekit.preflight import check_finite, thread_count_warning
from edgekit.realistic import InputSets
from edgekit.reference import REFERENCE_LOOP, Reference, judge_runs, load_expected, reference_delegate
from edgekit.results import BenchResult, RunResult
from edgekit.roles import parse_output_roles, roles_for
from edgekit.zoo import catalog_entry as zoo_catalog_entry
from edgekit.zoo import resolve_model

__all__ = ["bench", "BenchSettings", "MAX_THREADS"]

MAX_THREADS = 256
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
) -> BenchResult:
    """Benchmark MODEL (a .tflite path or zoo name) on this host for every delegate x thread count.

    Every run gets the same inputs (seeded, or INPUTS: an .npz path, a name->array mapping, or named
    sets as :class:`InputSets`) in a fresh worker process. Runs that cannot execute are recorded as
    `unavailable` / `unsupported` with the reason; crashes and hangs as `crashed` / `timeout`.
    Raises UnsupportedModel when no requested delegate could run the model at all.

    Unless `accuracy` is False, every ok run is judged against a reference: EXPECTED outputs
    (.npz, a mapping, or one mapping per input set), the REFERENCE model (path or zoo name) on
    reference kernels, or by default cpu-ref on the same file. TOLERANCE
    ("cosine=0.995,max_abs=1e-3") overrides the preset's fail thresholds.

    SIGNATURE picks the entry point (default: the first; the result names it). Dynamic input
    dimensions are filled (BATCH for a dynamic batch, else the model's static size) and the
    result says how.

    Without INPUTS, runs are fed realistic inputs where the task is known (drawn scenes for an
    image input whose value range is known: the zoo catalog's, or NORMALIZE; sentences for token
    inputs with a vocab.txt beside the model), else seeded random ones (``inputs="random"``
    forces them); the result says which. OUTPUT_ROLES (``{"Identity_2": "mask"}``, or
    ``["Identity_2=mask"]``) decide how each output is judged, over the zoo catalog's roles.

    Inputs larger than MAX_INPUT_BYTES together are refused before anything is allocated (default:
    :func:`edgekit.inputs.default_input_budget`). Thread counts above this machine's usable cores
    are measured as asked, with a warning. Ctrl-C (or SIGTERM) keeps the finished runs: the rest
    are `interrupted`, accuracy is not judged, and ``BenchResult.interrupted`` is true.
    """
    emit = _Broadcast(listeners)
    _validate_seed(seed)
    path = resolve_model(model, log=emit.on_message)
    parsed = _open_tflite(path)
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
    chosen = [delegate_registry.get(name) for name in _expand_all(_unique(delegates, "delegates"))]
    loop = LoopConfig(warmup_runs, warmup_seconds, runs, min_seconds, max_seconds)
    settings = BenchSettings(
        delegates=tuple(d.name for d in chosen),
        threads=_validate_threads(threads),
        gpu_precisions=_validate_precisions(gpu_precision),
        loop=_validate_loop(loop),
        timeout_s=_validate_timeout(timeout, loop),
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
    computed = [t for s in range(parsed.subgraph_count) for t in parsed.tensors(s) if not t.is_constant]
    check_input_budget(run_tensors, max_input_bytes, computed)
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
                result = verdict or device.run(
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
        result.coverage = coverages[spec.delegate]
        results.append(result)
        emit.on_run_end(result, position, len(planned))
    if interrupted:
        finished = sum(run.status != "interrupted" for run in results)
        line = f"interrupted: {finished} of {len(results)} runs finished; accuracy was not judged"
        warnings.append(line)
        emit.on_message(f"warning: {line}")

    chosen_reference = None
    if accuracy and not interrupted:
        chosen_reference = expected_reference or _reference_outputs(
            parsed, reference_model, reference_sets or input_sets, results, settings, device, emit
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
) -> tuple[list[tuple[RunSpec, RunResult | None]], dict[str, dict]]:
    """Each run with a ready verdict when it cannot execute, or None to execute it; and each
    delegate's static coverage, computed once here and attached to every run it plans.

    CPU delegates run once per thread count; delegates that take no thread count (the GPU) run
    once per precision, their CPU fallback using the first thread count.
    """
    planned: list[tuple[RunSpec, RunResult | None]] = []
    coverages: dict[str, dict] = {}
    blocked = []
    for delegate in chosen:
        availability = delegate.probe()
        coverage = delegate.coverage(model)
        coverages[delegate.name] = coverage.to_dict()
        cannot_run = not coverage.runnable and not delegate.cpu_fallback
        env = tuple(sorted(availability.detail.get("worker_env", {}).items()))
        for threads, precision in _variants(delegate, settings, availability.available):
            spec = RunSpec(delegate.name, threads, precision=precision, signature=model.selected_signature,
                           worker_env=env)
            verdict = None
            if not availability.available:
                verdict = _verdict(spec, "unavailable", availability.reason)
            elif cannot_run:
                verdict = _verdict(spec, "unsupported", coverage.summary())
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


def _verdict(spec: RunSpec, status: str, reason: str) -> RunResult:
    return RunResult(spec.delegate, spec.device, spec.threads, status, reason, precision=spec.precision)


def _external_module(delegate: Delegate) -> tuple[str, ...]:
    module = type(delegate).__module__
    return () if module.startswith(_BUILTIN_PREFIX) else (module,)


def _validate_normalize(normalize: tuple[float, float] | None) -> tuple[float, float] | None:
    if normalize is None:
        return None
    low, high = (float(v) for v in normalize)
    if not low < high:
        raise UsageError(
            "normalize", f"{low:g},{high:g} is not LOW,HIGH with LOW below HIGH (e.g. 0,1 or -1,1)"
        )
    return low, high


def _input_range_warnings(model: Model, tensors: Sequence[TensorInfo], sets: InputSets,
                          value_range: tuple[float, float] | None, source: str) -> list[str]:
    """Lines about given inputs outside the range the model expects (see :mod:`edgekit.input_range`)."""
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


def _reference_outputs(
    model: Model,
    reference_model: Model | None,
    sets: InputSets,
    results: list[RunResult],
    settings: BenchSettings,
    device: HostDevice,
    emit: BenchListener,
) -> Reference:
    """Reuse an ok run of the reference delegate when there is one; otherwise run it once."""
    target = reference_model or model
    delegate, note = reference_delegate(target)
    if reference_model is None:
        for run in results:
            if run.delegate == delegate and run.status == "ok":
                run.is_reference = True
                label = f"{delegate} on the same file" + (
                    "" if delegate == "cpu-ref" else " (cpu-ref cannot run it)"
                )
                return Reference("delegate", label, run.outputs, model.outputs, True, run=None, note=note,
                                 extra_outputs=run.extra_outputs)
    emit.on_message(f"reference: one inference of {target.path.name} on {delegate} for reference outputs")
    loop = LoopConfig(**REFERENCE_LOOP, max_seconds=settings.loop.max_seconds)
    spec = RunSpec(delegate, 1, signature=target.selected_signature)
    run = device.run(target.path, spec, sets.sets[0], loop, settings.timeout_s, extra_inputs=sets.sets[1:])
    kind = "model" if reference_model is not None else "delegate"
    where = (
        f"{target.path.name} on {delegate}" if reference_model is not None else f"{delegate} on the same file"
    )
    if run.status != "ok":
        note = f"the reference run ended {run.status}: {run.reason}; no accuracy verdicts"
        emit.on_message(f"reference: {note}")
        return Reference(kind, where, None, target.outputs, reference_model is None, run=run, note=note)
    return Reference(kind, where, run.outputs, target.outputs, reference_model is None, run=run, note=note,
                     path=str(target.path), extra_outputs=run.extra_outputs)


def _unique(names: Sequence[str], option: str) -> list[str]:
    if isinstance(names, str):
        names = [names]
    cleaned = [name.strip() for name in names if name.strip()]
    if not cleaned:
        raise UsageError(option, "give at least one delegate, e.g. cpu")
    return list(dict.fromkeys(cleaned))


def _expand_all(names: list[str]) -> list[str]:
    """`all` stands for every registered delegate, in registry order."""
    if "all" not in names:
        return names
    return list(dict.fromkeys([*delegate_registry.names(), *(n for n in names if n != "all")]))


def _validate_precisions(precisions: Sequence[str]) -> tuple[str, ...]:
    from edgekit.delegates.gpu import PRECISIONS

    if isinstance(precisions, str):
        precisions = [precisions]
    for precision in precisions:
        if precision not in PRECISIONS:
            raise UsageError("gpu_precision", f"{precision!r} is not one of {', '.join(PRECISIONS)}")
    if not precisions:
        raise UsageError("gpu_precision", f"give at least one of {', '.join(PRECISIONS)}")
    return tuple(dict.fromkeys(precisions))


def _validate_threads(threads: Sequence[int]) -> tuple[int, ...]:
    if isinstance(threads, int):
        threads = [threads]
    if not threads:
        raise UsageError("threads", "give at least one thread count, e.g. 1,2,4")
    for count in threads:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_THREADS:
            raise UsageError(
                "threads", f"{count!r} is not a thread count; use whole numbers 1..{MAX_THREADS}"
            )
    return tuple(dict.fromkeys(threads))


def _open_tflite(path: Path) -> Model:
    """The .tflite model at PATH; other formats are pointed at `edgekit convert`."""
    parsed = Model.open(path)
    if parsed.format != "tflite":
        kind = {"tfjs-graph": "TF.js graph", "saved-model": "SavedModel", "keras": "Keras"}.get(parsed.format)
        raise ModelFormatError(
            path,
            f"is a {kind or parsed.format} model; bench measures .tflite models: convert its TensorFlow "
            "source first: edgekit convert SOURCE --out DIR",
        )
    return parsed


def _validate_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UsageError("seed", f"{seed!r} is not a seed; use a whole number 0 or above")


def _validate_loop(loop: LoopConfig) -> LoopConfig:
    for option, value in (("warmup_seconds", loop.warmup_seconds), ("min_seconds", loop.min_seconds),
                          ("max_seconds", loop.max_seconds)):
        check_finite(option, value)
    if loop.min_runs < 1:
        raise UsageError("runs", f"{loop.min_runs} is too few; measure at least 1 run")
    if loop.warmup_runs < 0:
        raise UsageError("warmup_runs", f"{loop.warmup_runs} warm-up runs is negative")
    for option, value in (("warmup_seconds", loop.warmup_seconds), ("min_seconds", loop.min_seconds)):
        if value < 0:
            raise UsageError(option, f"{value} seconds is negative")
    if loop.max_seconds <= 0 or loop.max_seconds < loop.min_seconds:
        raise UsageError(
            "max_seconds",
            f"{loop.max_seconds} must be positive and at least `min_seconds` ({loop.min_seconds})",
        )
    return loop


def _validate_timeout(timeout: float | None, loop: LoopConfig) -> float:
    if timeout is None:
        # Loading, warm-up and measurement are each capped by max_seconds; leave room for a slow load.
        return 120.0 + 2 * loop.max_seconds + loop.warmup_seconds
    check_finite("timeout", timeout, positive=True)
    return float(timeout)


class _Broadcast(BenchListener):
    """Forwards every event to each listener, in order."""

    def __init__(self, listeners: Sequence[BenchListener]) -> None:
        self._listeners = list(listeners)

    def on_message(self, message: str) -> None:
        for listener in self._listeners:
            listener.on_message(message)

    def on_bench_start(self, model_path: str, plan: list[RunSpec]) -> None:
        for listener in self._listeners:
            listener.on_bench_start(model_path, plan)

    def on_run_start(self, spec: RunSpec, position: int, total: int) -> None:
        for listener in self._listeners:
            listener.on_run_start(spec, position, total)

    def on_run_event(self, spec: RunSpec, event: dict) -> None:
        for listener in self._listeners:
            listener.on_run_event(spec, event)

    def on_run_end(self, result: RunResult, position: int, total: int) -> None:
        for listener in self._listeners:
            listener.on_run_end(result, position, total)

    def on_bench_end(self, result: BenchResult) -> None:
        for listener in self._listeners:
            listener.on_bench_end(result)
