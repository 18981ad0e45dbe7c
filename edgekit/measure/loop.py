"""The timing loops: first inference, warm-up, then timed runs under one readable stopping rule.

Runs inside the worker process. Three figures, never mixed:
- latency (`measure_latency`): `invoke` is one inference to completion (for a GPU: run plus one
  synchronising read), otherwise the samples measure dispatch, not work;
- throughput (`measure_throughput`): batches of back-to-back dispatches closed by one wait,
  per inference; on a synchronous runtime it coincides with latency and is not re-measured;
- readback (`measure_readback`): reading every output after a finished inference.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LoopConfig", "LoopMeasurement", "measure_latency", "measure_readback", "measure_throughput",
           "readback_plan", "throughput_plan"]

#: Inferences dispatched back to back per throughput sample.
THROUGHPUT_BATCH = 10

_NS_PER_MS = 1_000_000
_NS_PER_S = 1_000_000_000
_PROGRESS_EVERY_NS = 500_000_000


@dataclass(frozen=True)
class LoopConfig:
    """How long to warm up and measure; the defaults follow LiteRT's benchmark_model."""

    warmup_runs: int = 1
    warmup_seconds: float = 0.5
    min_runs: int = 50
    min_seconds: float = 1.0
    max_seconds: float = 30.0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class LoopMeasurement:
    first_ms: float
    warmup_ms: tuple[float, ...]
    samples_ms: tuple[float, ...]


ProgressCallback = Callable[[str, int, float], None]
"""Called as (phase, runs so far, elapsed seconds in that phase), at most twice a second."""


def measure_latency(
    invoke: Callable[[], object],
    config: LoopConfig,
    on_progress: ProgressCallback | None = None,
) -> LoopMeasurement:
    """Time `invoke`: once cold, then warm-up, then until min runs AND min seconds, capped by max."""
    clock = time.perf_counter_ns
    t0 = clock()
    invoke()
    first_ns = clock() - t0

    warmup = _run_phase(
        invoke, "warmup", config.warmup_runs, config.warmup_seconds, config.max_seconds, on_progress
    )
    samples = _run_phase(
        invoke, "measure", config.min_runs, config.min_seconds, config.max_seconds, on_progress
    )
    return LoopMeasurement(
        first_ms=first_ns / _NS_PER_MS,
        warmup_ms=tuple(ns / _NS_PER_MS for ns in warmup),
        samples_ms=tuple(ns / _NS_PER_MS for ns in samples),
    )


def measure_throughput(
    dispatch: Callable[[], object], wait: Callable[[], object], config: LoopConfig,
    on_progress: ProgressCallback | None = None,
) -> tuple[float, ...]:
    """Per-inference times of batches of back-to-back dispatches closed by one wait (ms).

    Budgeted at a quarter of the latency loop's runs and times, at least three batches.
    """
    def batch() -> None:
        for _ in range(THROUGHPUT_BATCH):
            dispatch()
        wait()

    plan = throughput_plan(config)
    samples = _run_phase(batch, "throughput", plan.min_runs, plan.min_seconds, plan.max_seconds, on_progress)
    return tuple(ns / THROUGHPUT_BATCH / _NS_PER_MS for ns in samples)


def measure_readback(
    invoke: Callable[[], object], read_outputs: Callable[[], object], config: LoopConfig,
) -> tuple[float, ...]:
    """Times of reading every output after a finished inference (ms); the inference is untimed."""
    clock = time.perf_counter_ns
    samples: list[int] = []
    runs, seconds = readback_plan(config)
    deadline = clock() + int(seconds * _NS_PER_S)
    while len(samples) < runs and (len(samples) < 3 or clock() <= deadline):
        invoke()
        t0 = clock()
        read_outputs()
        samples.append(clock() - t0)
    return tuple(ns / _NS_PER_MS for ns in samples)


def throughput_plan(config: LoopConfig) -> LoopConfig:
    """The throughput phase's budget: a quarter of the latency loop's runs and times, >= 3 batches.

    Its ``min_runs`` counts batches of THROUGHPUT_BATCH; other timing loops (the browser page)
    follow the same plan.
    """
    return LoopConfig(0, 0.0, max(3, config.min_runs // THROUGHPUT_BATCH), config.min_seconds / 4,
                      config.max_seconds / 4)


def readback_plan(config: LoopConfig) -> tuple[int, float]:
    """(reads, seconds): the readback phase times up to that many reads, at least 3, within the seconds.

    A loop that measures no runs (``min_runs`` 0: a reference run, which wants outputs only) reads
    nothing either.
    """
    if config.min_runs == 0:
        return 0, 0.0
    return max(3, min(30, config.min_runs // 5)), config.max_seconds / 4


def _run_phase(
    invoke: Callable[[], object],
    phase: str,
    min_runs: int,
    min_seconds: float,
    max_seconds: float,
    on_progress: ProgressCallback | None,
) -> list[int]:
    clock = time.perf_counter_ns
    samples: list[int] = []
    append = samples.append
    start = now = clock()
    min_finish = start + int(min_seconds * _NS_PER_S)
    max_finish = start + int(max_seconds * _NS_PER_S)
    next_report = start + _PROGRESS_EVERY_NS
    # LiteRT's rule: (run < min_runs || now < min_finish) && now <= max_finish
    while (len(samples) < min_runs or now < min_finish) and now <= max_finish:
        t0 = clock()
        invoke()
        now = clock()
        append(now - t0)
        if now >= next_report and on_progress is not None:
            on_progress(phase, len(samples), (now - start) / _NS_PER_S)
            next_report = now + _PROGRESS_EVERY_NS
    return samples
