"""The `browser` device: each run in headless Chromium, driven by a fresh worker process.

Same isolation as the host device (a worker per run, its own process group, a hard timeout, the
parent survives anything), same request and result files, same events. The worker
(``edgekit.devices.browser_worker``) starts the system Chromium and the bench page; the timing loops run
in the page. What this class adds: the pinned runtime is fetched here first (npm's progress and
failures belong to the bench, not to a worker's stderr), and a run that ended badly carries the
last lines of the page's console in its reason.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.devices.host import EventCallback, HostDevice
from edgekit.devices.request import WorkerRequest
from edgekit.errors import EdgekitError, ToolMissing
from edgekit.measure.loop import LoopConfig
from edgekit.results.bench_result import RunResult

__all__ = ["BrowserDevice", "console_tail"]

_TAIL_LINES = 5


class BrowserDevice(HostDevice):
    """Runs models in headless Chromium (the runtime and backend come from the delegate)."""

    name = "browser"
    worker_module = "edgekit.devices.browser_worker"

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
        """One run in a fresh worker; the runtime files are fetched (once, cached) before it starts."""
        from edgekit import delegates
        from edgekit.browser.runtimes import runtime_files

        delegate: Any = delegates.get(spec.delegate)  # a BrowserDelegate: it names its runtime and backend
        try:
            runtime_files(delegate.runtime, delegate.backend)
        except ToolMissing as exc:
            return _verdict(spec, "unavailable", str(exc))
        except EdgekitError as exc:
            return _verdict(spec, "error", f"the browser runtime could not be prepared: {exc}")
        return super().run(model_path, spec, inputs, loop, timeout_s, on_event, delegate_modules,
                           extra_inputs, stop)

    def explain(self, result: RunResult, workdir: Path) -> RunResult:
        """A run that timed out or whose worker died gets the page console's last lines."""
        if result.status in ("timeout", "crashed", "error") and "console" not in result.reason:
            tail = console_tail(workdir)
            result.reason += (f"; the console's last lines: {tail}" if tail
                              else "; the page's console was empty")
        return result


def console_tail(workdir: Path, lines: int = _TAIL_LINES) -> str:
    """The last LINES lines the page logged (the worker writes them to console.log as they come)."""
    from edgekit.devices.browser_worker import CONSOLE_FILE

    path = workdir / CONSOLE_FILE
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace")
    kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(line[:300] for line in kept)


def _verdict(spec: WorkerRequest, status: str, reason: str) -> RunResult:
    return RunResult(spec.delegate, spec.device, spec.threads, status, reason, precision=spec.precision)
