"""Where the "right answer" comes from for a bench's accuracy checks, and judging runs against it.

Three sources, in the order a user would reach for them:
- expected outputs the user supplies (``expected``: an .npz keyed by output name);
- another model on the reference kernels (``reference``: e.g. the float model an
  int8 variant came from), fed the same real-valued inputs through each model's quantization;
- by default, `cpu-ref` (reference kernels) on the same file; when it cannot run the model (a
  custom op only XNNPACK implements), `cpu`, and the label says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from edgekit import delegates as delegate_registry
from edgekit.errors import InputsError
from edgekit.inputs.realistic import InputSets
from edgekit.inputs.seeded import read_npz
from edgekit.model.model import Model, TensorInfo
from edgekit.results.bench_result import RunResult
from edgekit.verdicts.accuracy import (
    AccuracyReport,
    Preset,
    compare_outputs,
    has_float16_constants,
    precision_for,
    quantized_tensor_dtypes,
)
from edgekit.verdicts.roles import OutputRole
from edgekit.verdicts.task_metrics import VERDICT_ORDER

__all__ = ["Reference", "load_expected", "reference_delegate", "judge_run", "judge_runs"]

#: The reference needs outputs, not timings: one inference per input set after loading, nothing timed
#: after it (no measured runs, no readback reads).
REFERENCE_LOOP: dict[str, Any] = {"warmup_runs": 0, "warmup_seconds": 0.0, "min_runs": 0, "min_seconds": 0.0}


@dataclass
class Reference:
    """Reference outputs and where they came from."""

    kind: str  # "expected" | "model" | "delegate"
    label: str
    outputs: dict[str, np.ndarray] | None
    tensors: Sequence[TensorInfo]
    same_file: bool
    run: RunResult | None = None
    note: str = ""
    path: str | None = None
    extra: dict = field(default_factory=dict)
    #: Reference outputs for the bench's extra input sets, in order.
    extra_outputs: tuple[dict[str, np.ndarray], ...] = ()
    #: Where the outputs were read from when they came from the reference cache (no run this time).
    cache_path: str | None = None

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "path": self.path,
            "same_file": self.same_file,
            "available": self.outputs is not None,
            "note": self.note,
            "run": self.run.to_dict() if self.run else None,
            "cached": self.cache_path is not None,
            "cache_path": self.cache_path,
        }


def load_expected(
    path: str | os.PathLike | Mapping[str, np.ndarray] | Sequence[Mapping[str, np.ndarray]], model: Model,
    label: str = "",
) -> Reference:
    """Expected outputs (an .npz path, or arrays keyed by output name), checked against the model.

    A sequence of mappings holds the expected outputs of every input set, in the sets' order.
    """
    if isinstance(path, Sequence) and not isinstance(path, str):
        if not path:
            raise InputsError("expected outputs", "no expected outputs were given")
        first, *rest = (_expected_arrays(dict(arrays), model, label or "expected outputs", "expected outputs")
                        for arrays in path)
        return replace(first, extra_outputs=tuple(r.outputs or {} for r in rest))
    if isinstance(path, Mapping):
        return _expected_arrays(dict(path), model, label or "expected outputs", "expected outputs")
    path = Path(path)
    arrays = read_npz(path, "expected-outputs file not found; pass an .npz keyed by output name")
    return _expected_arrays(arrays, model, label or f"expected outputs from {path.name}", str(path))


def _expected_arrays(arrays: dict[str, np.ndarray], model: Model, label: str, where: str) -> Reference:
    names = [t.name for t in model.outputs]
    if len(arrays) != len(names):
        raise InputsError(
            where, f"has {len(arrays)} arrays but the model has {len(names)} outputs ({', '.join(names)})"
        )
    return Reference("expected", label, arrays, (), same_file=False, path=where)


def reference_delegate(model: Model) -> tuple[str, str]:
    """(delegate, note): cpu-ref when it can run the model, else cpu with the reason; for a TF.js
    graph model, tf-ref (TensorFlow, which it was exported from)."""
    if model.format == "tfjs-graph":
        return "tf-ref", ""
    coverage = delegate_registry.get("cpu-ref").coverage(model)
    if coverage.runnable:
        return "cpu-ref", ""
    return "cpu", f"cpu-ref cannot run this model ({coverage.summary()}); the reference is cpu (XNNPACK)"


def judge_runs(
    runs: Sequence[RunResult],
    model: Model,
    reference: Reference,
    tolerance: Callable[[str], Preset | None],
    *,
    roles: Mapping[str, OutputRole] | None = None,
    input_sets: InputSets | None = None,
    image_size: tuple[int, int] | None = None,
) -> None:
    """Attach an accuracy report to every ok run that is not the reference itself.

    Each input set the run and the reference both computed is judged; the run's report is the
    worst set's, and says which set that was.
    """
    if reference.outputs is None:
        return
    tensors = [t for s in range(model.subgraph_count) for t in model.tensors(s)]
    quantized = quantized_tensor_dtypes(tensors)
    # fp16 weights only matter against another model; on the same file both sides share them.
    fp16_weights = has_float16_constants(tensors) and not reference.same_file
    for run in runs:
        if run.status != "ok" or run.outputs is None or run.is_reference:
            continue
        precision = precision_for(
            quantized_dtypes=quantized,
            has_fp16_weights=fp16_weights,
            delegate=run.delegate,
            gpu_fp32=run.precision == "fp32",
        )
        run.accuracy = judge_run(run, model.outputs, reference, precision, tolerance(precision), roles=roles,
                                 input_sets=input_sets, image_size=image_size)


def judge_run(
    run: RunResult,
    outputs: Sequence[TensorInfo],
    reference: Reference,
    precision: str,
    preset: Preset | None,
    *,
    roles: Mapping[str, OutputRole] | None = None,
    input_sets: InputSets | None = None,
    image_size: tuple[int, int] | None = None,
) -> AccuracyReport:
    """RUN's outputs on every input set against the reference's: the worst set's report, naming it."""
    references = (reference.outputs or {}, *reference.extra_outputs)
    reports = [
        compare_outputs(candidate, expected, candidate_tensors=outputs, reference_tensors=reference.tensors,
                        precision=precision, tolerance=preset, reference_label=reference.label, roles=roles,
                        image_size=image_size)
        for candidate, expected in zip((run.outputs or {}, *run.extra_outputs), references, strict=False)
    ]
    worst_at = max(range(len(reports)), key=lambda k: (VERDICT_ORDER[reports[k].verdict], -k))
    labels = input_sets.labels if input_sets is not None else ()
    return replace(reports[worst_at], judged_on=_judged_on(input_sets, labels, worst_at, len(reports)))


def _judged_on(input_sets: InputSets | None, labels: Sequence[str], worst_at: int, count: int) -> str:
    if input_sets is None:
        return ""
    if count == 1:
        return input_sets.description
    worst = labels[worst_at] if worst_at < len(labels) else worst_at
    return f"{input_sets.description}; the worst of {count}: {worst}"
