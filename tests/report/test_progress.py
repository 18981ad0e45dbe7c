"""edgekit.report.progress: plain lines off a terminal (also during a long run), a live bar on one."""

from __future__ import annotations

import io

from edgekit.devices.request import WorkerRequest
from edgekit.measure.stats import LatencyStats
from edgekit.report.progress import ActivityLog, ProgressPrinter, run_fraction
from edgekit.results.bench_result import RunResult

SPEC = WorkerRequest("cpu-ref", 1)


def _drive(printer: ProgressPrinter) -> None:
    printer.on_bench_start("m.tflite", [SPEC])
    printer.on_run_start(SPEC, 1, 1)
    for seconds in (1.0, 2.0, 3.0):
        printer.on_run_event(SPEC, {"event": "progress", "phase": "measure", "runs": 3, "seconds": seconds})
    result = RunResult("cpu-ref", "host", 1, "ok", latency=LatencyStats.from_samples([250.0, 260.0]))
    printer.on_run_end(result, 1, 1)
    printer.on_bench_end(None)


def test_off_a_terminal_a_long_run_prints_plain_lines_as_it_measures():
    stream = io.StringIO()
    _drive(ProgressPrinter(stream, interval_s=0.0))
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[1/1] cpu-ref x1") and lines[0].endswith("starting worker")
    assert [line for line in lines if "measure: 3 runs" in line][-1].endswith("3.0 s")
    assert lines[-1].endswith("ok  p50 255.000 ms over 2 runs") and "\x1b" not in stream.getvalue()


def test_plain_lines_are_spaced_by_the_interval():
    stream = io.StringIO()
    _drive(ProgressPrinter(stream, interval_s=3600.0))
    assert len(stream.getvalue().splitlines()) == 2  # start and end only


def test_on_a_terminal_the_bar_runs_and_keeps_the_result_lines():
    stream = io.StringIO()
    _drive(ProgressPrinter(stream, live=True, loop=(50, 1.0, 30.0)))
    assert "ok  p50 255.000 ms over 2 runs" in stream.getvalue()


def test_time_left_follows_the_stopping_rule():
    assert run_fraction(25, 0.5, (50, 1.0, 30.0)) == 0.5
    assert run_fraction(100, 0.25, (50, 1.0, 30.0)) == 0.25  # both must hold: the lagging one counts
    assert run_fraction(3, 15.0, (50, 1.0, 30.0)) == 0.5  # the cap ends a slow run
    assert run_fraction(3, 1.0, None) == 0.0


def test_activity_log_prints_lines_off_a_terminal():
    stream = io.StringIO()
    with ActivityLog(stream) as log:
        log("fetching selfie-segmentation")
        log("verified")
    assert stream.getvalue() == "fetching selfie-segmentation\nverified\n"
