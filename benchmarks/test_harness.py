"""Harness overhead per timed iteration on a tiny model, against a bare invoke() loop; and the cost of
one whole ``bench`` run of that model (plan, worker process, measurement, result).

Overhead target: <= 5 us per iteration. pytest-benchmark times ``measure_latency`` over ITERATIONS
invokes per round; before each round (untimed) a bare loop of as many invokes runs on the same
interpreter, so drift hits both. The overhead is the difference of the per-iteration medians: a figure
pytest-benchmark cannot time itself, kept in ``extra_info``.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from edgekit.bench.run import bench
from edgekit.delegates.cpu import InterpreterRunner
from edgekit.measure.loop import LoopConfig, measure_latency

ITERATIONS = 20_000
ROUNDS = 15
TARGET_US = 5.0


def test_harness_overhead_per_iteration(benchmark, tiny_model) -> None:
    runner = InterpreterRunner(str(tiny_model), threads=1, reference_kernels=False)
    runner.set_inputs({"input": np.ones((1, 8), "float32")})
    config = LoopConfig(warmup_runs=0, warmup_seconds=0, min_runs=ITERATIONS, min_seconds=0, max_seconds=3600)
    bare_us: list[float] = []

    def bare_loop() -> None:
        start = time.perf_counter_ns()
        for _ in range(ITERATIONS):
            runner.invoke()
        bare_us.append((time.perf_counter_ns() - start) / ITERATIONS / 1000)

    benchmark.pedantic(measure_latency, args=(runner.invoke, config), setup=bare_loop, rounds=ROUNDS,
                       iterations=1)
    # measure_latency makes one first call before the ITERATIONS timed ones.
    harness_us = benchmark.stats.stats.median / (ITERATIONS + 1) * 1e6
    overhead = harness_us - statistics.median(bare_us)
    benchmark.extra_info.update(bare_invoke_us=statistics.median(bare_us), harness_us=harness_us,
                                overhead_us=overhead, iterations_per_round=ITERATIONS)
    print(f"\nbare invoke {statistics.median(bare_us):.3f} us/iter, harness {harness_us:.3f} us/iter, "
          f"overhead {overhead:.3f} us")
    assert overhead <= TARGET_US


def test_one_bench_run_of_a_tiny_model(benchmark, tiny_model) -> None:
    """What a user waits for beyond the model itself: planning, a fresh worker process, the result."""
    result = benchmark.pedantic(
        lambda: bench(tiny_model, delegates=["cpu"], threads=[1], runs=10, min_seconds=0, warmup_runs=1,
                      warmup_seconds=0, accuracy=False),
        rounds=5, warmup_rounds=1, iterations=1)
    assert [run.status for run in result.runs] == ["ok"]
