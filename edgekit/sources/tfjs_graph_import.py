"""Read a TF.js graph model into TensorFlow in-process: model.json + weight shards -> SavedModel.

``modelTopology`` is a GraphDef written as JSON with its Const nodes emptied; the weights come back
from the shards (``edgekit.model.formats.tfjs_weights``) as Const values. tensorflowjs_converter fuses a
few patterns into ops TensorFlow cannot run or LiteRT cannot convert (``FusedDepthwiseConv2dNative``
and ``Prelu`` exist only in TF.js; ``_FusedConv2D``/``_FusedMatMul`` are Grappler-internal). Each is
expanded back into the plain ops it stands for (the convolution or MatMul, then ``BiasAdd``, then
the activation named in ``fused_ops``), so the graph runs in TensorFlow and converts to ``.tflite``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgekit.errors import ModelFormatError
from edgekit.files.bounded_parse import ParseRefused, read_json_file

__all__ = ["GraphSignature", "import_graph_model", "save_graph_model"]

_EXPECTED = "a TF.js graph model (model.json with format 'graph-model' and its weight files)"

#: Ops TF.js fuses -> the TensorFlow op doing the fused node's main work, and the attrs it keeps.
_BASE_OPS = {
    "_FusedConv2D": ("Conv2D", ("T", "strides", "padding", "explicit_paddings", "data_format", "dilations",
                                "use_cudnn_on_gpu")),
    "FusedDepthwiseConv2dNative": ("DepthwiseConv2dNative", ("T", "strides", "padding", "explicit_paddings",
                                                              "data_format", "dilations")),
    "_FusedMatMul": ("MatMul", ("T", "transpose_a", "transpose_b")),
}
#: Activations a fused op may name that are one TensorFlow op of the same name on one input.
_UNARY = ("Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh")


@dataclass(frozen=True)
class GraphSignature:
    """The graph's entry point: (key, tensor name) per input and per output, in model.json order."""

    inputs: tuple[tuple[str, str], ...]
    outputs: tuple[tuple[str, str], ...]


def import_graph_model(json_path: Path) -> tuple[Any, GraphSignature]:
    """The graph model at JSON_PATH as a plain TensorFlow GraphDef (weights in), and its signature."""
    from google.protobuf import json_format

    from edgekit.model.formats.tfjs_weights import read_weights
    from edgekit.system.tensorflow import tensorflow

    tf = tensorflow()
    document = _document(json_path)
    try:
        graph_def = json_format.ParseDict(document["modelTopology"], tf.compat.v1.GraphDef(),
                                          ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise ModelFormatError(json_path, f"its modelTopology is not a GraphDef ({exc})", _EXPECTED) from exc
    weights = read_weights(json_path, document.get("weightsManifest") or [])
    _fill_constants(graph_def, weights, json_path, tf)
    _expand_fused_ops(graph_def, json_path)
    _refuse_unknown_ops(graph_def, json_path)
    return graph_def, _signature(document, graph_def, json_path)


def save_graph_model(json_path: Path, out: Path) -> Path:
    """Write the graph model at JSON_PATH as a SavedModel at OUT (signature ``serving_default``).

    The signature's inputs and outputs are named by model.json's signature keys (``input:0`` ->
    ``input``), the names the model's contract gives its tensors.
    """
    from edgekit.system.tensorflow import tensorflow

    tf = tensorflow()
    graph_def, signature = import_graph_model(json_path)
    pruned = _pruned_function(graph_def, signature, json_path, tf)
    input_keys = _keys(key for key, _ in signature.inputs)
    output_keys = _keys(key for key, _ in signature.outputs)
    specs = [tf.TensorSpec(tensor.shape, tensor.dtype, name=key)
             for key, tensor in zip(input_keys, pruned.inputs, strict=True)]

    def serve(*args: Any) -> dict[str, Any]:
        return dict(zip(output_keys, pruned(*args), strict=True))

    module = tf.Module()
    module.graph = pruned
    module.serve = tf.function(serve, input_signature=specs, autograph=False)
    signatures = {"serving_default": module.serve.get_concrete_function()}
    tf.saved_model.save(module, str(out), signatures=signatures)
    return out


def _document(json_path: Path) -> dict[str, Any]:
    try:
        document = read_json_file(json_path)
    except ParseRefused as exc:
        raise ModelFormatError(json_path, f"not readable JSON ({exc.reason})", _EXPECTED) from None
    if not isinstance(document, dict) or not isinstance(document.get("modelTopology"), dict):
        raise ModelFormatError(json_path, "no modelTopology", _EXPECTED)
    return document


def _fill_constants(graph_def: Any, weights: dict[str, Any], json_path: Path, tf: Any) -> None:
    """Put each weight into its Const node, and drop device placements made for the exporting machine.

    Const nodes inside the function library (control-flow bodies) are filled by name as well.
    """
    bodies = [node for function in graph_def.library.function for node in function.node_def]
    for node in [*graph_def.node, *bodies]:
        node.ClearField("device")
        if node.op != "Const" or node.attr["value"].tensor.tensor_content or _has_values(node):
            continue
        if node.name not in weights:
            raise ModelFormatError(json_path, f"Const node {node.name!r} has no value in the weight files",
                                   _EXPECTED)
        value = weights[node.name]
        dtype = tf.as_dtype(node.attr["dtype"].type) if node.attr["dtype"].type else None
        node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value, dtype=dtype))


def _has_values(node: Any) -> bool:
    """Whether a Const node carries its value in the graph itself (small constants may)."""
    tensor = node.attr["value"].tensor
    return any(len(getattr(tensor, field)) for field in (
        "float_val", "int_val", "int64_val", "bool_val", "string_val", "half_val", "double_val"))


def _expand_fused_ops(graph_def: Any, json_path: Path) -> None:
    """Replace every fused node by the chain of plain ops it stands for; the last keeps its name."""
    names = {node.name for node in graph_def.node}
    expanded: list[Any] = []
    for node in graph_def.node:
        if node.op in _BASE_OPS:
            expanded.extend(_expand_fused(node, names, json_path))
        elif node.op == "Prelu":
            data, control = _split_inputs(node)
            if len(data) != 2:
                raise ModelFormatError(json_path, f"Prelu node {node.name!r} has {len(data)} inputs, not 2",
                                       _EXPECTED)
            builder = _Chain(node.name, names, _dtype_attr(node), control)
            expanded.extend(builder.prelu(data[0], data[1], final=True))
        else:
            expanded.append(node)
    del graph_def.node[:]
    graph_def.node.extend(expanded)


def _split_inputs(node: Any) -> tuple[list[str], list[str]]:
    data = [name for name in node.input if not name.startswith("^")]
    control = [name for name in node.input if name.startswith("^")]
    return data, control


def _expand_fused(node: Any, names: set[str], json_path: Path) -> list[Any]:
    base_op, kept_attrs = _BASE_OPS[node.op]
    data, control = _split_inputs(node)
    fused = [op.decode() if isinstance(op, bytes) else str(op) for op in node.attr["fused_ops"].list.s]
    steps = len(fused)
    chain = _Chain(node.name, names, _dtype_attr(node), control)
    nodes = [chain.node(base_op, data[:2], {key: node.attr[key] for key in kept_attrs if key in node.attr},
                        final=steps == 0)]
    args = iter(data[2:])
    for index, op in enumerate(fused):
        final = index == steps - 1
        previous = nodes[-1].name
        if op == "BiasAdd":
            bias = _next_arg(args, node, op, json_path)
            attrs = {"data_format": node.attr["data_format"]} if "data_format" in node.attr else {}
            nodes.append(chain.node("BiasAdd", [previous, bias], attrs, final=final))
        elif op in _UNARY:
            nodes.append(chain.node(op, [previous], {}, final=final))
        elif op == "LeakyRelu":
            alpha = node.attr["leakyrelu_alpha"].f if "leakyrelu_alpha" in node.attr else 0.2
            nodes.append(chain.node("LeakyRelu", [previous], {"alpha": _float_attr(alpha)}, final=final))
        elif op == "Prelu":
            nodes.extend(chain.prelu(previous, _next_arg(args, node, op, json_path), final=final))
        else:
            raise ModelFormatError(json_path, f"{node.op} node {node.name!r} fuses {op}, which edgekit "
                                              "cannot expand (it knows BiasAdd, Relu, Relu6, Elu, Selu, "
                                              "LeakyRelu, Prelu, Sigmoid, Tanh)", _EXPECTED)
    return nodes


def _dtype_attr(node: Any) -> Any:
    """The fused node's element type (float32 where a hand-made graph left it out)."""
    from tensorflow.core.framework import attr_value_pb2, types_pb2

    return node.attr["T"] if "T" in node.attr else attr_value_pb2.AttrValue(type=types_pb2.DT_FLOAT)


def _next_arg(args: Iterable[str], node: Any, op: str, json_path: Path) -> str:
    value = next(iter(args), None)
    if value is None:
        raise ModelFormatError(json_path, f"{node.op} node {node.name!r} fuses {op} without its argument",
                               _EXPECTED)
    return value


def _float_attr(value: float) -> Any:
    from tensorflow.core.framework import attr_value_pb2

    return attr_value_pb2.AttrValue(f=value)


class _Chain:
    """Builds the nodes one fused node expands into: unique names, dtype, control inputs on the first."""

    def __init__(self, name: str, taken: set[str], dtype: Any, control: list[str]) -> None:
        self.name, self.taken, self.dtype, self.control = name, taken, dtype, list(control)

    def node(self, op: str, inputs: list[str], attrs: dict[str, Any], *, final: bool) -> Any:
        from tensorflow.core.framework import node_def_pb2

        node = node_def_pb2.NodeDef(op=op, name=self.name if final else self._fresh(op))
        node.input.extend([*inputs, *self.control])
        self.control = []
        node.attr["T"].CopyFrom(self.dtype)
        for key, value in attrs.items():
            node.attr[key].CopyFrom(value)
        return node

    def prelu(self, x: str, alpha: str, *, final: bool) -> list[Any]:
        """max(x, 0) - alpha * max(-x, 0): the form LiteRT's converter folds into one PRELU op."""
        make: Callable[..., Any] = self.node
        positive = make("Relu", [x], {}, final=False)
        negated = make("Neg", [x], {}, final=False)
        negative = make("Relu", [negated.name], {}, final=False)
        minus_alpha = make("Neg", [alpha], {}, final=False)
        scaled = make("Mul", [minus_alpha.name, negative.name], {}, final=False)
        total = make("AddV2", [positive.name, scaled.name], {}, final=final)
        return [positive, negated, negative, minus_alpha, scaled, total]

    def _fresh(self, op: str) -> str:
        candidate, counter = f"{self.name}/{op}", 1
        while candidate in self.taken:
            candidate, counter = f"{self.name}/{op}_{counter}", counter + 1
        self.taken.add(candidate)
        return candidate


def _refuse_unknown_ops(graph_def: Any, json_path: Path) -> None:
    from tensorflow.python.framework import op_def_registry

    library = {function.signature.name for function in graph_def.library.function}
    unknown = sorted({node.op for node in graph_def.node
                      if node.op not in library and op_def_registry.get(node.op) is None})
    if unknown:
        raise ModelFormatError(json_path, f"it uses op(s) {', '.join(unknown)} that TensorFlow does not have "
                                          "and edgekit cannot rewrite", _EXPECTED)


def _signature(document: dict[str, Any], graph_def: Any, json_path: Path) -> GraphSignature:
    """model.json's signature; without one, every Placeholder in and every unconsumed node out."""
    raw = document.get("signature") or {}
    inputs = tuple((str(k), _tensor_name(v, k)) for k, v in (raw.get("inputs") or {}).items())
    outputs = tuple((str(k), _tensor_name(v, k)) for k, v in (raw.get("outputs") or {}).items())
    if not inputs:
        inputs = tuple((n.name, f"{n.name}:0") for n in graph_def.node if n.op == "Placeholder")
    if not outputs:
        consumed = {name.lstrip("^").split(":", 1)[0] for n in graph_def.node for name in n.input}
        outputs = tuple((n.name, f"{n.name}:0") for n in graph_def.node
                        if n.name not in consumed and n.op not in ("Const", "Placeholder", "NoOp"))
    if not inputs or not outputs:
        raise ModelFormatError(json_path, "the graph has no inputs or no outputs", _EXPECTED)
    return GraphSignature(inputs, outputs)


def _tensor_name(raw: Any, key: Any) -> str:
    name = str(raw.get("name", key)) if isinstance(raw, dict) else str(key)
    return name if ":" in name else f"{name}:0"


def _keys(keys: Iterable[str]) -> list[str]:
    """Signature keys as TensorFlow names: ``input:0`` -> ``input`` (the contract's keys).

    Two keys that would become one (``a:0``, ``a:1``) keep their index instead (``a_0``, ``a_1``).
    """
    keys = list(keys)
    short = [key.split(":", 1)[0] for key in keys]
    return [s if short.count(s) == 1 else key.replace(":", "_") for s, key in zip(short, keys, strict=True)]


def _pruned_function(graph_def: Any, signature: GraphSignature, json_path: Path, tf: Any) -> Any:
    """A concrete function from the signature's input tensors to its output tensors."""
    def load() -> None:
        tf.compat.v1.import_graph_def(graph_def, name="")

    try:
        wrapped = tf.compat.v1.wrap_function(load, [])
        graph = wrapped.graph
        feeds = [graph.get_tensor_by_name(name) for _, name in signature.inputs]
        fetches = [graph.get_tensor_by_name(name) for _, name in signature.outputs]
        return wrapped.prune(feeds, fetches)
    except (ValueError, KeyError, TypeError, tf.errors.OpError) as exc:
        raise ModelFormatError(json_path, f"TensorFlow could not import its graph: "
                                          f"{' '.join(str(exc).split())[:300]}", _EXPECTED) from exc
