"""Bench events. Measurement emits them; every output (progress line, table, test capture) listens.

Subclass `BenchListener` and override what you need; every method defaults to doing nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edgekit.devices.request import WorkerRequest
    from edgekit.results.bench_result import BenchResult, RunResult

__all__ = ["BenchListener", "RecordingListener"]


class BenchListener:
    def on_message(self, message: str) -> None:
        """A one-line note for the user (fetching a zoo model, a warning)."""

    def on_bench_start(self, model_path: str, plan: list[WorkerRequest]) -> None: ...

    def on_run_start(self, spec: WorkerRequest, position: int, total: int) -> None: ...

    def on_run_event(self, spec: WorkerRequest, event: dict) -> None:
        """Progress from inside the worker: phases and sample counts."""

    def on_run_end(self, result: RunResult, position: int, total: int) -> None: ...

    def on_bench_end(self, result: BenchResult) -> None: ...


class RecordingListener(BenchListener):
    """Keeps every event in order; for tests and for tools that post-process a bench."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def on_message(self, message: str) -> None:
        self.events.append(("message", message))

    def on_bench_start(self, model_path: str, plan: list[WorkerRequest]) -> None:
        self.events.append(("bench_start", list(plan)))

    def on_run_start(self, spec: WorkerRequest, position: int, total: int) -> None:
        self.events.append(("run_start", spec))

    def on_run_event(self, spec: WorkerRequest, event: dict) -> None:
        self.events.append(("run_event", (spec, event)))

    def on_run_end(self, result: RunResult, position: int, total: int) -> None:
        self.events.append(("run_end", result))

    def on_bench_end(self, result: BenchResult) -> None:
        self.events.append(("bench_end", result))

    def of_kind(self, kind: str) -> list[object]:
        return [payload for name, payload in self.events if name == kind]
