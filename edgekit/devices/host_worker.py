"""The worker process of the host device: one run, then exit.

Started as `python -m edgekit.devices.host_worker WORKDIR`. Reads the
:class:`~edgekit.devices.request.WorkerRequest` (`request.json`) and the input sets (`inputs.npz`:
the first timed, the others run once each) from WORKDIR, writes `result.json` and the outputs of
every set (`outputs.npz`) there, and reports progress as JSON lines on stdout prefixed with
EVENT_PREFIX. Anything it cannot handle becomes an `error` result; a native crash or hang is the
parent's to record.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edgekit.runners import Runner

from edgekit.devices.request import INPUTS_FILE, OUTPUTS_FILE, RESULT_FILE, WorkerRequest
from edgekit.files import atomic
from edgekit.files.array_sets import pack_sets, unpack_sets

EVENT_PREFIX = "@edgekit-event "


def emit(event: str, **fields: object) -> None:
    print(EVENT_PREFIX + json.dumps({"event": event, **fields}), flush=True)


def classify_open_error(message: str) -> str:
    """`unsupported` when the runtime says an op has no kernel here, else `error`."""
    lowered = message.lower()
    if "unresolved custom op" in lowered or "didn't find op for builtin opcode" in lowered:
        return "unsupported"
    return "error"


def read_request(workdir: Path) -> tuple[WorkerRequest, Any, tuple[dict[str, Any], ...]]:
    """A worker's request, the delegate it names (its modules imported first, so a delegate
    registered outside edgekit is found) and its input sets."""
    from edgekit import delegates

    request = WorkerRequest.read(workdir)
    for module in request.delegate_modules:
        importlib.import_module(module)
    return request, delegates.get(request.delegate), unpack_sets(workdir / INPUTS_FILE)


def run(workdir: Path) -> dict:
    from edgekit.measure.loop import measure_latency, measure_readback, measure_throughput
    from edgekit.measure.memory import current_rss_bytes, peak_rss_bytes

    request, delegate, sets = read_request(workdir)
    inputs = sets[0]

    memory = {"rss_before_load_bytes": current_rss_bytes(), "peak_rss_before_load_bytes": peak_rss_bytes()}
    emit("phase", phase="load")
    start = time.perf_counter_ns()
    try:
        runner = delegate.open(request.model_path, request.options)
    except Exception as exc:  # runtime errors arrive as ValueError/RuntimeError with native text
        message = " ".join(str(exc).split())
        return {"status": classify_open_error(message), "reason": message}
    init_ms = (time.perf_counter_ns() - start) / 1e6
    memory["peak_rss_after_load_bytes"] = peak_rss_bytes()
    emit("phase", phase="loaded", init_ms=init_ms)

    try:
        runner.set_inputs(inputs)
    except Exception as exc:
        return {"status": "error", "reason": f"setting inputs failed: {' '.join(str(exc).split())}"}

    def progress(phase: str, runs: int, seconds: float) -> None:
        emit("progress", phase=phase, runs=runs, seconds=round(seconds, 3))

    emit("phase", phase="first")
    loop = request.loop
    try:
        measured = measure_latency(runner.invoke, loop, progress)
        # A synchronous runtime's back-to-back throughput is its latency: not measured twice.
        throughput = (
            measure_throughput(runner.dispatch, runner.wait, loop, progress) if runner.asynchronous else ()
        )
        readback = measure_readback(runner.invoke, runner.read_outputs, loop)
    except Exception as exc:
        return {"status": "error", "reason": f"inference failed: {' '.join(str(exc).split())}"}
    memory["peak_rss_after_run_bytes"] = peak_rss_bytes()
    memory["rss_after_run_bytes"] = current_rss_bytes()

    outputs = [runner.outputs()]
    try:
        outputs += _run_extra_sets(runner, sets[1:])
    except Exception as exc:
        return {
            "status": "error",
            "reason": f"inference on the extra input sets failed: {' '.join(str(exc).split())}",
        }
    pack_sets(workdir / OUTPUTS_FILE, outputs)
    info = runner.info()
    runner.close()
    return {
        "status": "ok",
        "reason": "",
        "init_ms": init_ms,
        "first_ms": measured.first_ms,
        "warmup_ms": list(measured.warmup_ms),
        "samples_ms": list(measured.samples_ms),
        "throughput_samples_ms": list(throughput),
        "readback_samples_ms": list(readback),
        "asynchronous": bool(runner.asynchronous),
        "memory": memory,
        "runtime": info,
    }


def _run_extra_sets(runner: Runner, sets: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each extra input set once, untimed; their outputs (for accuracy on several inputs)."""
    outputs = []
    for inputs in sets:
        runner.set_inputs(inputs)
        runner.invoke()
        outputs.append(runner.outputs())
    return outputs


def serve(run_request: Callable[[Path], dict[str, Any]], argv: list[str]) -> int:
    """Run the request in the work folder ARGV[1]; any failure becomes an ``error`` result there."""
    workdir = Path(argv[1])
    try:
        result = run_request(workdir)
    except Exception as exc:
        result = {
            "status": "error",
            "reason": f"worker failed: {type(exc).__name__}: {' '.join(str(exc).split())}",
            "traceback": traceback.format_exc(),
        }
    atomic.write_text(workdir / RESULT_FILE, json.dumps(result))
    return 0


def main(argv: list[str]) -> int:
    return serve(run, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
