"""Golden outputs: record a trusted model's inputs and outputs once, judge every candidate on them.

A golden file is an ``.npz`` with ``inputs/<tensor>``, ``outputs/<tensor>`` and ``meta`` (JSON:
format, runtime versions, the recorded model's sha256). The accuracy check runs the candidate on
the golden inputs on the ``cpu`` delegate and judges its outputs with the task-aware verdicts
(``edgekit.accuracy``). A golden file recorded with another LiteRT version warns, or fails when
the configuration says ``runtime_mismatch = "fail"``.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekit import atomic
from edgekit.environment import package_version
from edgekit.errors import GateConfigError, InputsError
from edgekit.gate.config import CheckSpec
from edgekit.gate.context import ModelContext
from edgekit.gate.result import CheckResult

__all__ = ["GOLDEN_FORMAT", "Golden", "check_accuracy", "golden_path", "load_golden", "record_golden"]

GOLDEN_FORMAT = "edgekit-golden/1"
_RUNTIME = "ai-edge-litert"
#: One inference on the cpu delegate: the golden check needs outputs, not timings.
_ONE_RUN: dict[str, Any] = dict(delegates=["cpu"], runs=1, min_seconds=0.0, warmup_runs=0, warmup_seconds=0.0)


@dataclass(frozen=True)
class Golden:
    """A loaded golden file."""

    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]
    meta: dict[str, Any]

    @property
    def runtime(self) -> str | None:
        return self.meta.get("runtime", {}).get(_RUNTIME)


def golden_path(context: ModelContext, check: CheckSpec) -> Path:
    """The configured golden file, relative to the configuration file."""
    path = Path(check.options["golden"])
    return path if path.is_absolute() else context.spec.base_dir / path


def record_golden(context: ModelContext, check: CheckSpec) -> Path:
    """Run the model once on ``cpu`` and write its inputs, outputs and runtime version."""
    from edgekit.bench import bench

    target = golden_path(context, check)
    if not target.parent.is_dir():
        raise context.spec.source.error(
            f"{check.key}.golden", f"folder {target.parent} does not exist; create it"
        )
    result = bench(
        context.candidate_path,
        accuracy=False,
        seed=context.spec.seed,
        normalize=check.options.get("normalize"),
        output_roles=check.options.get("output_roles"),
        **_ONE_RUN,
    )
    run = result.runs[0]
    if run.status != "ok" or not run.outputs:
        raise InputsError(
            context.candidate_path,
            f"cannot record golden outputs: the cpu run ended {run.status}: {run.reason}",
        )
    meta = {
        "format": GOLDEN_FORMAT,
        "runtime": {_RUNTIME: package_version(_RUNTIME)},
        "model_sha256": context.candidate.sha256,
        "created": result.created,
        "inputs": result.input_sets or {},
    }
    arrays = {f"inputs/{name}": value for name, value in result.inputs.items()}
    arrays.update({f"outputs/{name}": value for name, value in run.outputs.items()})
    arrays["meta"] = np.array(json.dumps(meta))
    atomic.write_npz(target, arrays)
    return target


def load_golden(context: ModelContext, check: CheckSpec) -> Golden:
    """Read the golden file; a missing or corrupt one fails closed naming the key and what to do."""
    path = golden_path(context, check)
    key = f"{check.key}.golden"
    redo = "record it again with `edgekit gate --record` from the model you trust"
    if not path.is_file():
        raise context.spec.source.error(key, f"golden file {path} does not exist; {redo}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(str(arrays.pop("meta")))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise context.spec.source.error(
            key, f"{path} is not a golden file edgekit wrote ({detail}); {redo}"
        ) from exc
    if not isinstance(meta, dict) or meta.get("format") != GOLDEN_FORMAT:
        raise context.spec.source.error(key, f"{path} is not in format {GOLDEN_FORMAT}; {redo}")
    inputs = {name[len("inputs/") :]: value for name, value in arrays.items() if name.startswith("inputs/")}
    outputs = {
        name[len("outputs/") :]: value for name, value in arrays.items() if name.startswith("outputs/")
    }
    if not inputs or not outputs:
        raise context.spec.source.error(key, f"{path} holds no inputs or no outputs; {redo}")
    return Golden(inputs, outputs, meta)


def check_accuracy(context: ModelContext, check: CheckSpec) -> CheckResult:
    """Judge the candidate's outputs on the golden inputs; the failing outputs name their metric."""
    from edgekit.bench import bench

    golden = load_golden(context, check)
    mismatch = _runtime_mismatch(golden)
    policy = check.options.get("runtime_mismatch", context.settings.runtime_mismatch)
    name = context.spec.name
    if mismatch and policy == "fail":
        return CheckResult(
            name,
            check.name,
            check.kind,
            "fail",
            f"{check.name} fail: {mismatch}",
            "runtime mismatch",
            {"golden_runtime": golden.runtime, "runtime": _current()},
        )
    try:
        result = bench(
            context.candidate_path,
            inputs=golden.inputs,
            expected=golden.outputs,
            expected_label=f"golden outputs ({golden_path(context, check).name})",
            tolerance=check.options.get("tolerance"),
            normalize=check.options.get("normalize"),
            output_roles=check.options.get("output_roles"),
            seed=context.spec.seed,
            **_ONE_RUN,
        )
    except (InputsError, GateConfigError) as exc:
        return CheckResult(
            name,
            check.name,
            check.kind,
            "fail",
            f"{check.name} fail: the candidate no longer fits the golden file: {exc}",
            "interface changed",
        )
    run = result.runs[0]
    if run.status != "ok" or run.accuracy is None:
        return CheckResult(
            name,
            check.name,
            check.kind,
            "fail",
            f"{check.name} fail: the cpu run ended {run.status}: {run.reason}",
            run.status,
        )
    report = run.accuracy
    deciding = [d for d in report.decisions if d.verdict == report.verdict] or list(report.decisions)
    words = "; ".join(f"{d.text} [metric {d.metric}]" for d in deciding) or "; ".join(report.reasons)
    verdict = "warn" if report.verdict == "pass" and mismatch else report.verdict
    line = f"{check.name} {verdict}: {words}" + (f" (warning: {mismatch})" if mismatch else "")
    summary = (
        ", ".join(f"{d.output}: {d.metric} {d.verdict}" for d in deciding)
        if report.verdict != "pass"
        else f"{len(report.decisions)} outputs pass"
    )
    evidence = {
        "verdict": report.verdict,
        "precision": report.precision,
        "judged_on": report.judged_on,
        "decisions": [d.to_dict() for d in report.decisions],
        "reasons": list(report.reasons),
        "golden_runtime": golden.runtime,
        "runtime": _current(),
    }
    return CheckResult(name, check.name, check.kind, verdict, line, summary, evidence)


def _current() -> str | None:
    return package_version(_RUNTIME)


def _runtime_mismatch(golden: Golden) -> str:
    current = _current()
    if golden.runtime == current:
        return ""
    return (
        f"golden outputs were recorded with {_RUNTIME} {golden.runtime}, this runs {current}; "
        "re-record them with `edgekit gate --record` after checking the new runtime's outputs"
    )
