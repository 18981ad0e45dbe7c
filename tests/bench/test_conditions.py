"""Warnings about the host: a busy machine, thread scaling that inverts, and quiet when neither."""

from __future__ import annotations

from edgekit.bench.conditions import load_warning, thread_scaling_warnings
from edgekit.measure.stats import LatencyStats
from edgekit.results.bench_result import RunResult


def _run(threads: int, samples: list[float], delegate: str = "cpu") -> RunResult:
    return RunResult(delegate, "host", threads, "ok", latency=LatencyStats.from_samples(samples))


def test_a_busy_host_is_named_with_its_load():
    line = load_warning({"load_average_at_start": [3.4, 2.0, 1.0], "usable_cores": 2})
    assert line is not None and "load average 3.4 at start on 2 usable cores" in line
    assert load_warning({"load_average_at_start": [1.2, 1.0, 1.0], "usable_cores": 2}) is None
    assert load_warning({"load_average_at_start": None, "usable_cores": 2}) is None


def test_inverted_thread_scaling_is_warned_once_per_pair():
    fast = [15.0 + 0.1 * (i % 3) for i in range(30)]
    slow = [26.0 + 0.1 * (i % 3) for i in range(30)]
    (line,) = thread_scaling_warnings([_run(1, fast), _run(2, slow)])
    assert line.startswith("cpu: 2 threads measured slower than 1 (26.10 vs 15.10 ms median)")


def test_scaling_within_noise_or_the_right_way_is_quiet():
    noisy = [10.0, 12.0, 9.0, 11.0, 10.5]
    assert thread_scaling_warnings([_run(1, noisy), _run(2, [x * 1.03 for x in noisy])]) == []
    assert thread_scaling_warnings([_run(1, [10.0] * 10), _run(2, [6.0] * 10)]) == []
