"""The worker process of the browser device: one bench run (or one gate round) in headless Chromium.

Started as ``python -m edgekit.devices.browser_worker WORKDIR`` by
:class:`edgekit.devices.browser.BrowserDevice`
(or by the gate's browser rounds: a request of kind ``pair``); reads the
:class:`~edgekit.devices.request.WorkerRequest` and the input sets there and writes
``result.json`` and ``outputs.npz`` in the host worker's format, so both devices' runs are
collected by the same code. Progress goes to stdout as the host worker's events; every console
line of the page goes to ``console.log`` as it arrives, so a run killed at its timeout still
shows them. The timing loops run inside the page (``page/bench.js``); this process only starts
them phase by phase, with the host's budgets (``edgekit.measure.loop``).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

from edgekit.devices.host_worker import classify_open_error, emit, read_request, serve
from edgekit.devices.request import OUTPUTS_FILE, WorkerRequest
from edgekit.errors import EdgekitError
from edgekit.files.array_sets import pack_sets

CONSOLE_FILE = "console.log"
#: What "latency" means for each kind of page run, for the record.
_SYNC_NOTE = {
    True: "one inference to completion: run, then await data() of the smallest output (waits for the GPU)",
    False: "one inference to completion (the backend computes synchronously)",
}


def run(workdir: Path) -> dict[str, Any]:
    """One bench run: load, first, warm-up, measured loop, throughput, readback, outputs."""
    from edgekit.browser.session import BrowserCrashed, PageError

    request, delegate, sets = read_request(workdir)
    with open(workdir / CONSOLE_FILE, "a", encoding="utf-8") as console:
        try:
            return _measure(workdir, request, delegate, sets, console)
        except BrowserCrashed as exc:
            return {"status": "crashed", "reason": exc.describe()}
        except PageError as exc:
            return {"status": page_error_status(exc), "reason": exc.describe()}
        except EdgekitError as exc:  # Chromium or Playwright missing, a runtime file that did not verify
            return {"status": "error", "reason": str(exc)}


def page_error_status(exc: Any) -> str:
    """`unsupported` when the runtime says it lacks an op (the page's error or its console), else `error`."""
    text = " ".join([exc.message, *exc.console])
    if "not registered for backend" in text:  # TF.js: this backend has no kernel for an op
        return "unsupported"
    return classify_open_error(text)


def _session(request: WorkerRequest, delegate: Any, console: Any) -> Any:
    from edgekit.browser.session import BrowserSession, console_writer

    return BrowserSession(delegate.runtime, delegate.backend, threads=request.threads,
                          precision=request.precision, on_console=console_writer(console))


def _open_model(request: WorkerRequest, path: str) -> Any:
    from edgekit.model.model import Model

    model = Model.open(path)
    if request.signature:
        model = model.select_signature(request.signature)
    return model


def _measure(workdir: Path, request: WorkerRequest, delegate: Any, sets: tuple[dict[str, Any], ...],
             console: Any) -> dict[str, Any]:
    from edgekit.measure.loop import THROUGHPUT_BATCH, readback_plan, throughput_plan

    model = _open_model(request, request.model_path)
    loop = request.loop
    emit("phase", phase="start")
    with _session(request, delegate, console) as session:
        page = session.new_page()
        emit("phase", phase="load")
        start = time.perf_counter()
        loaded = page.load("model", model)
        page.set_inputs("model", sets[0])
        init_ms = (time.perf_counter() - start) * 1000
        emit("phase", phase="loaded", init_ms=init_ms)
        emit("phase", phase="first")
        first_ms = page.first("model")
        warmup = page.latency("model", loop.warmup_runs, loop.warmup_seconds, loop.max_seconds)
        emit("progress", phase="warmup", runs=len(warmup), seconds=round(sum(warmup) / 1000, 3))
        cpu_before = page.thread_cpu_ms()
        samples = page.latency("model", loop.min_runs, loop.min_seconds, loop.max_seconds)
        thread_cpu_ms = (page.thread_cpu_ms() - cpu_before) / max(1, len(samples))
        emit("progress", phase="measure", runs=len(samples), seconds=round(sum(samples) / 1000, 3))
        throughput: list[float] = []
        if loaded.asynchronous:
            plan = throughput_plan(loop)
            throughput = page.throughput("model", THROUGHPUT_BATCH, plan.min_runs, plan.min_seconds,
                                         plan.max_seconds)
            emit("progress", phase="throughput", runs=len(throughput),
                 seconds=round(sum(throughput) * THROUGHPUT_BATCH / 1000, 3))
        reads, read_seconds = readback_plan(loop)
        readback = page.readback("model", reads, read_seconds)
        outputs = [page.outputs("model")]
        for values in sets[1:]:  # each extra set once, untimed: accuracy on several inputs
            page.set_inputs("model", values)
            outputs.append(page.outputs("model"))
        pack_sets(workdir / OUTPUTS_FILE, outputs)
        info = {**session.facts(), **page.describe(), "main_thread_cpu_ms_per_inference": thread_cpu_ms}
    return {
        "status": "ok",
        "reason": "",
        "init_ms": init_ms,
        "first_ms": first_ms,
        "warmup_ms": warmup,
        "samples_ms": samples,
        "throughput_samples_ms": throughput,
        "readback_samples_ms": readback,
        "asynchronous": bool(loaded.asynchronous),
        "memory": {},
        "runtime": _runtime_record(delegate, request, info, loaded),
    }


def _runtime_record(delegate: Any, request: WorkerRequest, info: dict[str, Any],
                    loaded: Any) -> dict[str, Any]:
    """What ran, in the keys reports read (``runtime``, ``kernels``, ``adapter``, ``software``) and more."""
    package = info.get("runtime_package", "")
    record = {
        "runtime": f"{package} {info.get('runtime_packages', {}).get(package, '')} in "
                   f"{info.get('browser', 'Chromium')}",
        "kernels": _kernels(delegate, info),
        "backend": info.get("backend"),
        "precision_requested": request.precision,
        "latency_is": _SYNC_NOTE[bool(loaded.asynchronous)],
        "execution": loaded.mode,
        "timer": f"performance.now() in the page, resolution {info.get('timer_resolution_ms', 0):.3g} ms",
        **{key: value for key, value in info.items() if key not in ("backend",)},
    }
    return record


def _kernels(delegate: Any, info: dict[str, Any]) -> str:
    """One line for reports: where and how it ran."""
    browser = info.get("browser", "Chromium")
    if info.get("backend") == "wasm":
        simd = "SIMD" if info.get("wasm_simd") else "no SIMD"
        threads = info.get("wasm_threads")
        plural = "s" if threads != 1 else ""
        return f"{browser}, WebAssembly ({info.get('runtime_package')}), {threads} thread{plural}, {simd}"
    adapter = info.get("adapter", "unknown adapter")
    kind = "software" if info.get("software") else "hardware"
    return f"{browser}, {info.get('backend')} on {adapter} ({kind})"


def pair(workdir: Path) -> dict[str, Any]:
    """One gate round: baseline and candidate loaded in one page, timed in ABBA order.

    Each of the four runs warms up and measures with the request's loop; its median is what the
    round reports (the gate's statistics work on medians).
    """
    from edgekit.browser.session import BrowserCrashed, PageError

    request, delegate, sets = read_request(workdir)
    with open(workdir / CONSOLE_FILE, "a", encoding="utf-8") as console:
        try:
            return _pair(request, delegate, sets, console)
        except BrowserCrashed as exc:
            return {"status": "crashed", "reason": exc.describe()}
        except PageError as exc:
            return {"status": page_error_status(exc), "reason": exc.describe()}


def _pair(request: WorkerRequest, delegate: Any, sets: tuple[dict[str, Any], ...],
          console: Any) -> dict[str, Any]:
    """The request's models are (baseline, candidate); SETS holds each one's inputs, in that order."""
    loop = request.loop
    with _session(request, delegate, console) as session:
        page = session.new_page()
        for name, path, inputs in zip(("baseline", "candidate"), request.models, sets, strict=True):
            page.load(name, _open_model(request, path))
            page.set_inputs(name, inputs)
            page.first(name)
        on_main_thread = session.backend == "wasm" and session.threads == 1
        figures, wall, counts = [], [], []
        for name in ("baseline", "candidate", "candidate", "baseline"):
            page.latency(name, loop.warmup_runs, loop.warmup_seconds, loop.max_seconds)
            before = page.thread_cpu_ms()
            samples = page.latency(name, loop.min_runs, loop.min_seconds, loop.max_seconds)
            cpu_ms = (page.thread_cpu_ms() - before) / len(samples)
            wall.append(statistics.median(samples))
            figures.append(cpu_ms if on_main_thread else wall[-1])
            counts.append(len(samples))
    timer = ("CPU time of the page's main thread per inference (the model runs there)" if on_main_thread
             else "median wall time per inference (performance.now in the page)")
    return {"status": "ok", "reason": "", "medians_ms": figures, "wall_medians_ms": wall, "counts": counts,
            "timer": timer}


def main(argv: list[str]) -> int:
    def run_request(workdir: Path) -> dict[str, Any]:
        return (pair if WorkerRequest.read(workdir).kind == "pair" else run)(workdir)

    return serve(run_request, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
