"""The browser device, for real: headless Chromium runs, measures, records what ran, and is judged.

Every test here starts the system Chromium (slow). Failures are real too: a backend without an op's
kernel, an equation TF.js refuses, a renderer killed mid-run, a run past its timeout; the runs
after each go on.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from edgekit import delegates
from edgekit.bench.events import BenchListener
from edgekit.bench.run import bench
from edgekit.results.bench_result import BenchResult
from tests.browser.graph_models import einsum_model

pytestmark = pytest.mark.slow

QUICK = dict(runs=10, min_seconds=0.2, max_seconds=10.0, warmup_runs=1, warmup_seconds=0.0)


@pytest.fixture(autouse=True)
def browser_available():
    availability = delegates.get("tflite-wasm").probe()
    if not availability.available:
        pytest.skip(f"the browser delegates cannot run here: {availability.reason}")


def test_tflite_wasm_measures_records_what_ran_and_is_judged(zoo_model, tmp_path):
    result = bench(zoo_model("pose-landmark-lite"), delegates=["tflite-wasm"], **QUICK)
    (run,) = result.runs
    assert run.status == "ok", run.reason
    assert run.device == "browser" and run.asynchronous is False
    assert run.latency is not None and run.latency.count >= 10 and run.latency.p50 > 1.0
    assert run.readback is not None and run.throughput is None  # synchronous: throughput is its latency
    assert run.first_ms is not None and run.init_ms is not None
    info = run.runtime
    assert info["browser"].startswith("Chromium ") and info["browser_path"]
    assert info["cross_origin_isolated"] is True and info["timer_resolution_ms"] <= 0.1
    assert info["backend"] == "wasm" and info["wasm_simd"] is True and info["wasm_threads"] == 1
    assert info["runtime_packages"]["@tensorflow/tfjs-tflite"] == "0.0.1-alpha.10"
    assert info["main_thread_cpu_ms_per_inference"] > 0
    assert result.reference is not None and result.reference["label"].startswith("cpu-ref")
    assert run.accuracy is not None and run.accuracy.verdict == "pass" and run.accuracy.precision == "fp32"
    assert len(run.extra_outputs) == len(result.extra_inputs) > 0  # every realistic scene was judged
    path = tmp_path / "result.json"
    result.save(path)
    loaded = BenchResult.load(path)
    assert loaded.runs[0].latency.samples_ms == run.latency.samples_ms  # raw samples in the sidecar
    assert loaded.runs[0].runtime["browser"] == info["browser"]


def test_two_threads_run_the_threaded_webassembly_build(zoo_model):
    result = bench(zoo_model("pose-landmark-lite"), delegates=["tflite-wasm"], threads=[2], accuracy=False,
                   **QUICK)
    (run,) = result.runs
    assert run.status == "ok", run.reason
    assert run.runtime["wasm_threads"] == 2 and "threaded" in run.runtime["wasm_file"]


def test_graph_model_on_wasm_and_webgl_is_judged_against_tensorflow(zoo_model):
    result = bench(zoo_model("movenet-lightning-tfjs"), delegates=["tfjs-wasm", "tfjs-webgl"],
                   runs=3, min_seconds=0.0, max_seconds=8.0, warmup_runs=1, warmup_seconds=0.0)
    wasm, webgl = result.runs
    assert result.reference["label"] == "tf-ref on the same file"
    assert wasm.status == "ok" and webgl.status == "ok", (wasm.reason, webgl.reason)
    assert wasm.accuracy.verdict == "pass" and wasm.accuracy.precision == "fp32"
    assert wasm.runtime["versions"]["tfjs"] == "4.22.0"
    assert webgl.precision == "fp16" and webgl.accuracy.precision == "fp16"
    assert webgl.accuracy.decisions  # the verdict names the metric that decided it
    assert webgl.asynchronous is True and webgl.throughput is not None and webgl.readback is not None
    assert webgl.runtime["float32_textures"] is False
    if "SwiftShader" in webgl.runtime["adapter"]:
        assert webgl.runtime["software"] is True


def test_webgpu_runs_and_names_its_adapter(tmp_path):
    if not delegates.get("tfjs-webgpu").probe().available:
        pytest.skip(delegates.get("tfjs-webgpu").probe().reason)
    model = einsum_model(tmp_path / "einsum")
    result = bench(model, delegates=["tfjs-webgpu"], gpu_precision=["fp32"], runs=2, min_seconds=0.0,
                   max_seconds=5.0, warmup_runs=0, warmup_seconds=0.0, timeout=300)
    (run,) = result.runs
    assert run.status == "ok", run.reason
    assert run.runtime["backend"] == "webgpu" and run.runtime["adapter"]
    assert run.accuracy is not None and run.accuracy.verdict == "pass"


def test_page_errors_end_their_run_and_the_others_go_on(tmp_path):
    plain = einsum_model(tmp_path / "plain")
    result = bench(plain, delegates=["tfjs-wasm", "tf-ref"], **QUICK)
    missing_kernel, reference = result.runs
    assert missing_kernel.status == "unsupported"
    assert "Kernel 'Einsum' not registered for backend 'wasm'" in missing_kernel.reason
    assert "console" in missing_kernel.reason
    assert reference.status == "ok"

    ellipsis = einsum_model(tmp_path / "ellipsis", "...j,kj->...k")
    result = bench(ellipsis, delegates=["tfjs-webgl", "tf-ref"], **QUICK)
    failed, reference = result.runs
    assert failed.status == "error" and "ellipsis" in failed.reason and "console" in failed.reason
    assert reference.status == "ok"


def _descendants(pid: int) -> list[int]:
    """Every process below PID (by the parent links in /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _renderers() -> list[int]:
    pids = []
    for pid in _descendants(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"--type=renderer" in command and b"--extension-process" not in command:
            pids.append(pid)
    return pids


class _KillRendererWhenMeasuring(BenchListener):
    """Kills this bench's Chromium renderers once the first run reaches its first inference."""

    def __init__(self) -> None:
        self.killed: list[int] = []

    def on_run_event(self, spec, event: dict) -> None:
        if spec.delegate == "tflite-wasm" and event.get("phase") == "first" and not self.killed:
            threading.Thread(target=self._kill, daemon=True).start()

    def _kill(self) -> None:
        time.sleep(3.0)
        for pid in _renderers():
            os.kill(pid, signal.SIGKILL)
            self.killed.append(pid)


def test_a_renderer_crash_is_crashed_with_the_console_and_the_next_run_completes(zoo_model):
    listener = _KillRendererWhenMeasuring()
    result = bench(zoo_model("pose-landmark-full"), delegates=["tflite-wasm", "cpu"], accuracy=False,
                   runs=10_000, min_seconds=30.0, max_seconds=30.0, warmup_runs=1, warmup_seconds=0.0,
                   listeners=[listener])
    crashed, ok = result.runs
    assert listener.killed, "no renderer process was found to kill"
    assert crashed.status == "crashed", crashed.reason
    assert "console" in crashed.reason
    assert ok.status == "ok"


def test_a_run_past_its_timeout_is_killed_with_its_browser_and_the_next_run_starts_clean(zoo_model):
    model = zoo_model("pose-landmark-full")
    result = bench(model, delegates=["tflite-wasm"], accuracy=False, runs=10_000, min_seconds=120.0,
                   max_seconds=120.0, warmup_runs=1, warmup_seconds=0.0, timeout=25)
    (hung,) = result.runs
    assert hung.status == "timeout" and "25 s timeout" in hung.reason
    assert "console" in hung.reason
    time.sleep(1.0)
    assert not _renderers(), "the killed run left Chromium renderers behind"
    (again,) = bench(model, delegates=["tflite-wasm"], accuracy=False, **QUICK).runs
    assert again.status == "ok", again.reason
