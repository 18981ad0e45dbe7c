"""Golden outputs: record a trusted model's inputs and outputs once, judge every candidate on them.

A golden file is an ``.npz`` with ``inputs/<tensor>``, ``outputs/<tensor>`` and ``meta`` (JSON:
format, runtime versions, the recorded model's sha256, and ``inputs``: what the sets are, one label
each). Where the task is known the recording holds every realistic input set (drawn scenes and
photographs for an image model): the first set as ``inputs/`` and ``outputs/``, the others as
``sets/<k>/inputs/<tensor>`` and ``sets/<k>/outputs/<tensor>`` (k from 1). The accuracy check runs
the candidate on every golden set on the ``cpu`` delegate and judges its outputs with the
task-aware verdicts (``edgekit.verdicts.accuracy``); the verdict is the worst set's, and names it. A
golden file recorded with another LiteRT version warns, or fails when the configuration says
``runtime_mismatch = "fail"``.

A golden file arrives with a pull request like the configuration: it must lie inside the
configuration's folder (symbolic links resolved), it is read by the bounded ``.npz`` reader (its
declared arrays against the memory budget, no pickles) and its ``meta`` is type-checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.errors import GateConfigError, InputsError, UsageError
from edgekit.files import atomic
from edgekit.files.bounded_parse import ParseRefused, parse_json
from edgekit.files.json_fields import Fields, FieldTypeError, check_fields, table
from edgekit.files.npz_reader import ArraysRefused, read_npz
from edgekit.files.preflight import check_output_file
from edgekit.gate import fields as f
from edgekit.gate.check_kind import CheckKind, option
from edgekit.gate.context import ModelContext
from edgekit.gate.result import CheckResult
from edgekit.gate.spec import OUTCOME_POLICIES, CheckOptions, CheckSpec, ModelSpec
from edgekit.inputs.realistic import InputSets
from edgekit.inputs.value_range import PREFIX as INPUT_RANGE_PREFIX
from edgekit.system.environment import package_version
from edgekit.verdicts.accuracy import PRESETS, parse_tolerance

__all__ = [
    "ACCURACY",
    "GOLDEN_FORMAT",
    "AccuracyOptions",
    "Golden",
    "check_accuracy",
    "check_golden_output",
    "golden_path",
    "load_golden",
    "record_golden",
]

GOLDEN_FORMAT = "edgekit-golden/1"
_RUNTIME = "ai-edge-litert"
#: One inference on the cpu delegate: the golden check needs outputs, not timings.
_ONE_RUN: dict[str, Any] = dict(delegates=["cpu"], runs=1, min_seconds=0.0, warmup_runs=0, warmup_seconds=0.0)
#: What a golden file's ``meta`` holds (``edgekit.files.json_fields`` notation); runtime versions may be null.
_META_FIELDS: Fields = {
    "format": "string",
    "runtime": "object",
    "model_sha256": "string?",
    "created": "string?",
    "inputs": table({"kind": "string?", "description": "string?", "sets": "array<string>?"}, optional=True),
}
#: ``meta`` is one short JSON string; a larger one is not a golden file edgekit wrote.
_MAX_META_CHARS = 1 << 20
_REDO = "record it again with `edgekit gate --record` from the model you trust"


def _tolerance(value: object) -> str:
    """A --tolerance string (``"cosine=0.995,max_abs=1e-3"``), checked now rather than mid-gate."""
    checked = f.text(value)
    try:
        parse_tolerance(checked, PRESETS["fp32"])
    except UsageError as exc:
        raise ValueError(exc.reason) from None
    return checked


@dataclass(frozen=True, kw_only=True)
class AccuracyOptions(CheckOptions):
    """``accuracy = { golden = "pose.golden.npz" }``: the golden file and how outputs are judged on it."""

    golden: str = option(f.path)
    tolerance: str | None = option(_tolerance, None)
    normalize: tuple[float, float] | None = option(f.value_range, None)
    output_roles: dict[str, str] | None = option(f.text_table, None)
    #: None: the ``[gate]`` setting decides.
    runtime_mismatch: str | None = option(f.choice(*OUTCOME_POLICIES), None)


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
        version = self.meta["runtime"].get(_RUNTIME)
        return version if isinstance(version, str) else None

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


def golden_path(spec: ModelSpec, check: CheckSpec[AccuracyOptions]) -> Path:
    """The configured golden file, relative to the configuration file and inside its folder.

    A path that leaves the folder (absolute, ``..``, or a symbolic link that points out) is a
    GateConfigError: ``--record`` would write there.
    """
    configured = check.options.golden
    base = spec.base_dir
    path = Path(configured)
    path = path if path.is_absolute() else base / path
    if spec.source.confined and not path.resolve().is_relative_to(base.resolve()):
        raise spec.source.error(
            f"{check.key}.golden",
            f"{configured!r} lies outside the configuration's folder {base}; keep golden files inside it",
        )
    return path


def check_golden_output(spec: ModelSpec, check: CheckSpec[AccuracyOptions]) -> Path:
    """The golden file CHECK would record, once proven writable (before any model runs)."""
    target = golden_path(spec, check)
    try:
        return check_output_file(target, "golden")
    except UsageError as exc:
        reason = f"cannot record {target}: {exc.reason}"
        raise spec.source.error(f"{check.key}.golden", reason) from None


def record_golden(context: ModelContext, check: CheckSpec[AccuracyOptions]) -> Path:
    """Run the model once on ``cpu`` and write its inputs, outputs and runtime version."""
    from edgekit.bench.run import bench

    target = check_golden_output(context.spec, check)
    result = bench(
        context.candidate_path,
        accuracy=False,
        seed=context.spec.seed,
        normalize=check.options.normalize,
        output_roles=check.options.output_roles,
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


def load_golden(context: ModelContext, check: CheckSpec[AccuracyOptions]) -> Golden:
    """Read the golden file; a missing, corrupt or forged one fails closed naming the key and what to do."""
    path = golden_path(context.spec, check)
    key = f"{check.key}.golden"
    try:
        arrays = read_npz(path)
    except ArraysRefused as exc:
        if exc.reason == "does not exist":
            raise context.spec.source.error(key, f"golden file {path} does not exist; {_REDO}") from None
        raise context.spec.source.error(
            key, f"{path} is not a golden file edgekit wrote (it {exc.reason}); {_REDO}"
        ) from None
    meta = _read_meta(arrays.pop("meta", None))
    if isinstance(meta, str):
        raise context.spec.source.error(key, f"{path} is not a golden file edgekit wrote ({meta}); {_REDO}")
    inputs = {name[len("inputs/") :]: value for name, value in arrays.items() if name.startswith("inputs/")}
    outputs = {
        name[len("outputs/") :]: value for name, value in arrays.items() if name.startswith("outputs/")
    }
    if not inputs or not outputs:
        raise context.spec.source.error(key, f"{path} holds no inputs or no outputs; {_REDO}")
    extra_inputs, extra_outputs = [], []
    for k in range(1, 1 + sum(name.startswith("sets/") and "/inputs/" in name for name in arrays)):
        prefix = f"sets/{k}/"
        found = {name[len(prefix):]: value for name, value in arrays.items() if name.startswith(prefix)}
        if not found:
            break
        extra_inputs.append({n[len("inputs/"):]: v for n, v in found.items() if n.startswith("inputs/")})
        extra_outputs.append({n[len("outputs/"):]: v for n, v in found.items() if n.startswith("outputs/")})
        if not extra_inputs[-1] or not extra_outputs[-1]:
            raise context.spec.source.error(key, f"{path}: golden set {k} lacks inputs or outputs; {_REDO}")
    return Golden(inputs, outputs, meta, tuple(extra_inputs), tuple(extra_outputs))


def _read_meta(array: np.ndarray | None) -> dict[str, Any] | str:
    """The golden file's ``meta`` record, checked; the reason in words when it is not one."""
    if array is None:
        return "no meta record"
    if array.shape != () or array.dtype.kind != "U" or array.dtype.itemsize > 4 * _MAX_META_CHARS:
        return "its meta record is not one JSON string"
    try:
        meta = parse_json(str(array), max_depth=8)
    except ParseRefused as exc:
        return f"meta: {exc.reason}"
    if not isinstance(meta, dict):
        return "meta is not a JSON object"
    if meta.get("format") != GOLDEN_FORMAT:
        return f"not in format {GOLDEN_FORMAT}"
    try:
        check_fields(meta, _META_FIELDS, "meta")
    except FieldTypeError as exc:
        return str(exc)
    if not all(isinstance(version, (str, type(None))) for version in meta["runtime"].values()):
        return "field meta.runtime holds a version that is not a string"
    return meta


def check_accuracy(context: ModelContext, check: CheckSpec[AccuracyOptions]) -> CheckResult:
    """Judge the candidate's outputs on the golden inputs; the failing outputs name their metric."""
    from edgekit.bench.run import bench

    golden = load_golden(context, check)
    mismatch = _runtime_mismatch(golden)
    policy = check.options.runtime_mismatch or context.settings.runtime_mismatch
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
            inputs=golden.input_sets(golden_path(context.spec, check).name),
            expected=[golden.outputs, *golden.extra_outputs],
            expected_label=f"golden outputs ({golden_path(context.spec, check).name})",
            tolerance=check.options.tolerance,
            normalize=check.options.normalize,
            output_roles=check.options.output_roles,
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


ACCURACY = CheckKind("accuracy", AccuracyOptions, check_accuracy)
