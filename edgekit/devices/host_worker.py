"""The worker process of the host device: one run, then exit.

Started as `python -m edgekit.devices.host_worker WORKDIR`. Reads `request.json` and `inputs.npz`
from WORKDIR, writes `result.json` and `outputs.npz` there, and reports progress as JSON lines on
stdout prefixed with EVENT_PREFIX. Anything it cannot handle becomes an `error` result; a native
crash or hang is the parent's to record.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edgekit.runners import Runner

from edgekit.files import atomic

EVENT_PREFIX = "@edgekit-event "


def emit(event: str, **fields: object) -> None:
    print(EVENT_PREFIX + json.dumps({"event": event, **fields}), flush=True)


def classify_open_error(message: str) -> str:
    """`unsupported` when the runtime says an op has no kernel here, else `error`."""
    lowered = message.lower()
    if "unresolved custom op" in lowered or "didn't find op for builtin opcode" in lowered:
        return "unsupported"
    return "error"


def storable(arrays: Mapping[str, Any]) -> dict[str, Any]:
    """ARRAYS as an .npz holds them without pickles: a string tensor, which the runtime hands over as
    an object array of bytes, becomes fixed-width bytes (``S``), so the parent, which never
    unpickles, reads it back (trailing NUL bytes of an item are lost, as numpy's ``S`` drops them)."""
    import numpy as np

    plain = {}
    for name, value in arrays.items():
        array = np.asarray(value)
        if array.dtype == object:
            items = [item if isinstance(item, bytes) else str(item).encode() for item in array.flat]
            array = np.array(items, dtype=np.bytes_).reshape(array.shape)
        plain[name] = array
    return plain


def read_request(workdir: Path) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """A worker's ``request.json``, the delegate it names (its modules imported first, so a delegate
    registered outside edgekit is found) and the arrays of ``inputs.npz``, by name."""
    import numpy as np

    from edgekit import delegates

    request = json.loads((workdir / "request.json").read_text(encoding="utf-8"))
    for module in request.get("delegate_modules", []):
        importlib.import_module(module)
    delegate = delegates.get(request["delegate"])
    with np.load(workdir / "inputs.npz", allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    return request, delegate, arrays


def run(workdir: Path) -> dict:
    from edgekit.delegates.base import RunOptions
    from edgekit.measure.loop import LoopConfig, measure_latency, measure_readback, measure_throughput
    from edgekit.measure.memory import current_rss_bytes, peak_rss_bytes

    request, delegate, inputs = read_request(workdir)

    memory = {"rss_before_load_bytes": current_rss_bytes(), "peak_rss_before_load_bytes": peak_rss_bytes()}
    emit("phase", phase="load")
    start = time.perf_counter_ns()
    try:
        options = RunOptions(threads=request["threads"], precision=request.get("precision"),
                             signature=request.get("signature"))
        runner = delegate.open(request["model_path"], options)
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
    loop = LoopConfig(**request["loop"])
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

    atomic.write_npz(workdir / "outputs.npz", storable(runner.outputs()), compressed=False)
    if request.get("extra_sets"):
        try:
            _run_extra_sets(runner, workdir)
        except Exception as exc:
            return {
                "status": "error",
                "reason": f"inference on the extra input sets failed: {' '.join(str(exc).split())}",
            }
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


def _run_extra_sets(runner: Runner, workdir: Path) -> None:
    """Each extra input set once, untimed; outputs keyed ``k/name`` (for accuracy on several inputs)."""
    import numpy as np

    with np.load(workdir / "sets.npz", allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    sets: dict[str, dict[str, np.ndarray]] = {}
    for key, value in arrays.items():
        index, _, name = key.partition("/")
        sets.setdefault(index, {})[name] = value
    outputs = {}
    for index, inputs in sets.items():
        runner.set_inputs(inputs)
        runner.invoke()
        outputs.update({f"{index}/{name}": value for name, value in runner.outputs().items()})
    atomic.write_npz(workdir / "set_outputs.npz", storable(outputs), compressed=False)


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
    atomic.write_text(workdir / "result.json", json.dumps(result))
    return 0


def main(argv: list[str]) -> int:
    return serve(run, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
