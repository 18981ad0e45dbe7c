"""The browser device against two yardsticks, in headless Chromium on this machine.

- **Harness overhead**: the bench page's timing loop against a bare loop of the same calls in the same
  page (``bareLoop`` / ``harnessLoop`` of ``page/bench.js``), per timed inference, on a model that does
  next to nothing, so the loop is all there is to see. Bound: 0.05 ms.
- **Fidelity against the apps**: the browser delegate's p50 against the latency the scaffolded web app's
  own parity spec prints (``EDGEKIT_LATENCY``) for the same model, backend and thread count, measured
  alternately in this one run. pose-landmark-full runs in the ``bodypix-web`` app bound to its
  segmentation output: the ``pose-web`` app runs BlazePose landmark models in two stages (person
  detector, crop, landmarks), so its latency is a pipeline's, not the model's. Bound: within 10%.
  Both sides run WebAssembly with the app's threads (two for tfjs-tflite, the core count for TF.js)
  in alternating order; on a shared machine other jobs move both, so run it on a quiet one.

pytest-benchmark times one harness phase and one bench call; the figures it cannot time (in-page
overhead, the app's latency and the ratio) are in ``extra_info``.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import numpy as np
import pytest

from edgekit import delegates
from edgekit.bench.run import bench
from edgekit.browser.session import BrowserSession
from edgekit.model.model import Model
from edgekit.scaffold.binding import BindOptions
from edgekit.scaffold.project import scaffold
from tests import tflite_builder
from tests.browser.graph_models import unary_model
from tests.scaffold.webproject import run_web_project, web_tools_missing

#: Inferences per loop in the overhead comparison, and how many times the two loops alternate.
OVERHEAD_N = 3000
OVERHEAD_ROUNDS = 7
OVERHEAD_BOUND_MS = 0.05
FIDELITY_ROUNDS = 5
APP_RUNS = 30


def _require(delegate: str) -> None:
    availability = delegates.get(delegate).probe()
    if not availability.available:
        pytest.skip(f"{delegate} cannot run here: {availability.reason}")


def _tiny_model(delegate: str, folder: Path) -> Path:
    if delegates.get(delegate).formats == ("tflite",):  # type: ignore[attr-defined]
        return tflite_builder.add_chain(folder / "tiny.tflite", n_ops=1)
    return unary_model(folder / "tiny")


@pytest.mark.parametrize("delegate", ["tflite-wasm", "tfjs-wasm", "tfjs-webgl"])
def test_harness_overhead_per_inference(benchmark, delegate, tmp_path):
    _require(delegate)
    spec: object = delegates.get(delegate)
    model = Model.open(_tiny_model(delegate, tmp_path))
    n = OVERHEAD_N if delegate != "tfjs-webgl" else OVERHEAD_N // 10  # a GPU read-back per inference
    with BrowserSession(spec.runtime, spec.backend, precision="fp32") as session:  # type: ignore[attr-defined]
        page = session.new_page()
        page.load("m", model)
        page.set_inputs("m", {t.name: np.ones(t.shape, np.float32) for t in model.inputs})
        page.first("m")
        page.latency("m", n, 0.5, 30.0)  # warm the JIT up on both loops' calls
        page.evaluate_raw("([id, n]) => edgekitBench.bareLoop(id, n)", ["m", n])
        differences, bare = [], []
        for _ in range(OVERHEAD_ROUNDS):
            bare_ms = page.evaluate_raw("([id, n]) => edgekitBench.bareLoop(id, n)", ["m", n])
            harness_ms = page.evaluate_raw("([id, n]) => edgekitBench.harnessLoop(id, n)", ["m", n])
            differences.append((harness_ms - bare_ms) / n)
            bare.append(bare_ms / n)
        benchmark.pedantic(lambda: page.latency("m", n, 0.0, 30.0), rounds=3, iterations=1)
        timer = page.describe()["timer_resolution_ms"]
    overhead = statistics.median(differences)
    benchmark.extra_info.update({
        "delegate": delegate, "inferences_per_loop": n, "bare_ms_per_inference": statistics.median(bare),
        "overhead_ms_per_inference": overhead, "overhead_each_round_ms": differences,
        "timer_resolution_ms": timer,
    })
    print(f"\n{delegate}: bare loop {statistics.median(bare) * 1000:.1f} us per inference, harness adds "
          f"{overhead * 1000:.2f} us (rounds: {', '.join(f'{d * 1000:.2f}' for d in differences)}); "
          f"performance.now() resolution {timer * 1000:.0f} us")
    assert overhead <= OVERHEAD_BOUND_MS


#: (app, zoo model, browser delegate, the delegate's thread count the app uses, scaffold options)
FIDELITY = [
    ("bodypix-web", "pose-landmark-full", "tflite-wasm", 2,
     BindOptions(normalize=(0.0, 1.0), output="Identity_2")),
    ("pose-web", "movenet-lightning-tfjs", "tfjs-wasm", os.cpu_count() or 1, None),
]


@pytest.mark.parametrize("case", FIDELITY, ids=lambda case: f"{case[1]}:{case[2]}")
def test_browser_delegate_agrees_with_the_apps_own_latency(benchmark, case, zoo_model, tmp_path,
                                                           monkeypatch, request: pytest.FixtureRequest):
    reason = web_tools_missing()
    if reason:
        pytest.skip(reason)
    app, name, delegate, threads, options = case
    _require(delegate)
    if name == "movenet-lightning-tfjs":
        request.getfixturevalue("tfjs_environment")  # the scaffold's golden vectors of a graph model
    path = zoo_model(name)
    project = tmp_path / "project"
    scaffold(app, path, project, options=options)
    monkeypatch.setenv("EDGEKIT_RUNS", str(APP_RUNS))
    run_web_project(project, projects=("wasm",))  # install, build and a first parity run (warms caches)
    app_medians, bench_medians = [], []

    def one_bench() -> float:
        result = bench(path, delegates=[delegate], threads=[threads], runs=APP_RUNS, min_seconds=0.0,
                       warmup_runs=1, warmup_seconds=0.0, accuracy=False)
        run = result.runs[0]
        assert run.status == "ok", run.reason
        return float(run.latency.p50)

    def one_app() -> float:
        completed = run_web_project(project, install=False, build=False, projects=("wasm",))
        return float(completed.latency("wasm")["median_ms"])

    bench_medians.append(benchmark.pedantic(one_bench, rounds=1, iterations=1))
    app_medians.append(one_app())
    for round_ in range(1, FIDELITY_ROUNDS):  # alternating ABBA..., so a drift of this machine hits both
        if round_ % 2:
            app_medians.append(one_app())
            bench_medians.append(one_bench())
        else:
            bench_medians.append(one_bench())
            app_medians.append(one_app())
    app_p50, bench_p50 = statistics.median(app_medians), statistics.median(bench_medians)
    ratio = bench_p50 / app_p50
    benchmark.extra_info.update({
        "app": app, "model": name, "delegate": delegate, "threads": threads, "app_medians_ms": app_medians,
        "bench_p50s_ms": bench_medians, "app_p50_ms": app_p50, "bench_p50_ms": bench_p50, "ratio": ratio,
    })
    print(f"\n{name} on {delegate} x{threads}: bench p50 {bench_p50:.2f} ms, {app} parity spec "
          f"{app_p50:.2f} ms, ratio {ratio:.3f} (rounds: bench {bench_medians}, app {app_medians})")
    assert 0.9 <= ratio <= 1.1
