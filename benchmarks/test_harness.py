"""Harness overhead per timed iteration on a tiny model, against a bare invoke() loop.

Target: <= 5 us per iteration. Both loops use the same interpreter in this process; rounds
alternate between them and the overhead is the difference of the per-iteration medians.
"""

from __future__ import annotations

import statistics
import time

from edgekit.delegates.cpu import InterpreterRunner
from edgekit.measure.loop import LoopConfig, measure_latency

ITERATIONS = 20_000
ROUNDS = 15
TARGET_US = 5.0


def bare_loop(invoke) -> float:
    start = time.perf_counter_ns()
    for _ in range(ITERATIONS):
        invoke()
    return (time.perf_counter_ns() - start) / ITERATIONS / 1000


def harness_loop(invoke) -> float:
    config = LoopConfig(warmup_runs=0, warmup_seconds=0, min_runs=ITERATIONS, min_seconds=0, max_seconds=3600)
    start = time.perf_counter_ns()
    measure_latency(invoke, config)
    return (time.perf_counter_ns() - start) / (ITERATIONS + 1) / 1000


def test_harness_overhead_per_iteration(benchmark, tiny_model):
    runner = InterpreterRunner(str(tiny_model), threads=1, reference_kernels=False)
    runner.set_inputs({"input": __import__("numpy").ones((1, 8), "float32")})
    bare, harness = [], []

    def alternate() -> None:
        for _ in range(ROUNDS):
            bare.append(bare_loop(runner.invoke))
            harness.append(harness_loop(runner.invoke))

    benchmark.pedantic(alternate, rounds=1, iterations=1)
    overhead = statistics.median(harness) - statistics.median(bare)
    benchmark.extra_info.update(
        bare_invoke_us=statistics.median(bare), harness_us=statistics.median(harness), overhead_us=overhead
    )
    print(f"\nbare invoke {statistics.median(bare):.3f} us/iter, harness {statistics.median(harness):.3f} us/iter, "
          f"overhead {overhead:.3f} us")
    assert overhead <= TARGET_US
