"""The gate's latency rounds on a browser delegate: both models in one page, alternated in ABBA order.

A round is one fresh worker process with one fresh Chromium: the page loads the baseline and the
candidate side by side, warms each up and times them baseline, candidate, candidate, baseline
(``edgekit.devices.browser_worker.pair``), and returns the four medians, which become one
:class:`~edgekit.gate.observation.Observation` (the round's ABBA log ratio, by the page's
main-thread CPU time for single-threaded WebAssembly and by wall time always). Pairing inside one
renderer puts both models under the same JIT, memory layout and CPU contention; a fresh browser
per round samples the renderer as a random effect, as fresh worker processes do on the host, so
the gate's sequential rule (``edgekit.gate.latency``) counts each browser once.
"""

from __future__ import annotations

import json
import math
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from edgekit.devices.host import describe_exit, exit_status, run_worker
from edgekit.devices.request import INPUTS_FILE, RESULT_FILE, WorkerRequest
from edgekit.errors import EdgekitError, ModelNotFound, RunFailed, UnsupportedModel
from edgekit.files.array_sets import pack_sets
from edgekit.gate.observation import CLOCK_NAMES, Observation
from edgekit.inputs.seeded import generate_inputs
from edgekit.measure.loop import LoopConfig
from edgekit.model.model import Model

__all__ = ["BROWSER_ROUND_LOOP", "BrowserRoundRunner", "uses_page_cpu_time"]

#: Each of a round's four runs: a short warm-up, then at least 10 inferences and 0.3 s.
BROWSER_ROUND_LOOP = LoopConfig(warmup_runs=5, warmup_seconds=0.05, min_runs=10, min_seconds=0.3,
                                max_seconds=5.0)
#: One round: a browser start, two model loads and four measured runs.
BROWSER_ROUND_TIMEOUT_S = 180.0


def uses_page_cpu_time(delegate: Any, threads: int) -> bool:
    """Whether a round is timed by the page's main-thread CPU time: WebAssembly on one thread runs
    there; other backends (GPU, WASM worker threads) are timed by wall time."""
    return getattr(delegate, "backend", None) == "wasm" and threads == 1


class BrowserRoundRunner:
    """Measures ABBA rounds of BASELINE against CANDIDATE on a browser delegate, one browser per round."""

    def __init__(self, baseline: Path, candidate: Path, spec: WorkerRequest, seed: int,
                 loop: LoopConfig = BROWSER_ROUND_LOOP, timeout_s: float = BROWSER_ROUND_TIMEOUT_S) -> None:
        from edgekit import delegates
        from edgekit.browser.runtimes import runtime_files

        self.paths = {"baseline": Path(baseline), "candidate": Path(candidate)}
        for path in self.paths.values():
            if not path.is_file():
                raise ModelNotFound(str(path), "the gate compares two model files")
        self.models = {name: Model.open(path) for name, path in self.paths.items()}
        self.inputs = {name: generate_inputs(model.inputs, seed) for name, model in self.models.items()}
        self.spec, self.loop, self.timeout_s = spec, loop, timeout_s
        delegate: Any = delegates.get(spec.delegate)
        for name, model in self.models.items():
            if model.format not in delegate.formats:
                raise UnsupportedModel(self.paths[name], delegate.format_refusal(model.format))
        try:
            runtime_files(delegate.runtime, delegate.backend)
        except EdgekitError as exc:
            reason = f"the browser runtime could not be prepared: {exc}"
            raise RunFailed(self.paths["candidate"], "error", reason) from exc

    def __enter__(self) -> BrowserRoundRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        """Nothing is held between rounds: each one's browser and folder are gone when it ends."""

    def observe(self) -> Observation:
        """One round as the gate's observation: per clock, the ABBA log ratio and each model's time."""
        began = time.monotonic()
        figures, wall = self.round()
        clocks: dict[str, tuple[float, float, float, float] | None] = {
            "thread_cpu": figures if self.page_cpu_time else None, "process_cpu": None, "wall": wall,
        }
        log_ratios, baseline_ms, candidate_ms = {}, {}, {}
        for name in CLOCK_NAMES:
            b1, c1, c2, b2 = clocks[name] or (math.nan,) * 4
            finite = all(math.isfinite(v) and v > 0 for v in (b1, c1, c2, b2))
            # ABBA: a drift linear in time within the round cancels.
            log_ratios[name] = ((math.log(c1) + math.log(c2) - math.log(b1) - math.log(b2)) / 2.0
                                if finite else math.nan)
            baseline_ms[name] = statistics.fmean((b1, b2))
            candidate_ms[name] = statistics.fmean((c1, c2))
        return Observation(log_ratios, baseline_ms, candidate_ms, pairs=2, first="baseline",
                           seconds=time.monotonic() - began)

    @property
    def page_cpu_time(self) -> bool:
        from edgekit import delegates

        return uses_page_cpu_time(delegates.get(self.spec.delegate), self.spec.threads)

    def round(self) -> tuple[tuple[float, float, float, float], tuple[float, float, float, float]]:
        """(baseline, candidate, candidate, baseline) medians in ms from one page: the deciding
        figures (CPU time on the page's main thread for one-thread WebAssembly, else wall), then wall."""
        with tempfile.TemporaryDirectory(prefix="edgekit-pair-") as tmp:
            workdir = Path(tmp)
            names = ("baseline", "candidate")
            request = replace(self.spec, kind="pair", signature=None, loop=self.loop,
                              models=tuple(str(self.paths[name].resolve()) for name in names))
            pack_sets(workdir / INPUTS_FILE, [self.inputs[name] for name in names])
            returncode, stderr_tail = run_worker("edgekit.devices.browser_worker", workdir, request,
                                                 self.timeout_s)
            return self._medians(workdir, returncode, stderr_tail)

    def _medians(self, workdir: Path, returncode: int | None, stderr_tail: str
                 ) -> tuple[tuple[float, float, float, float], tuple[float, float, float, float]]:
        from edgekit.devices.browser import console_tail

        path = self.paths["candidate"]
        result_file = workdir / RESULT_FILE
        if not result_file.is_file():
            tail = console_tail(workdir)
            reason = describe_exit(returncode, stderr_tail, self.timeout_s)
            raise RunFailed(path, exit_status(returncode),
                            reason + (f"; the console's last lines: {tail}" if tail else ""))
        data = json.loads(result_file.read_text(encoding="utf-8"))
        if data["status"] == "unsupported":
            raise UnsupportedModel(path, data["reason"])
        if data["status"] != "ok":
            raise RunFailed(path, data["status"], data["reason"])
        b1, c1, c2, b2 = (float(v) for v in data["medians_ms"])
        w1, w2, w3, w4 = (float(v) for v in data["wall_medians_ms"])
        return (b1, c1, c2, b2), (w1, w2, w3, w4)
