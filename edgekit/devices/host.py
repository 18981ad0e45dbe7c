"""The `host` device: each run in a fresh worker process with a hard timeout.

The parent never loads the model itself. A worker that dies by a signal is recorded as `crashed`
(with the signal's name), one that outlives its timeout is killed with its whole process group and
recorded as `timeout`; either way the next run starts clean.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.devices.host_worker import EVENT_PREFIX
from edgekit.devices.request import INPUTS_FILE, OUTPUTS_FILE, RESULT_FILE, WorkerRequest
from edgekit.files.array_sets import pack_sets, unpack_sets
from edgekit.files.npz_reader import ArraysRefused
from edgekit.measure.loop import LoopConfig
from edgekit.measure.stats import LatencyStats
from edgekit.results.bench_result import RunResult
from edgekit.system.tools import kill_group

__all__ = ["HostDevice", "describe_exit", "exit_status", "run_worker"]

EventCallback = Callable[[dict], None]
_STDERR_TAIL_LINES = 40

class HostDevice:
    """Runs models on this machine through LiteRT in isolated worker processes."""

    name = "host"
    #: The module each run's worker process executes (``python -m MODULE WORKDIR``).
    worker_module = "edgekit.devices.host_worker"

    def run(
        self,
        model_path: str | os.PathLike,
        spec: WorkerRequest,
        inputs: dict[str, np.ndarray],
        loop: LoopConfig,
        timeout_s: float,
        on_event: EventCallback | None = None,
        delegate_modules: tuple[str, ...] = (),
        extra_inputs: Sequence[dict[str, np.ndarray]] = (),
        stop: threading.Event | None = None,
    ) -> RunResult:
        """One run of SPEC on MODEL_PATH in a fresh worker; always a RunResult, whatever the worker did.

        INPUTS are timed; after timing, each of EXTRA_INPUTS is run once for its outputs
        (``RunResult.extra_outputs``), so accuracy can be judged on more than one input.
        Setting STOP (from another thread) kills the worker and raises KeyboardInterrupt here, as
        Ctrl-C does: so workers that run side by side all stop when one is interrupted.
        """
        request = dataclasses.replace(spec, models=(str(Path(model_path).resolve()),), loop=loop,
                                      delegate_modules=tuple(delegate_modules), kind="bench")
        with tempfile.TemporaryDirectory(prefix="edgekit-run-") as tmp:
            workdir = Path(tmp)
            pack_sets(workdir / INPUTS_FILE, [inputs, *extra_inputs])
            returncode, stderr_tail = run_worker(
                self.worker_module, workdir, request, timeout_s, on_event, stop
            )
            return self.explain(_collect(workdir, spec, returncode, stderr_tail, timeout_s), workdir)

    def explain(self, result: RunResult, workdir: Path) -> RunResult:
        """A device's last word on a finished run, while its work folder still exists (the host's: none)."""
        return result


def run_worker(
    module: str,
    workdir: Path,
    request: WorkerRequest,
    timeout_s: float,
    on_event: EventCallback | None = None,
    stop: threading.Event | None = None,
) -> tuple[int | None, str]:
    """Run ``python -m MODULE WORKDIR`` on REQUEST as an isolated worker; its input sets must already
    be in WORKDIR (:func:`edgekit.files.array_sets.pack_sets`, ``inputs.npz``).

    Own process group, hard timeout, events streamed to ON_EVENT; any result a previous worker left
    in WORKDIR is removed first. Returns the exit code (None: killed at the timeout) and the tail
    of its stderr.
    """
    request.write(workdir)
    (workdir / RESULT_FILE).unlink(missing_ok=True)
    return _run_worker(workdir, timeout_s, on_event or (lambda event: None),
                       _import_roots(request.delegate_modules), dict(request.worker_env), module, stop)


def _run_worker(
    workdir: Path,
    timeout_s: float,
    on_event: EventCallback,
    import_roots: list[str],
    extra_env: dict[str, str],
    module: str,
    stop: threading.Event | None = None,
) -> tuple[int | None, str]:
    """Start the worker, stream its events, enforce the timeout; None as returncode means killed."""
    command = [sys.executable, "-m", module, str(workdir)]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**_worker_environment(import_roots), **extra_env},
        start_new_session=True,  # its own process group, so a kill takes any children too
        text=True,
        errors="replace",
    )
    stderr_lines: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
    readers = [
        threading.Thread(target=_read_events, args=(process.stdout, on_event), daemon=True),
        threading.Thread(target=_read_tail, args=(process.stderr, stderr_lines), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        returncode: int | None = _wait(process, timeout_s, stop)
    except subprocess.TimeoutExpired:
        kill_group(process)
        returncode = None
    except BaseException:  # Ctrl-C: never leave a worker behind
        kill_group(process)
        raise
    for reader in readers:
        reader.join(timeout=5)
    return returncode, "".join(stderr_lines)


def _wait(process: subprocess.Popen, timeout_s: float, stop: threading.Event | None) -> int:
    """``process.wait(timeout_s)``; with STOP, also KeyboardInterrupt within 50 ms of STOP being set."""
    if stop is None:
        return process.wait(timeout=timeout_s)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return process.wait(timeout=min(0.05, max(0.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            if stop.is_set():
                raise KeyboardInterrupt("stopped: a worker beside this one was interrupted") from None
            if time.monotonic() >= deadline:
                raise


def _worker_environment(import_roots: list[str]) -> dict[str, str]:
    # The worker must import this very edgekit, installed or not, and any external delegate module.
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    paths = [package_root, *import_roots, env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in paths if p))
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _import_roots(modules: tuple[str, ...]) -> list[str]:
    """The sys.path entry each (already imported) module was found under."""
    roots = []
    for name in modules:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if file:
            depth = name.count(".") + (1 if Path(file).name == "__init__.py" else 0)
            roots.append(str(Path(file).resolve().parents[depth]))
    return roots


def _read_events(stream, on_event: EventCallback) -> None:
    for line in stream:
        if line.startswith(EVENT_PREFIX):
            try:
                on_event(json.loads(line[len(EVENT_PREFIX):]))
            except ValueError:
                continue


def _read_tail(stream, tail: collections.deque) -> None:
    for line in stream:
        tail.append(line)


def _collect(
    workdir: Path, spec: WorkerRequest, returncode: int | None, stderr_tail: str, timeout_s: float
) -> RunResult:
    base: dict[str, Any] = {
        "delegate": spec.delegate,
        "device": spec.device,
        "threads": spec.threads,
        "precision": spec.precision,
    }
    result_file = workdir / RESULT_FILE
    if returncode is None or returncode < 0 or not result_file.is_file():
        return RunResult(**base, status=exit_status(returncode),
                         reason=describe_exit(returncode, stderr_tail, timeout_s))
    data = json.loads(result_file.read_text(encoding="utf-8"))
    if data["status"] != "ok":
        return RunResult(**base, status=data["status"], reason=data["reason"])
    try:
        sets = unpack_sets(workdir / OUTPUTS_FILE)
    except ArraysRefused as exc:
        return RunResult(**base, status="error", reason=f"the worker's outputs were refused: {exc.reason}")
    if not sets:
        return RunResult(**base, status="error", reason="the worker wrote no outputs")
    outputs, *extra = sets
    return RunResult(
        extra_outputs=tuple(extra),
        **base,
        status="ok",
        init_ms=data["init_ms"],
        first_ms=data["first_ms"],
        latency=LatencyStats.from_samples(data["samples_ms"]) if data["samples_ms"] else None,
        throughput=LatencyStats.from_samples(data["throughput_samples_ms"])
        if data["throughput_samples_ms"]
        else None,
        readback=LatencyStats.from_samples(data["readback_samples_ms"])
        if data["readback_samples_ms"]
        else None,
        asynchronous=data["asynchronous"],
        warmup_ms=tuple(data["warmup_ms"]),
        memory=data["memory"],
        runtime=data["runtime"],
        outputs=outputs,
    )


def exit_status(returncode: int | None) -> str:
    """A run's status from how a worker that wrote no result ended: killed at the timeout (None),
    by a signal (negative), or by itself."""
    if returncode is None:
        return "timeout"
    return "crashed" if returncode < 0 else "error"


def describe_exit(returncode: int | None, stderr_tail: str, timeout_s: float) -> str:
    """Why a worker that wrote no result ended: killed at the timeout, by a signal, or its last words."""
    if returncode is None:
        return f"worker killed after {timeout_s:g} s timeout"
    hint = _last_line(stderr_tail)
    if returncode < 0:
        return f"worker killed by {_signal_name(-returncode)}" + (f"; last output: {hint}" if hint else "")
    return f"worker exited with code {returncode}: {hint or 'no output'}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
