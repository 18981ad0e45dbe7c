"""The stopping rule of the timing loop, on a callable whose cost we control."""

import time

from edgekit.measure.loop import LoopConfig, measure_latency, measure_readback, readback_plan


def test_min_runs_dominates_when_runs_are_fast():
    calls = []
    result = measure_latency(
        lambda: calls.append(1),
        LoopConfig(warmup_runs=3, warmup_seconds=0, min_runs=25, min_seconds=0, max_seconds=5),
    )
    assert len(result.samples_ms) == 25
    assert len(result.warmup_ms) == 3
    assert len(calls) == 1 + 3 + 25  # first + warm-up + measured


def test_min_seconds_dominates_when_runs_are_few():
    result = measure_latency(
        lambda: None, LoopConfig(warmup_runs=0, warmup_seconds=0, min_runs=1, min_seconds=0.2, max_seconds=5)
    )
    assert sum(result.samples_ms) > 0
    assert len(result.samples_ms) > 100  # kept going for 0.2 s of near-empty calls


def test_max_seconds_caps_slow_runs():
    result = measure_latency(
        lambda: time.sleep(0.05),
        LoopConfig(warmup_runs=0, warmup_seconds=0, min_runs=1000, min_seconds=0, max_seconds=0.3),
    )
    # The rule checks the cap before each run, so at most one run passes it.
    assert 3 <= len(result.samples_ms) <= 8
    assert all(sample >= 50 for sample in result.samples_ms)


def test_progress_reports_phase_and_counts():
    seen = []
    measure_latency(
        lambda: time.sleep(0.01),
        LoopConfig(warmup_runs=0, warmup_seconds=0, min_runs=1, min_seconds=0.7, max_seconds=2),
        on_progress=lambda phase, runs, seconds: seen.append((phase, runs, seconds)),
    )
    assert seen and seen[0][0] == "measure" and seen[0][1] > 10


def test_a_loop_of_no_runs_gives_the_first_inference_only_and_reads_nothing():
    """What a reference run asks for: outputs, no timings."""
    calls = []
    config = LoopConfig(warmup_runs=0, warmup_seconds=0, min_runs=0, min_seconds=0, max_seconds=5)
    result = measure_latency(lambda: calls.append("invoke"), config)
    assert result.samples_ms == () and result.warmup_ms == () and calls == ["invoke"]
    assert readback_plan(config) == (0, 0.0)
    assert measure_readback(lambda: calls.append("invoke"), lambda: calls.append("read"), config) == ()
    assert calls == ["invoke"]
    assert readback_plan(LoopConfig(min_runs=1)) == (3, 7.5)  # any measured loop still reads three times
