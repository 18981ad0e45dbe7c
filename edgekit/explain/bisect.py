"""``bisect``: the error of every op's output along the graph, and the first op whose error jumps.

Every compute op's output becomes a model output (:func:`edgekit.explain.rewrite.expose`); the
candidate (a delegate on the file) and the reference (``cpu-ref`` or another delegate on the same
file, or a float source model) run on the same inputs, and each tensor pair is compared on its own
scale (SNR and cosine of real values; quantized tensors dequantized with their scale and zero
point). Tensors of another model are matched by name, else by position along the graph among ops
of the same type (QUANTIZE/DEQUANTIZE skipped, as only one side has them).

A *jump*: an op whose output SNR is more than ``jump_db`` below the lowest SNR of its inputs
(inputs taken at most ``SNR_CAP_DB``, so tensors equal to the last bit do not count as falling from
infinity), or below ``floor_db`` while its inputs were not. The culprit is the first jump.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edgekit import delegates as delegate_registry
from edgekit.bench.options import (
    check_count,
    check_decibels,
    check_delegates,
    check_memory,
    check_precisions,
    check_seconds,
    check_seed,
    check_thread_count,
)
from edgekit.bench.reference import REFERENCE_LOOP
from edgekit.devices.host import HostDevice
from edgekit.devices.request import WorkerRequest
from edgekit.errors import ModelFormatError, UsageError
from edgekit.explain.graph import Graph
from edgekit.explain.result import BisectResult, OpError
from edgekit.explain.rewrite import expose
from edgekit.inputs.sets import prepare_input_sets
from edgekit.measure.loop import LoopConfig
from edgekit.model.model import Model
from edgekit.model.quantization import dequantize
from edgekit.system.environment import environment_fingerprint
from edgekit.verdicts.metrics import output_metrics
from edgekit.zoo import catalog_entry, resolve_model

__all__ = ["SNR_CAP_DB", "bisect"]

#: Input SNRs count at most this high when measuring a drop: 40 dB is 1% RMS error, what int8
#: quantization of a well-calibrated tensor gives; a closer (or exact, infinite) match is no higher bar.
SNR_CAP_DB = 40.0
_EDGE_OPS = ("QUANTIZE", "DEQUANTIZE")
#: Tensor types whose values are not numbers.
_NOT_NUMBERS = ("string", "resource", "variant")
#: Ops of models that keep state between inferences (TensorFlow resource variables).
STATEFUL_OPS = frozenset({"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE"})
#: What a fusing delegate does to exposed intermediates (seen with LiteRT 2.3 on SwiftShader).
FUSED_NOTE = (
    "a fusing delegate (gpu) may compute exposed intermediate tensors outside its partition or "
    "return them unwritten (LiteRT 2.3 on software Vulkan returned NaN for some and CPU-identical "
    "values for others): read the curve's inner points with care; the model outputs are the GPU's"
)


def bisect(
    model: str | os.PathLike[str],
    *,
    delegate: str = "gpu",
    precision: str = "fp16",
    threads: int = 1,
    reference: str | os.PathLike[str] = "cpu-ref",
    inputs: str | os.PathLike[str] | Mapping[str, np.ndarray] | None = None,
    seed: int = 0,
    normalize: tuple[float, float] | None = None,
    jump_db: float = 15.0,
    floor_db: float = 10.0,
    sets: int = 2,
    timeout: float = 600.0,
    max_input_bytes: int | None = None,
) -> BisectResult:
    """Run MODEL on DELEGATE and REFERENCE (a delegate name or a float model) with every
    intermediate tensor exposed; the error curve and the first op whose error jumps.

    Options are checked as ``bench`` checks them (:mod:`edgekit.bench.options`); a model whose
    tensors exceed MAX_INPUT_BYTES is refused before anything is allocated, and one with resource
    variables (which cannot be cut into exposed outputs) with the reason.
    """
    delegate = _one_delegate(delegate, "delegate")
    threads = check_thread_count(threads)
    precision = check_precisions(precision, "precision")[0]
    check_seed(seed)
    jump_db = check_decibels("jump_db", jump_db)
    floor_db = check_decibels("floor_db", floor_db)
    check_count("sets", sets, "input sets")
    timeout = check_seconds("timeout", timeout, positive=True) or 0.0
    path = resolve_model(model)
    candidate = Model.open(path)
    by_delegate = str(reference) in delegate_registry.names()
    reference_model = None if by_delegate else Model.open(resolve_model(reference))
    for checked in (candidate, reference_model):
        if checked is not None:
            _refuse_stateful(checked)
            check_memory(checked, max_input_bytes)
    entry = catalog_entry(model, path)
    hints = entry.contract if entry is not None else {}
    value = hints.get("normalize")
    catalog_range = (
        (float(value[0]), float(value[1])) if isinstance(value, list) and len(value) == 2 else None
    )
    input_sets, reference_sets = prepare_input_sets(
        candidate, candidate.inputs, inputs, seed, reference_model, normalize or catalog_range
    )
    chosen = input_sets.sets[:sets]
    graph = Graph.of(candidate)
    cand_delegate = delegate_registry.get(delegate)
    gpu_precision = None if cand_delegate.uses_threads else precision
    with tempfile.TemporaryDirectory(prefix="edgekit-bisect-") as tmp:
        cand_values, cand_runtime = _run_exposed(
            candidate,
            graph,
            cand_delegate.name,
            threads,
            gpu_precision,
            chosen,
            Path(tmp) / "candidate.tflite",
            timeout,
        )
        if reference_model is None:
            ref_graph = graph
            ref_values, ref_runtime = _run_exposed(
                candidate, graph, str(reference), 1, None, chosen, Path(tmp) / "reference.tflite", timeout
            )
        else:
            ref_graph = Graph.of(reference_model)
            ref_sets = (reference_sets or input_sets).sets[:sets]
            ref_values, ref_runtime = _run_exposed(
                reference_model,
                ref_graph,
                "cpu-ref",
                1,
                None,
                ref_sets,
                Path(tmp) / "reference.tflite",
                timeout,
            )
    pairs = _match(graph, ref_graph, same_file=reference_model is None)
    curve = _curve(graph, ref_graph, pairs, cand_values, ref_values, jump_db, floor_db)
    culprit = next((op for op in curve if op.jump), None)
    warnings = [input_sets.description] if input_sets.kind == "random" else []
    if not cand_delegate.uses_threads:
        warnings.append(FUSED_NOTE)
    return BisectResult(
        environment=environment_fingerprint([threads]),
        model={"path": str(candidate.path), "sha256": candidate.sha256, "compute_ops": len(graph.compute)},
        candidate={
            "delegate": cand_delegate.name,
            "precision": gpu_precision,
            "threads": threads,
            "runtime": cand_runtime,
        },
        reference={
            "kind": "delegate" if reference_model is None else "model",
            "delegate": str(reference) if reference_model is None else "cpu-ref",
            "path": str((reference_model or candidate).path),
            "runtime": ref_runtime,
        },
        rule={
            "jump_db": jump_db,
            "floor_db": floor_db,
            "snr_cap_db": SNR_CAP_DB,
            "text": f"first op whose output SNR is more than {jump_db:g} dB below its inputs' lowest SNR "
            f"(capped at {SNR_CAP_DB:g} dB), or below {floor_db:g} dB while its inputs were not",
        },
        inputs={**input_sets.to_dict(), "used": list(input_sets.labels[:sets])},
        curve=curve,
        culprit=culprit,
        warnings=warnings,
    )


def _refuse_stateful(model: Model) -> None:
    """Refuse a model that keeps state in resource variables, naming the ops that do.

    Each inference of such a model changes what the next one computes, and candidate and
    reference run different numbers of inferences (a GPU also times back-to-back batches), so
    their intermediates would differ for reasons no op is to blame for.
    """
    stateful = sorted({op.name for op in model.ops if op.name in STATEFUL_OPS})
    if stateful:
        raise ModelFormatError(
            model.path,
            f"it keeps state in resource variables ({', '.join(stateful)}): each inference changes the "
            "next one's values; freeze its variables into constants and bisect that",
            expected="a model bisect can compare op by op",
        )


def _one_delegate(name: str, parameter: str) -> str:
    """The one delegate NAME stands for, checked as bench checks its delegates."""
    names = check_delegates([name], parameter)
    if len(names) != 1:
        raise UsageError(parameter, f"{name!r} names {len(names)} delegates; bisect runs one, e.g. gpu")
    return names[0]


def _run_exposed(
    model: Model,
    graph: Graph,
    delegate_name: str,
    threads: int,
    precision: str | None,
    sets: Sequence[dict[str, np.ndarray]],
    target: Path,
    timeout: float,
) -> tuple[dict[int, np.ndarray], dict[str, Any]]:
    """Every compute op's outputs of MODEL on DELEGATE_NAME, stacked over SETS, by tensor index."""
    # Only numbers have an error on their own scale: string tensors stay unexposed (not comparable).
    tensors = [t for p in graph.compute for t in graph.ops[p].outputs
               if t >= 0 and graph.tensors[t].dtype not in _NOT_NUMBERS]
    data, names = expose(model.path.read_bytes(), tensors)
    target.write_bytes(data)
    delegate = delegate_registry.get(delegate_name)
    availability = delegate.probe()
    if not availability.available:
        raise UsageError("delegate", f"{delegate_name} cannot run here: {availability.reason}")
    spec = WorkerRequest(
        delegate.name,
        threads,
        precision=precision,
        worker_env=tuple(sorted(availability.detail.get("worker_env", {}).items())),
    )
    run = HostDevice().run(
        target, spec, sets[0], LoopConfig(**REFERENCE_LOOP), timeout, extra_inputs=sets[1:]
    )
    if run.status != "ok":
        raise UsageError(
            "delegate",
            f"{delegate_name} could not run {model.path.name} with its intermediate "
            f"tensors as outputs: {run.status}: {run.reason}",
        )
    outputs = [run.outputs or {}, *run.extra_outputs]
    values = {}
    for index in tensors:
        arrays = [set_outputs[names[index]] for set_outputs in outputs if names[index] in set_outputs]
        if len(arrays) == len(outputs):
            values[index] = np.stack([dequantize(a, graph.tensors[index].quantization) for a in arrays])
    return values, run.runtime


def _match(graph: Graph, ref_graph: Graph, same_file: bool) -> dict[int, int]:
    """Candidate tensor -> reference tensor, for the first output of each compute op."""
    if same_file:
        return {t: t for p in graph.compute for t in graph.ops[p].outputs[:1]}
    ref_names = {
        ref_graph.tensors[t].name: t for p in ref_graph.compute for t in ref_graph.ops[p].outputs[:1]
    }
    core = [p for p in graph.compute if graph.ops[p].name not in _EDGE_OPS]
    ref_core = [p for p in ref_graph.compute if ref_graph.ops[p].name not in _EDGE_OPS]
    by_position = {
        graph.ops[a].outputs[0]: ref_graph.ops[b].outputs[0]
        for a, b in zip(core, ref_core, strict=False)
        if graph.ops[a].name == ref_graph.ops[b].name and graph.ops[a].outputs and ref_graph.ops[b].outputs
    }
    pairs = {}
    for p in graph.compute:
        for t in graph.ops[p].outputs[:1]:
            match = ref_names.get(graph.tensors[t].name, by_position.get(t))
            if match is not None:
                pairs[t] = match
    return pairs


def _curve(
    graph: Graph,
    ref_graph: Graph,
    pairs: dict[int, int],
    cand: dict[int, np.ndarray],
    ref: dict[int, np.ndarray],
    jump_db: float,
    floor_db: float,
) -> list[OpError]:
    """Per compute op, in order: SNR and cosine of its output, its inputs' SNR, and whether it jumps."""
    snr: dict[int, float] = dict.fromkeys(graph.inputs, math.inf)
    curve = []
    for position in graph.compute:
        op = graph.ops[position]
        known = [snr[i] for i in graph.live_inputs(position) if i in snr]
        input_snr = min(known) if known else math.inf
        tensor = op.outputs[0] if op.outputs else -1
        match = pairs.get(tensor)
        name = graph.tensors[tensor].name if tensor >= 0 else ""
        if match is None or tensor not in cand or match not in ref or cand[tensor].shape != ref[match].shape:
            why = (
                "no matching reference tensor" if match is None else "not comparable (missing or other shape)"
            )
            for t in op.outputs:
                snr[t] = input_snr  # an op that cannot be compared passes its inputs' error on
            curve.append(OpError(op.index, op.name, name, None, None, None, input_snr, note=why))
            continue
        metrics = output_metrics(cand[tensor], ref[match], name=name)
        value = metrics.snr_db if not math.isnan(metrics.snr_db) else -math.inf
        for t in op.outputs:
            snr[t] = value
        jump = min(input_snr, SNR_CAP_DB) - value > jump_db or value < floor_db <= input_snr
        curve.append(
            OpError(
                op.index, op.name, name, ref_graph.tensors[match].name, value, metrics.cosine, input_snr, jump
            )
        )
    return curve
