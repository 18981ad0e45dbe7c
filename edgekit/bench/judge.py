"""``judge``: recompute every accuracy verdict of a saved bench document from its arrays.

Nothing runs again. The document's outputs (every run's, and the reference's) are judged with
today's rules: each output's role (the zoo catalog's for a catalog model, found by its SHA-256,
then yours), metrics on the output's own scale, and the precision each run was judged at. Old
documents (schema 1) load as they are; they did not record their inputs, which were edgekit's
seeded random ones unless you gave your own, and the verdicts say so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace

from edgekit.bench.reference import Reference, judge_run
from edgekit.errors import ResultFormatError
from edgekit.inputs.realistic import InputSets
from edgekit.model.contract import TensorInfo
from edgekit.results.bench_result import BenchResult, RunResult
from edgekit.verdicts.accuracy import precision_for, presets_with
from edgekit.verdicts.roles import parse_output_roles, roles_for
from edgekit.zoo import entry_with_sha256

__all__ = ["judge"]


def judge(result: str | os.PathLike[str] | BenchResult, *, tolerance: str | None = None,
          output_roles: Sequence[str] | Mapping[str, str] | None = None) -> BenchResult:
    """The bench document RESULT (a path or a loaded one) with every verdict recomputed."""
    document = result if isinstance(result, BenchResult) else BenchResult.load(result)
    where = document if isinstance(result, BenchResult) else os.fspath(result)
    outputs = [TensorInfo.from_dict(t, i) for i, t in enumerate(document.model.get("outputs", []))]
    inputs = [TensorInfo.from_dict(t, i) for i, t in enumerate(document.model.get("inputs", []))]
    entry = entry_with_sha256(str(document.model.get("sha256", "")))
    hints = entry.contract if entry is not None else {}
    roles = roles_for(outputs, hints.get("output_roles", {}),
                      f"zoo catalog ({entry.name}): {hints.get('source', '')}" if entry else "",
                      parse_output_roles(output_roles))
    reference = _reference(document, outputs, where)
    presets = presets_with(tolerance)
    sets = _input_sets(document)
    images = [t for t in inputs if len(t.shape) == 4 and t.shape[3] == 3]
    image_size = (images[0].shape[1], images[0].shape[2]) if len(images) == 1 else None
    runs = []
    for run in document.runs:
        if run.status != "ok" or run.outputs is None or run.is_reference:
            runs.append(run)
            continue
        precision = (
            run.accuracy.precision
            if run.accuracy
            else precision_for(
                quantized_dtypes=(),
                has_fp16_weights=False,
                delegate=run.delegate,
                gpu_fp32=run.precision == "fp32",
            )
        )
        accuracy = judge_run(
            run,
            outputs,
            reference,
            precision,
            presets(precision),
            roles=roles,
            input_sets=sets,
            image_size=image_size,
        )
        runs.append(replace(run, accuracy=accuracy))
    settings = {**document.settings, "tolerance": tolerance,
                "output_roles": {name: role.describe() for name, role in roles.items()}}
    return replace(document, runs=runs, settings=settings)


def _reference(document: BenchResult, outputs: Sequence[TensorInfo], where: object) -> Reference:
    label = (document.reference or {}).get("label", "the reference")
    if document.reference_outputs:
        return Reference("delegate", label, document.reference_outputs, outputs, True,
                         extra_outputs=document.reference_extra_outputs)
    marked: list[RunResult] = [run for run in document.runs if run.is_reference and run.outputs]
    if marked:
        return Reference(
            "delegate", label, marked[0].outputs, outputs, True, extra_outputs=marked[0].extra_outputs
        )
    raise ResultFormatError(
        str(where),
        "holds no reference outputs to judge against (accuracy was off when it "
        "was measured); bench again without `no_accuracy`",
    )


def _input_sets(document: BenchResult) -> InputSets:
    if document.input_sets:
        recorded = document.input_sets
        labels = tuple(recorded.get("sets", ()))
        return InputSets(str(recorded.get("kind", "")), str(recorded.get("description", "")), labels, ())
    seed = document.settings.get("seed", 0)
    return InputSets(
        "random",
        f"inputs not recorded (a document from before edgekit recorded them: its seeded "
        f"random inputs, seed {seed}, unless you gave your own)",
        ("recorded inputs",),
        (),
    )
