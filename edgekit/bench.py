"""`bench`: plan the runs for a model, execute each in isolation, collect one result document."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from edgekit import delegates as delegate_registry
from edgekit.delegates.base import Delegate
from edgekit.devices.host import HostDevice, RunSpec
from edgekit.errors import UnsupportedModel, UsageError
from edgekit.events import BenchListener
from edgekit.inputs import check_inputs, generate_inputs, load_inputs
from edgekit.measure.loop import LoopConfig
from edgekit.model import Model
from edgekit.results import BenchResult, RunResult, environment_fingerprint
from edgekit.zoo import resolve_model

__all__ = ["bench", "BenchSettings", "MAX_THREADS"]

MAX_THREADS = 256
_BUILTIN_PREFIX = "edgekit.delegates."


@dataclass(frozen=True)
class BenchSettings:
    """Validated bench options; recorded in the result as given."""

    delegates: tuple[str, ...]
    threads: tuple[int, ...]
    loop: LoopConfig
    timeout_s: float
    seed: int

    def to_dict(self) -> dict:
        return {
            "delegates": list(self.delegates),
            "threads": list(self.threads),
            "loop": self.loop.to_dict(),
            "timeout_s": self.timeout_s,
            "seed": self.seed,
        }


def bench(
    model: str | os.PathLike,
    *,
    delegates: Sequence[str] = ("cpu",),
    threads: Sequence[int] = (1,),
    warmup_runs: int = 1,
    warmup_seconds: float = 0.5,
    runs: int = 50,
    min_seconds: float = 1.0,
    max_seconds: float = 30.0,
    timeout: float | None = None,
    inputs: str | os.PathLike | Mapping[str, np.ndarray] | None = None,
    seed: int = 0,
    listeners: Sequence[BenchListener] = (),
) -> BenchResult:
    """Benchmark MODEL (a .tflite path or zoo name) on this host for every delegate x thread count.

    Every run gets the same inputs (seeded, or INPUTS: an .npz path or a name->array mapping) in a
    fresh worker process. Runs that cannot execute are recorded as `unavailable` / `unsupported`
    with the reason; crashes and hangs as `crashed` / `timeout`. Raises UnsupportedModel when no
    requested delegate could run the model at all.
    """
    emit = _Broadcast(listeners)
    path = resolve_model(model, log=emit.on_message)
    parsed = Model.open(path)
    chosen = [delegate_registry.get(name) for name in _unique(delegates, "--delegate")]
    loop = LoopConfig(warmup_runs, warmup_seconds, runs, min_seconds, max_seconds)
    settings = BenchSettings(
        delegates=tuple(d.name for d in chosen),
        threads=_validate_threads(threads),
        loop=_validate_loop(loop),
        timeout_s=_validate_timeout(timeout, loop),
        seed=seed,
    )
    arrays = _prepare_inputs(parsed, inputs, seed)
    planned = _plan(parsed, chosen, settings.threads)
    emit.on_bench_start(str(path), [spec for spec, _ in planned])

    device = HostDevice()
    results: list[RunResult] = []
    for position, (spec, verdict) in enumerate(planned, start=1):
        emit.on_run_start(spec, position, len(planned))
        result = verdict or device.run(
            path,
            spec,
            arrays,
            settings.loop,
            settings.timeout_s,
            on_event=lambda event, spec=spec: emit.on_run_event(spec, event),
            delegate_modules=_external_module(delegate_registry.get(spec.delegate)),
        )
        result.coverage = _coverage_dict(parsed, spec.delegate)
        results.append(result)
        emit.on_run_end(result, position, len(planned))

    document = BenchResult(
        model=parsed.to_dict(),
        settings=settings.to_dict(),
        environment=environment_fingerprint(list(settings.threads)),
        inputs=arrays,
        runs=results,
    )
    emit.on_bench_end(document)
    return document


def _plan(
    model: Model, chosen: list[Delegate], threads: tuple[int, ...]
) -> list[tuple[RunSpec, RunResult | None]]:
    """Each (delegate, threads) with a ready verdict when it cannot run, or None to execute it."""
    planned: list[tuple[RunSpec, RunResult | None]] = []
    unsupported_reasons = []
    for delegate in chosen:
        availability = delegate.probe()
        coverage = delegate.coverage(model)
        for count in threads:
            spec = RunSpec(delegate.name, count)
            verdict = None
            if not availability.available:
                verdict = RunResult(delegate.name, "host", count, "unavailable", availability.reason)
            elif not coverage.runnable:
                verdict = RunResult(delegate.name, "host", count, "unsupported", coverage.summary())
            planned.append((spec, verdict))
        if availability.available and not coverage.runnable:
            unsupported_reasons.append(f"{delegate.name}: {coverage.summary()}")
    if planned and len(unsupported_reasons) == len(chosen):
        raise UnsupportedModel(model.path, "; ".join(unsupported_reasons))
    return planned


def _coverage_dict(model: Model, delegate_name: str) -> dict:
    return delegate_registry.get(delegate_name).coverage(model).to_dict()


def _external_module(delegate: Delegate) -> tuple[str, ...]:
    module = type(delegate).__module__
    return () if module.startswith(_BUILTIN_PREFIX) else (module,)


def _prepare_inputs(
    model: Model, inputs: str | os.PathLike | Mapping[str, np.ndarray] | None, seed: int
) -> dict[str, np.ndarray]:
    if inputs is None:
        return generate_inputs(model.inputs, seed)
    if isinstance(inputs, (str, os.PathLike)):
        return load_inputs(Path(inputs), model.inputs)
    return check_inputs(inputs, model.inputs)


def _unique(names: Sequence[str], option: str) -> list[str]:
    if isinstance(names, str):
        names = [names]
    cleaned = [name.strip() for name in names if name.strip()]
    if not cleaned:
        raise UsageError(option, "give at least one delegate, e.g. cpu")
    return list(dict.fromkeys(cleaned))


def _validate_threads(threads: Sequence[int]) -> tuple[int, ...]:
    if isinstance(threads, int):
        threads = [threads]
    if not threads:
        raise UsageError("--threads", "give at least one thread count, e.g. 1,2,4")
    for count in threads:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_THREADS:
            raise UsageError("--threads", f"{count!r} is not a thread count; use whole numbers 1..{MAX_THREADS}")
    return tuple(dict.fromkeys(threads))


def _validate_loop(loop: LoopConfig) -> LoopConfig:
    if loop.min_runs < 1:
        raise UsageError("--runs", f"{loop.min_runs} is too few; measure at least 1 run")
    if loop.warmup_runs < 0:
        raise UsageError("--warmup", f"{loop.warmup_runs} warm-up runs is negative")
    for option, value in (("--warmup-seconds", loop.warmup_seconds), ("--min-seconds", loop.min_seconds)):
        if value < 0:
            raise UsageError(option, f"{value} seconds is negative")
    if loop.max_seconds <= 0 or loop.max_seconds < loop.min_seconds:
        raise UsageError(
            "--max-seconds", f"{loop.max_seconds} must be positive and at least --min-seconds ({loop.min_seconds})"
        )
    return loop


def _validate_timeout(timeout: float | None, loop: LoopConfig) -> float:
    if timeout is None:
        # Loading, warm-up and measurement are each capped by max_seconds; leave room for a slow load.
        return 120.0 + 2 * loop.max_seconds + loop.warmup_seconds
    if timeout <= 0:
        raise UsageError("--timeout", f"{timeout} seconds must be positive")
    return float(timeout)


class _Broadcast(BenchListener):
    def __init__(self, listeners: Sequence[BenchListener]) -> None:
        self._listeners = list(listeners)

    def __getattribute__(self, name: str):
        if name.startswith("on_"):
            listeners = object.__getattribute__(self, "_listeners")
            return lambda *args: [getattr(listener, name)(*args) for listener in listeners] and None
        return object.__getattribute__(self, name)
