"""The `host` device: each run in a fresh worker process with a hard timeout.

The parent never loads the model itself. A worker that dies by a signal is recorded as `crashed`
(with the signal's name), one that outlives its timeout is killed with its whole process group and
recorded as `timeout`; either way the next run starts clean.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.devices.host_worker import EVENT_PREFIX
from edgekit.measure.loop import LoopConfig
from edgekit.measure.stats import LatencyStats
from edgekit.results.bench_result import RunResult

__all__ = ["RunSpec", "HostDevice", "describe_exit", "run_worker"]

EventCallback = Callable[[dict], None]
_STDERR_TAIL_LINES = 40


@dataclass(frozen=True)
class RunSpec:
    """What to run: one delegate at one thread count on one device."""

    delegate: str
    threads: int
    device: str = "host"
    precision: str | None = None
    #: The signature to run; None for the model's first.
    signature: str | None = None
    #: Extra environment for the worker (e.g. which Vulkan driver the GPU delegate should load).
    worker_env: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.delegate} {self.precision}" if self.precision else f"{self.delegate} x{self.threads}"


class HostDevice:
    """Runs models on this machine through LiteRT in isolated worker processes."""

    name = "host"
    #: The module each run's worker process executes (``python -m MODULE WORKDIR``).
    worker_module = "edgekit.devices.host_worker"

    def run(
        self,
        model_path: str | os.PathLike,
        spec: RunSpec,
        inputs: dict[str, np.ndarray],
        loop: LoopConfig,
        timeout_s: float,
        on_event: EventCallback | None = None,
        delegate_modules: tuple[str, ...] = (),
        extra_inputs: Sequence[dict[str, np.ndarray]] = (),
        stop: threading.Event | None = None,
    ) -> RunResult:
        """One run in a fresh worker; always returns a RunResult, whatever the worker did.

        INPUTS are timed; after timing, each of EXTRA_INPUTS is run once for its outputs
        (``RunResult.extra_outputs``), so accuracy can be judged on more than one input.
        Setting STOP (from another thread) kills the worker and raises KeyboardInterrupt here, as
        Ctrl-C does: so workers that run side by side all stop when one is interrupted.
        """
        with tempfile.TemporaryDirectory(prefix="edgekit-run-") as tmp:
            workdir = Path(tmp)
            request = {
                "model_path": str(Path(model_path).resolve()),
                "delegate": spec.delegate,
                "threads": spec.threads,
                "precision": spec.precision,
                "signature": spec.signature,
                "loop": loop.to_dict(),
                "delegate_modules": list(delegate_modules),
                "extra_sets": len(extra_inputs),
            }
            (workdir / "request.json").write_text(json.dumps(request), encoding="utf-8")
            _savez(workdir / "inputs.npz", inputs)
            if extra_inputs:
                _savez(
                    workdir / "sets.npz",
                    {
                        f"{k}/{name}": value
                        for k, arrays in enumerate(extra_inputs)
                        for name, value in arrays.items()
                    },
                )
            returncode, stderr_tail = _run_worker(
                workdir,
                timeout_s,
                on_event or (lambda event: None),
                _import_roots(delegate_modules),
                dict(spec.worker_env),
                self.worker_module,
                stop,
            )
            return self.explain(_collect(workdir, spec, returncode, stderr_tail, timeout_s), workdir)

    def explain(self, result: RunResult, workdir: Path) -> RunResult:
        """A device's last word on a finished run, while its work folder still exists (the host's: none)."""
        return result


def run_worker(
    module: str,
    workdir: Path,
    timeout_s: float,
    on_event: EventCallback | None = None,
    delegate_modules: tuple[str, ...] = (),
    worker_env: Mapping[str, str] | None = None,
) -> tuple[int | None, str]:
    """Run ``python -m MODULE WORKDIR`` as an isolated worker (another job than one bench run).

    Same isolation as :meth:`HostDevice.run`: own process group, hard timeout, events streamed.
    Returns the exit code (None: killed at the timeout) and the tail of its stderr.
    """
    return _run_worker(workdir, timeout_s, on_event or (lambda event: None), _import_roots(delegate_modules),
                       dict(worker_env or {}), module)


def _run_worker(
    workdir: Path,
    timeout_s: float,
    on_event: EventCallback,
    import_roots: list[str],
    extra_env: dict[str, str],
    module: str = "edgekit.devices.host_worker",
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
        _kill_group(process)
        returncode = None
    except BaseException:  # Ctrl-C: never leave a worker behind
        _kill_group(process)
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


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()


def _collect(
    workdir: Path, spec: RunSpec, returncode: int | None, stderr_tail: str, timeout_s: float
) -> RunResult:
    base: dict[str, Any] = {
        "delegate": spec.delegate,
        "device": spec.device,
        "threads": spec.threads,
        "precision": spec.precision,
    }
    if returncode is None:
        return RunResult(**base, status="timeout", reason=f"worker killed after {timeout_s:g} s timeout")
    if returncode < 0:
        name = _signal_name(-returncode)
        hint = _last_line(stderr_tail)
        reason = f"worker killed by {name}" + (f"; last output: {hint}" if hint else "")
        return RunResult(**base, status="crashed", reason=reason)
    result_file = workdir / "result.json"
    if not result_file.is_file():
        hint = _last_line(stderr_tail) or "no output"
        return RunResult(**base, status="error", reason=f"worker exited with code {returncode}: {hint}")
    data = json.loads(result_file.read_text(encoding="utf-8"))
    if data["status"] != "ok":
        return RunResult(**base, status=data["status"], reason=data["reason"])
    outputs = _read_arrays(workdir / "outputs.npz")
    extra = _read_arrays(workdir / "set_outputs.npz") if (workdir / "set_outputs.npz").is_file() else {}
    return RunResult(
        extra_outputs=_split_sets(extra),
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


def _savez(path: Path, arrays: Mapping[str, Any]) -> None:
    # Values typed Any: numpy's stub checks **kwds against savez's own allow_pickle: bool.
    np.savez(path, **arrays)


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _split_sets(arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], ...]:
    """``{"0/a": x, "1/a": y}`` -> ``({"a": x}, {"a": y})``."""
    sets: dict[int, dict[str, np.ndarray]] = {}
    for key, value in arrays.items():
        index, _, name = key.partition("/")
        sets.setdefault(int(index), {})[name] = value
    return tuple(sets[k] for k in sorted(sets))


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
