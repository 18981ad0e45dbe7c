"""How long `edgekit report` takes to render a 20-run document (HTML and Markdown)."""

from __future__ import annotations

import numpy as np

from edgekit.measure.stats import LatencyStats
from edgekit.report.render import render_report
from edgekit.results.bench_result import BenchResult, RunResult


def _document(runs: int = 20, samples: int = 2000) -> BenchResult:
    """A bench document with RUNS real-shaped runs (lognormal samples, all three figures)."""
    rng = np.random.default_rng(0)
    made = []
    for index in range(runs):
        draw = lambda scale: LatencyStats.from_samples(rng.lognormal(np.log(scale), 0.2, samples))  # noqa: E731
        made.append(RunResult("cpu", "host", index + 1, "ok", latency=draw(1.0 + index), readback=draw(0.01),
                              throughput=draw(0.9 + index), asynchronous=True,
                              coverage={"total_ops": 2, "mapped_ops": 2, "unsupported": []}))
    return BenchResult(model={"path": "m.tflite", "sha256": "0" * 64, "op_histogram": {"ADD": 2}},
                       settings={"loop": {}}, inputs={}, runs=made, environment={"device": "host"})


def test_render_20_runs(benchmark):
    document = _document()
    report = benchmark(render_report, [document])
    assert report.html.count('data-plot="latency"') == 1 and len(report.html) < 2_000_000
