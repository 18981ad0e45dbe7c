"""Golden outputs: record a trusted model's inputs and outputs once, judge every candidate on them.

A golden file is an ``.npz`` with ``inputs/<tensor>``, ``outputs/<tensor>`` and ``meta`` (JSON:
format, runtime versions, the recorded model's sha256, and ``inputs``: what the sets are, one label
each). Where the task is known the recording holds every realistic input set (drawn scenes and
photographs for an image model): the first set as ``inputs/`` and ``outputs/``, the others as
``sets/<k>/inputs/<tensor>`` and ``sets/<k>/outputs/<tensor>`` (k from 1). The accuracy check runs
the candidate on every golden set on the ``cpu`` delegate and judges its outputs with the
task-aware verdicts (``edgekit.accuracy``); the verdict is the worst set's, and names it. A
golden file recorded with another LiteRT version warns, or fails when the configuration says
``runtime_mismatch = "fail"``.
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
from edgekit.input_range import PREFIX as INPUT_RANGE_PREFIX
from edgekit.realistic import InputSets

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
    #: The sets after the first, in order (files recorded before there were several have none).
    extra_inputs: tuple[dict[str, np.ndarray], ...] = ()
    extra_outputs: tuple[dict[str, np.ndarray], ...] = ()

    @property
    def runtime(self) -> str | None:
        return self.meta.get("runtime", {}).get(_RUNTIME)

    def input_sets(self, file_name: str) -> InputSets:
        """Every golden input set, labelled as the recording labelled them."""
        recorded: Any = self.meta.get("inputs")
        recorded = recorded if isinstance(recorded, dict) else {}
        count = 1 + len(self.extra_inputs)
        labels: Any = recorded.get("sets")
        named = isinstance(labels, list) and len(labels) == count and all(isinstance(v, str) for v in labels)
        if not named:
            labels = [f"golden set {k + 1}" for k in range(count)]
        what: Any = recorded.get("description")
        what = what if isinstance(what, str) else ""
        description = f"golden inputs ({file_name}{': ' + what if what else ''})"
        return InputSets("given", description, tuple(labels), (self.inputs, *self.extra_inputs))


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
    for k, (inputs, outputs) in enumerate(zip(result.extra_inputs, run.extra_outputs, strict=True), start=1):
        arrays.update({f"sets/{k}/inputs/{name}": value for name, value in inputs.items()})
        arrays.update({f"sets/{k}/outputs/{name}": value for name, value in outputs.items()})
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
    extra_inputs, extra_outputs = [], []
    for k in range(1, 1 + sum(name.startswith("sets/") and "/inputs/" in name for name in arrays)):
        prefix = f"sets/{k}/"
        found = {name[len(prefix):]: value for name, value in arrays.items() if name.startswith(prefix)}
        if not found:
            break
        extra_inputs.append({n[len("inputs/"):]: v for n, v in found.items() if n.startswith("inputs/")})
        extra_outputs.append({n[len("outputs/"):]: v for n, v in found.items() if n.startswith("outputs/")})
        if not extra_inputs[-1] or not extra_outputs[-1]:
            raise context.spec.source.error(key, f"{path}: golden set {k} lacks inputs or outputs; {redo}")
    return Golden(inputs, outputs, meta, tuple(extra_inputs), tuple(extra_outputs))


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
            inputs=golden.input_sets(golden_path(context, check).name),
            expected=[golden.outputs, *golden.extra_outputs],
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
    # A pass on inputs outside the model's range, or against outputs of another runtime, is a warn.
    cautions = [w for w in result.warnings if w.startswith(INPUT_RANGE_PREFIX)]
    if mismatch:
        cautions.append(mismatch)
    verdict = "warn" if report.verdict == "pass" and cautions else report.verdict
    line = f"{check.name} {verdict}: {words}" + "".join(f" (warning: {c})" for c in cautions)
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
        "warnings": cautions,
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
