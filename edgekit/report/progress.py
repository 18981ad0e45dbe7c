"""Progress for long work: a live bar on a terminal, plain lines in a log, nothing when quiet.

``ProgressPrinter`` is a :class:`edgekit.bench.events.BenchListener` (bench, and convert's benches);
``ActivityLog`` is the ``log`` callback of zoo pulls and tools installs. On a terminal both draw
with ``rich`` (what is happening, elapsed and, for benches, time left); elsewhere (CI logs, pipes)
they print plain lines, and a run that measures for long still prints one every few seconds so a
20 s cpu-ref run is never silent. Quiet means not attaching them at all.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from edgekit.bench.events import BenchListener
from edgekit.results.bench_result import RunResult

__all__ = ["ProgressPrinter", "ActivityLog", "run_fraction"]

#: Seconds between plain progress lines while a run measures (not on a terminal).
PLAIN_INTERVAL_S = 5.0
_PHASES = {"load": "loading", "loaded": "loaded", "first": "first inference, warm-up"}


def run_fraction(runs: int, seconds: float, loop: tuple[int, float, float] | None) -> float:
    """How far a measuring run is, by the stopping rule: at least N runs and S seconds, capped."""
    if loop is None:
        return 0.0
    min_runs, min_seconds, max_seconds = loop
    needed = min(runs / min_runs if min_runs > 0 else 1.0, seconds / min_seconds if min_seconds > 0 else 1.0)
    capped = seconds / max_seconds if max_seconds > 0 else 0.0
    return max(0.0, min(1.0, max(needed, capped)))


def _console(stream: TextIO) -> Any:
    from rich.console import Console

    return Console(file=stream, stderr=stream is sys.stderr, highlight=False)


class ProgressPrinter(BenchListener):
    """Bench progress: a live bar with time left on a terminal; plain lines, every few seconds, elsewhere.

    ``loop`` (min runs, min seconds, max seconds) lets the time left include the measuring run.
    """

    def __init__(self, stream: TextIO | None = None, *, loop: tuple[int, float, float] | None = None,
                 live: bool | None = None, interval_s: float = PLAIN_INTERVAL_S) -> None:
        self._stream = stream or sys.stderr
        self._live = self._stream.isatty() if live is None else live
        self._loop = loop
        self._interval = interval_s
        self._prefix = ""
        self._last_line = 0.0
        self._progress: Any = None
        self._task: Any = None
        self._done = 0

    def on_message(self, message: str) -> None:
        self._print(message)

    def on_bench_start(self, model_path: str, plan: list) -> None:
        self._done = 0
        if self._live:
            self._start_bar(len(plan))

    def on_run_start(self, spec, position: int, total: int) -> None:
        self._prefix = f"[{position}/{total}] {spec.label:<14}"
        self._done = position - 1
        self._last_line = time.monotonic()
        self._status("starting worker", 0.0, plain=True)

    def on_run_event(self, spec, event: dict) -> None:
        if event.get("event") == "phase":
            self._status(_PHASES.get(str(event.get("phase")), str(event.get("phase"))), 0.0)
        elif event.get("event") == "progress":
            fraction = run_fraction(int(event["runs"]), float(event["seconds"]), self._loop) \
                if event.get("phase") == "measure" else 0.0
            now = time.monotonic()
            due = now - self._last_line >= self._interval
            if due:
                self._last_line = now
            text = f"{event['phase']}: {event['runs']} runs, {event['seconds']:.1f} s"
            self._status(text, fraction, plain=due)

    def on_run_end(self, result: RunResult, position: int, total: int) -> None:
        if result.status == "ok" and result.latency:
            summary = f"ok  p50 {result.latency.p50:.3f} ms over {result.latency.count} runs"
        else:
            reason = result.reason if len(result.reason) <= 90 else result.reason[:87] + "..."
            summary = f"{result.status}: {reason}"
        self._done = position
        if self._progress is not None:
            self._progress.update(self._task, completed=position)
        self._print(f"{self._prefix} {summary}")

    def on_bench_end(self, result: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop the live bar (also on errors: the CLI calls this in a ``finally``)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _start_bar(self, total: int) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.close()
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                  TextColumn("{task.completed:.1f}/{task.total:.0f} runs"),
                                  TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                                  console=_console(self._stream), transient=True)
        self._task = self._progress.add_task("bench", total=max(total, 1))
        self._progress.start()

    def _status(self, text: str, fraction: float, plain: bool = False) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=f"{self._prefix} {text}",
                                  completed=self._done + fraction)
        elif plain and not self._live:
            self._write(f"{self._prefix} {text}")

    def _print(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, markup=False)
        else:
            self._write(text)

    def _write(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()


class ActivityLog:
    """A ``log`` callback for work without a known length (zoo pulls, tools installs, scaffolds).

    On a terminal each message stays as a line and a spinner shows the current step and its elapsed
    time until :meth:`close`; elsewhere each message is one plain line. A download reports through
    :meth:`transfer`: a bar with bytes and speed on a terminal, a line every few seconds elsewhere.
    """

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self._stream = stream or sys.stderr
        self._live = self._stream.isatty() if live is None else live
        self._progress: Any = None
        self._task: Any = None
        self._transfer: Any = None
        self._transfer_task: Any = None
        self._plain_transfer: Callable[[int], None] | None = None

    def __call__(self, message: str) -> None:
        if not self._live:
            self._stream.write(message + "\n")
            self._stream.flush()
            return
        if self._progress is None:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                      console=_console(self._stream), transient=True)
            self._task = self._progress.add_task(message, total=None)
            self._progress.start()
        self._progress.console.print(message, markup=False)
        self._progress.update(self._task, description=message)

    def transfer(self, what: str, done: int, total: int) -> None:
        """Bytes fetched so far of TOTAL (0: unknown): a bar with size and speed on a terminal."""
        if not self._live:
            from edgekit.system.transfer import reporter

            if self._plain_transfer is None:  # a line every few seconds, written as any other message
                self._plain_transfer = reporter(lambda line: self(line), what, total)
            self._plain_transfer(done)
            if total and done >= total:
                self._plain_transfer = None
            return
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        if self._transfer is None:
            self.close()
            self._transfer = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                      TransferSpeedColumn(), console=_console(self._stream), transient=True)
            self._transfer_task = self._transfer.add_task(what, total=total or None)
            self._transfer.start()
        self._transfer.update(self._transfer_task, completed=done)
        if total and done >= total:
            self._transfer.stop()
            self._transfer = None

    def close(self) -> None:
        """Stop the spinner (and a transfer bar)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if self._transfer is not None:
            self._transfer.stop()
            self._transfer = None

    def __enter__(self) -> Callable[[str], None]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
