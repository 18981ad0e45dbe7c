"""Static op coverage from rules kept as data: one evaluator for every accelerator delegate.

A rule file (``edgekit/delegates/data/<name>.json``) names the ops a delegate takes, the tensor
types it accepts and the constraints its documentation states, each with a ``source``. This module
reads those files and answers, per op, "supported" (``None``) or the reason it is not. How the
answers turn into a `Coverage` depends on the delegate: `partitioned_coverage` here (the delegate
takes every supported op: Hexagon, NNAPI, Core ML), or the Edge TPU's prefix rule in ``edgetpu.py``.

Only what the model file itself holds can be checked: tensor types, shapes, constness and op
versions (the constraint vocabulary is in ``constraints.py``). Constraints on builtin options
(strides, fused activations, axes) are kept as ``notes`` in the rule and not enforced.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from edgekit.delegates.base import Availability, Coverage, RunOptions, UnsupportedOp
from edgekit.delegates.constraints import OpGraph, constraints_reason, op_graph
from edgekit.errors import DelegateUnavailable
from edgekit.files.datafiles import load_json

if TYPE_CHECKING:
    from edgekit.model.model import Model, OpInfo, TensorInfo

__all__ = ["RuleSet", "StaticCoverageDelegate", "count_partitions", "partitioned_coverage"]

#: Ops that only convert at the model's edges; the whole-model precision check looks past them.
_CONVERSION_OPS = frozenset({"QUANTIZE", "DEQUANTIZE"})


class RuleSet:
    """The rules of one delegate, loaded from its data file; see the module docstring."""

    def __init__(self, name: str, data: dict[str, Any]) -> None:
        self.name = name
        self.data = data
        self.source: str = data["source"]
        self.accelerator: str = data["accelerator"]
        self.ops: dict[str, dict[str, Any]] = data["ops"]

    @classmethod
    def load(cls, name: str) -> RuleSet:
        """The rules in ``edgekit/delegates/data/<name>.json`` (read once per process)."""
        return _load(name)

    def model_reason(self, model: Model) -> str:
        """Why no op can map because of a whole-model precondition, or ``""``."""
        requirement = self.data.get("model", {})
        types = requirement.get("activation_types")
        if types and model.ops:
            offending = _precision_mismatch(model, types)
            if offending is not None:
                return requirement["reason"].format(tensor=offending.name, dtype=offending.dtype)
        if requirement.get("static_shapes"):
            for graph in range(model.subgraph_count):
                for tensor in model.tensors(graph):
                    if tensor.is_dynamic:
                        signature = list(tensor.shape_signature)
                        return requirement["static_shapes"].format(tensor=tensor.name, signature=signature)
        return ""

    def evaluate(self, model: Model, level: int | None = None) -> list[str | None]:
        """Per op of ``model.ops``: ``None`` when supported, else the reason.

        ``level`` is the target's API level for rules with ``min_level`` (NNAPI's Android API).
        """
        graphs = [op_graph(model, index) for index in range(model.subgraph_count)]
        verdicts = [self._op_reason(op, graphs[op.subgraph], level) for op in model.ops]
        self._fold_weight_dequantize(model, graphs, verdicts)
        return verdicts

    def _op_reason(self, op: OpInfo, graph: OpGraph, level: int | None) -> str | None:
        if op.custom:
            if op.name in self.data.get("custom_ops", {}):
                return None
            return f"custom op {op.name} does not run on {self.accelerator}; it falls back to the CPU"
        rule = self.ops.get(op.name)
        if rule is None:
            return f"{op.name} is not among the ops {self.accelerator} supports"
        if "unsupported" in rule:
            return rule["unsupported"]
        if rule.get("fold_fp16_weights") and _is_fp16_weight_dequantize(op, graph):
            return _FOLD_PENDING
        if "why" in rule:
            return rule["why"]
        if level is not None and rule.get("min_level", 0) > level:
            return f"{op.name} needs {self.data['level_name']} {rule['min_level']} (target: {level})"
        low, high = rule.get("min_version", 1), rule.get("max_version", op.version)
        if not low <= op.version <= high:
            allowed = f"only version {low}" if low == high else f"versions {low} to {high}"
            return f"{op.name} version {op.version} is not supported ({allowed})"
        return self._types_reason(op, rule, graph) or constraints_reason(
            op, [*self.data.get("constraints", []), *rule.get("constraints", [])], graph
        )

    def _types_reason(self, op: OpInfo, rule: dict[str, Any], graph: OpGraph) -> str | None:
        default = rule.get("types", self.data["activation_types"])
        checks = [
            (op.inputs, rule.get("input_types", default)),
            (op.outputs, rule.get("output_types", default)),
        ]
        for indices, types in checks:
            for index in indices:
                if index < 0 or index in graph.weights:
                    continue
                tensor = graph.tensors[index]
                if tensor.dtype not in types:
                    return (
                        f"unsupported data type: tensor '{tensor.name}' is {tensor.dtype}; "
                        f"{self.accelerator} takes {'/'.join(types)} for {op.name}"
                    )
        constant_types = rule.get("constant_types", self.data["constant_types"])
        for index in op.inputs:
            if index >= 0 and index in graph.weights and graph.tensors[index].dtype not in constant_types:
                tensor = graph.tensors[index]
                return (
                    f"unsupported data type: weight tensor '{tensor.name}' is {tensor.dtype}; "
                    f"{self.accelerator} takes {'/'.join(constant_types)} weights"
                )
        return None

    def _fold_weight_dequantize(
        self, model: Model, graphs: list[OpGraph], verdicts: list[str | None]
    ) -> None:
        """Resolve fp16 weight DEQUANTIZE ops: delegated when every op reading them is."""
        for position, verdict in enumerate(verdicts):
            if verdict is not _FOLD_PENDING:
                continue
            op = model.ops[position]
            readers = graphs[op.subgraph].consumers.get(op.outputs[0], [])
            if readers and all(verdicts[r] is None for r in readers):
                verdicts[position] = None
            else:
                verdicts[position] = (
                    "float16 weight DEQUANTIZE is delegated only with the ops that read it, "
                    "and one of them falls back to the CPU"
                )


#: Placeholder verdict while fp16 weight DEQUANTIZE ops wait for their consumers' verdicts.
_FOLD_PENDING = "pending: resolved by RuleSet._fold_weight_dequantize"


@cache
def _load(name: str) -> RuleSet:
    return RuleSet(name, load_json("edgekit.delegates", f"data/{name}.json"))


def _is_fp16_weight_dequantize(op: OpInfo, graph: OpGraph) -> bool:
    source = op.inputs[0] if op.inputs else -1
    return source >= 0 and graph.tensors[source].is_constant and graph.tensors[source].dtype == "float16"


def _precision_mismatch(model: Model, types: Sequence[str]) -> TensorInfo | None:
    """The first activation outside ``types`` when no compute op runs entirely in ``types``."""
    first_mismatch = None
    for graph_index in range(model.subgraph_count):
        graph = op_graph(model, graph_index)
        for op in model.ops:
            if op.subgraph != graph_index or op.name in _CONVERSION_OPS:
                continue
            activations = [
                graph.tensors[i] for i in (*op.inputs, *op.outputs) if i >= 0 and i not in graph.weights
            ]
            outside = [t for t in activations if t.dtype not in types]
            if activations and not outside:
                return None
            if outside and first_mismatch is None:
                first_mismatch = outside[0]
    return first_mismatch


# ---------------------------------------------------------------------------------------------
# Partitioned coverage and the delegate shape shared by the static-only delegates.


def count_partitions(model: Model, verdicts: Sequence[str | None]) -> int:
    """Runs of consecutive supported ops per subgraph, in execution order.

    TFLite's partitioner groups supported ops by data dependence, so it can merge two runs that
    do not depend on the op between them: this count is an upper bound on the real one.
    """
    partitions, previous = 0, None
    for op, verdict in zip(model.ops, verdicts, strict=True):
        supported = verdict is None
        if supported and (previous is None or previous[0] != op.subgraph or not previous[1]):
            partitions += 1
        previous = (op.subgraph, supported)
    return partitions


def partitioned_coverage(name: str, rules: RuleSet, model: Model, level: int | None = None) -> Coverage:
    """Coverage for a delegate that takes every supported op, in as many partitions as needed."""
    reason = rules.model_reason(model)
    verdicts = [reason] * len(model.ops) if reason else rules.evaluate(model, level)
    unsupported = tuple(
        UnsupportedOp(op.index, op.subgraph, op.name, why)
        for op, why in zip(model.ops, verdicts, strict=True)
        if why is not None
    )
    return Coverage(
        name,
        len(model.ops),
        unsupported,
        rules.source,
        partitions=count_partitions(model, verdicts),
        partitioning="partitions",
        model_reason=reason,
        accelerator=rules.accelerator,
    )


@dataclass(frozen=True)
class StaticCoverageDelegate(abc.ABC):
    """A delegate this host cannot run: static coverage here, real runs on another device.

    Subclasses give ``probe`` (why not here, and where it does run).
    """

    name: str
    summary: str
    rules_name: str
    #: Unsupported ops run on the CPU, so partial coverage makes a run partial, not impossible.
    cpu_fallback: bool = True
    uses_threads: bool = True

    @abc.abstractmethod
    def probe(self) -> Availability:
        """Each delegate says where it can run."""

    def coverage(self, model: Model) -> Coverage:
        """Which ops the delegate would take, from its rule file."""
        return partitioned_coverage(self.name, RuleSet.load(self.rules_name), model)

    def open(self, model_path: str, options: RunOptions) -> Any:
        """Never opens here: raises DelegateUnavailable with the probe's reason."""
        raise DelegateUnavailable(self.name, self.probe().reason)
