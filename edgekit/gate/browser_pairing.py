"""The gate's latency rounds on a browser delegate: both models in one page, alternated in ABBA order.

A round is one fresh worker process with one fresh Chromium: the page loads the baseline and the
candidate side by side, warms each up and times them baseline, candidate, candidate, baseline
(``edgekit.devices.browser_worker.pair``), and returns the four medians. Pairing inside one renderer
puts both models under the same JIT, memory layout and CPU contention; a fresh browser per round
samples the renderer as a random effect, as fresh worker processes do on the host. The gate's
statistics (``edgekit.gate.latency``) take the rounds from here unchanged.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.devices.host import RunSpec, describe_exit, run_worker
from edgekit.errors import EdgekitError, ModelNotFound, RunFailed, UnsupportedModel
from edgekit.inputs.seeded import generate_inputs
from edgekit.measure.loop import LoopConfig
from edgekit.model.model import Model

__all__ = ["BrowserRoundRunner"]


class BrowserRoundRunner:
    """Measures ABBA rounds of BASELINE against CANDIDATE on a browser delegate, one browser per round."""

    def __init__(self, baseline: Path, candidate: Path, spec: RunSpec, seed: int, loop: LoopConfig,
                 timeout_s: float) -> None:
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

    def round(self) -> tuple[float, float, float, float]:
        """(baseline, candidate, candidate, baseline) medians in ms, from one page."""
        with tempfile.TemporaryDirectory(prefix="edgekit-pair-") as tmp:
            workdir = Path(tmp)
            request = {
                "kind": "pair",
                "model_path": str(self.paths["candidate"].resolve()),
                "baseline_path": str(self.paths["baseline"].resolve()),
                "delegate": self.spec.delegate,
                "threads": self.spec.threads,
                "precision": self.spec.precision,
                "signature": None,
                "loop": self.loop.to_dict(),
            }
            (workdir / "request.json").write_text(json.dumps(request), encoding="utf-8")
            arrays: dict[str, Any] = {f"{name}/{key}": value for name, inputs in self.inputs.items()
                                      for key, value in inputs.items()}
            np.savez(workdir / "inputs.npz", **arrays)
            returncode, stderr_tail = run_worker("edgekit.devices.browser_worker", workdir, self.timeout_s)
            return self._medians(workdir, returncode, stderr_tail)

    def _medians(self, workdir: Path, returncode: int | None,
                 stderr_tail: str) -> tuple[float, float, float, float]:
        from edgekit.devices.browser import console_tail

        path = self.paths["candidate"]
        result_file = workdir / "result.json"
        if not result_file.is_file():
            tail = console_tail(workdir)
            status = "timeout" if returncode is None else "crashed"
            reason = describe_exit(returncode, stderr_tail, self.timeout_s)
            raise RunFailed(path, status, reason + (f"; the console's last lines: {tail}" if tail else ""))
        data = json.loads(result_file.read_text(encoding="utf-8"))
        if data["status"] == "unsupported":
            raise UnsupportedModel(path, data["reason"])
        if data["status"] != "ok":
            raise RunFailed(path, data["status"], data["reason"])
        b1, c1, c2, b2 = (float(v) for v in data["medians_ms"])
        return b1, c1, c2, b2
