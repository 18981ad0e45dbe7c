"""The constraint vocabulary of delegate rule files, checked against one op of a parsed model.

A constraint is a small dict in a rule file: ``{"check": "constant", "inputs": [1, 2], "why":
"weights and bias must be constant"}``. Each check returns the observed fact that breaks it
("" when it holds); the reason shown is the rule's ``why`` followed by that fact. Checks:
``constant``, ``present`` (optional inputs), ``max_rank``, ``rank``, ``leading_ones`` (all but
the ``keep`` innermost dimensions are 1), ``max_elements``, ``same_dims`` (with another tensor),
``dim_equals``, ``broadcast_4d`` (Core ML's binary-op shapes) and ``any_of``. Tensors are named
``input0``, ``output0``, ``activations`` (non-weight inputs and outputs) or ``all``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edgekit.model.model import Model, OpInfo, TensorInfo

__all__ = ["OpGraph", "constraints_reason", "op_graph"]


@dataclass(frozen=True)
class OpGraph:
    """One subgraph's tensors with the facts every check needs, computed once."""

    tensors: tuple[TensorInfo, ...]
    #: Constants, plus outputs of DEQUANTIZE ops on constants (weights stored as fp16 or int8).
    weights: frozenset[int]
    #: tensor index -> positions (in ``model.ops``) of the ops that read it.
    consumers: dict[int, list[int]]


def op_graph(model: Model, subgraph: int) -> OpGraph:
    """The tensors, weights and consumers of ``subgraph``."""
    tensors = model.tensors(subgraph)
    ops = [(position, op) for position, op in enumerate(model.ops) if op.subgraph == subgraph]
    weights = {t.index for t in tensors if t.is_constant}
    consumers: dict[int, list[int]] = {}
    for position, op in ops:
        if op.name == "DEQUANTIZE" and op.inputs and op.inputs[0] in weights:
            weights.update(op.outputs)
        for index in op.inputs:
            if index >= 0:
                consumers.setdefault(index, []).append(position)
    return OpGraph(tensors, frozenset(weights), consumers)


def constraints_reason(op: OpInfo, constraints: Iterable[dict[str, Any]], graph: OpGraph) -> str | None:
    """The first broken constraint's reason (its ``why`` and the observed fact), or None."""
    for constraint in constraints:
        if constraint.get("ops") and op.name not in constraint["ops"]:
            continue
        fact = _violation(op, constraint, graph)
        if fact:
            return f"{constraint['why']} ({fact})"
    return None


def _violation(op: OpInfo, constraint: dict[str, Any], graph: OpGraph) -> str:
    check = constraint["check"]
    if check == "any_of":
        facts = [_violation(op, option, graph) for option in constraint["options"]]
        return "" if not all(facts) else "; ".join(facts)
    if check == "constant":
        for position in constraint["inputs"]:
            index = op.inputs[position] if position < len(op.inputs) else -1
            if index >= 0 and index not in graph.weights:
                return f"input {position} '{graph.tensors[index].name}' is computed at run time"
        return ""
    if check == "broadcast_4d":
        return _broadcast_violation(op, graph)
    if check == "present":
        missing = [p for p in constraint["inputs"] if p >= len(op.inputs) or op.inputs[p] < 0]
        return f"input {missing[0]} is absent" if missing else ""
    for tensor in _tensors(op, constraint["tensor"], graph):
        fact = _shape_violation(check, tensor, constraint, op, graph)
        if fact:
            return fact
    return ""


def _shape_violation(
    check: str, tensor: TensorInfo, constraint: dict[str, Any], op: OpInfo, graph: OpGraph
) -> str:
    shape, described = tensor.shape, f"tensor '{tensor.name}' has shape {list(tensor.shape)}"
    if check == "max_rank":
        return described if len(shape) > constraint["max"] else ""
    if check == "rank":
        return described if len(shape) not in constraint["in"] else ""
    if check == "leading_ones":
        leading = shape[: max(len(shape) - constraint["keep"], 0)]
        return described if any(d != 1 for d in leading) else ""
    if check == "max_elements":
        count = _elements(shape)
        return f"{described}: {count} elements" if count > constraint["max"] else ""
    if check == "same_dims":
        other = _tensors(op, constraint["as"], graph)
        if not other or len(other[0].shape) != len(shape):
            return ""
        dims = range(len(shape) - 1) if constraint["dims"] == "all_but_last" else constraint["dims"]
        changed = [d for d in dims if d < len(shape) and shape[d] != other[0].shape[d]]
        return f"{described}, '{other[0].name}' {list(other[0].shape)}" if changed else ""
    if check == "dim_equals":
        dim = constraint["dim"]
        return described if len(shape) > dim and shape[dim] != constraint["value"] else ""
    raise ValueError(f"unknown constraint check {check!r} in delegate rules")


def _tensors(op: OpInfo, which: str, graph: OpGraph) -> list[TensorInfo]:
    """Tensors a constraint names: "input0", "output0", "activations" or "all"."""
    if which.startswith("input") or which.startswith("output"):
        side = op.inputs if which.startswith("input") else op.outputs
        position = int(which.removeprefix("input").removeprefix("output"))
        index = side[position] if position < len(side) else -1
        return [graph.tensors[index]] if index >= 0 else []
    indices = [i for i in (*op.inputs, *op.outputs) if i >= 0]
    if which == "activations":
        indices = [i for i in indices if i not in graph.weights]
    return [graph.tensors[i] for i in indices]


def _broadcast_violation(op: OpInfo, graph: OpGraph) -> str:
    """Core ML's binary-op rule on NHWC shapes padded to 4D: B equal, (H, W) equal or one (1, 1),
    C equal or one 1; a differing B is allowed only for a one-element constant."""
    first, second = (graph.tensors[i] for i in op.inputs[:2])
    a, b = ([1] * (4 - len(t.shape)) + list(t.shape) for t in (first, second))
    scalar_constant = any(t.index in graph.weights and _elements(t.shape) == 1 for t in (first, second))
    batch_ok = a[0] == b[0] or scalar_constant
    spatial_ok = a[1:3] == b[1:3] or a[1:3] == [1, 1] or b[1:3] == [1, 1]
    channel_ok = a[3] == b[3] or 1 in (a[3], b[3])
    if batch_ok and spatial_ok and channel_ok:
        return ""
    return f"shapes {list(first.shape)} and {list(second.shape)}"


def _elements(shape: Sequence[int]) -> int:
    count = 1
    for d in shape:
        count *= d
    return count
