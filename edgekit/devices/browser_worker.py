"""The worker process of the browser device: one bench run (or one gate round) in headless Chromium.

Started as ``python -m edgekit.devices.browser_worker WORKDIR`` by
:class:`edgekit.devices.browser.BrowserDevice`
(or by the gate's browser rounds); reads ``request.json`` and the input arrays there and writes
``result.json`` and ``outputs.npz`` in the host worker's format, so both devices' runs are
collected by the same code. Progress goes to stdout as the host worker's events; every console
line of the page goes to ``console.log`` as it arrives, so a run killed at its timeout still
shows them. The timing loops run inside the page (``page/bench.js``); this process only starts
them phase by phase, with the host's budgets (``edgekit.measure.loop``).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from edgekit.devices.host_worker import classify_open_error, emit, read_request, serve
from edgekit.errors import EdgekitError
from edgekit.files import atomic

CONSOLE_FILE = "console.log"
#: What "latency" means for each kind of page run, for the record.
_SYNC_NOTE = {
    True: "one inference to completion: run, then await data() of the smallest output (waits for the GPU)",
    False: "one inference to completion (the backend computes synchronously)",
}


def run(workdir: Path) -> dict[str, Any]:
    """One bench run: load, first, warm-up, measured loop, throughput, readback, outputs."""
    from edgekit.browser.session import BrowserCrashed, PageError

    request, delegate, inputs = read_request(workdir)
    with open(workdir / CONSOLE_FILE, "a", encoding="utf-8") as console:
        try:
            return _measure(workdir, request, delegate, inputs, console)
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


def _session(request: dict[str, Any], delegate: Any, console: Any) -> Any:
    from edgekit.browser.session import BrowserSession, console_writer

    return BrowserSession(delegate.runtime, delegate.backend, threads=request["threads"],
                          precision=request.get("precision"), on_console=console_writer(console))


def _open_model(request: dict[str, Any], key: str = "model_path") -> Any:
    from edgekit.model.model import Model

    model = Model.open(request[key])
    if request.get("signature"):
        model = model.select_signature(request["signature"])
    return model


def _measure(workdir: Path, request: dict[str, Any], delegate: Any, inputs: dict,
             console: Any) -> dict[str, Any]:
    import numpy as np

    from edgekit.measure.loop import THROUGHPUT_BATCH, LoopConfig, readback_plan, throughput_plan

    model = _open_model(request)
    loop = LoopConfig(**request["loop"])
    emit("phase", phase="start")
    with _session(request, delegate, console) as session:
        page = session.new_page()
        emit("phase", phase="load")
        start = time.perf_counter()
        loaded = page.load("model", model)
        page.set_inputs("model", inputs)
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
        atomic.write_npz(workdir / "outputs.npz", page.outputs("model"), compressed=False)
        if request.get("extra_sets"):
            _run_extra_sets(page, workdir, np)
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


def _run_extra_sets(page: Any, workdir: Path, np: Any) -> None:
    """Each extra input set once, untimed; outputs keyed ``k/name`` (accuracy on several inputs)."""
    with np.load(workdir / "sets.npz", allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    sets: dict[str, dict[str, Any]] = {}
    for key, value in arrays.items():
        index, _, name = key.partition("/")
        sets.setdefault(index, {})[name] = value
    outputs = {}
    for index, values in sets.items():
        page.set_inputs("model", values)
        outputs.update({f"{index}/{name}": value for name, value in page.outputs("model").items()})
    atomic.write_npz(workdir / "set_outputs.npz", outputs, compressed=False)


def _runtime_record(delegate: Any, request: dict[str, Any], info: dict[str, Any],
                    loaded: Any) -> dict[str, Any]:
    """What ran, in the keys reports read (``runtime``, ``kernels``, ``adapter``, ``software``) and more."""
    package = info.get("runtime_package", "")
    record = {
        "runtime": f"{package} {info.get('runtime_packages', {}).get(package, '')} in "
                   f"{info.get('browser', 'Chromium')}",
        "kernels": _kernels(delegate, info),
        "backend": info.get("backend"),
        "precision_requested": request.get("precision"),
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

    request, delegate, arrays = read_request(workdir)
    with open(workdir / CONSOLE_FILE, "a", encoding="utf-8") as console:
        try:
            return _pair(request, delegate, arrays, console)
        except BrowserCrashed as exc:
            return {"status": "crashed", "reason": exc.describe()}
        except PageError as exc:
            return {"status": page_error_status(exc), "reason": exc.describe()}


def _pair(request: dict[str, Any], delegate: Any, arrays: dict[str, Any], console: Any) -> dict[str, Any]:
    """ARRAYS holds each model's inputs as ``baseline/NAME`` and ``candidate/NAME``."""
    from edgekit.measure.loop import LoopConfig

    loop = LoopConfig(**request["loop"])
    models = {"baseline": _open_model(request, "baseline_path"),
              "candidate": _open_model(request, "model_path")}
    with _session(request, delegate, console) as session:
        page = session.new_page()
        for name, model in models.items():
            page.load(name, model)
            page.set_inputs(name, {key.split("/", 1)[1]: value for key, value in arrays.items()
                                   if key.startswith(name + "/")})
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
    workdir = Path(argv[1])
    kind = json.loads((workdir / "request.json").read_text(encoding="utf-8")).get("kind", "bench")
    return serve(pair if kind == "pair" else run, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
