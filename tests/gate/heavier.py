"""A slower twin of a real model: the same graph and outputs, plus convolutions that cost time.

The extra branch convolves the image input (``layers`` 3x3 convolutions of ``channels``
channels), averages it to one number, multiplies that by zero and adds it to the smallest
output. Every output keeps its exact values, so accuracy checks still pass, while every
inference does the extra work (no runtime folds a product with a computed value away).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from ai_edge_litert import schema_py_generated as schema

from tests.tflite_builder import _AlignedBufferT

__all__ = ["heavier_copy"]


def heavier_copy(
    source: str | os.PathLike[str], target: str | os.PathLike[str], *, layers: int = 2, channels: int = 16
) -> Path:
    """Write SOURCE with the extra branch to TARGET; SOURCE's first input must be an NHWC float image."""
    model = schema.ModelT.InitFromPackedBuf(Path(source).read_bytes(), 0)
    for buffer in model.buffers:
        buffer.__class__ = _AlignedBufferT  # keep weights 16-byte aligned, as the converter writes them
    graph = model.subgraphs[0]
    image = graph.inputs[0]
    _, height, width, depth = (int(d) for d in graph.tensors[image].shape)
    rng = np.random.default_rng(0)
    x, in_channels = image, depth
    for layer in range(layers):
        weights = _constant(
            model, graph, f"heavy/w{layer}", rng.uniform(-0.1, 0.1, (channels, 3, 3, in_channels))
        )
        bias = _constant(model, graph, f"heavy/b{layer}", np.zeros(channels))
        y = _tensor(graph, f"heavy/conv{layer}", [1, height, width, channels])
        options = schema.Conv2DOptionsT()
        options.padding, options.strideH, options.strideW = schema.Padding.SAME, 1, 1
        options.fusedActivationFunction = schema.ActivationFunctionType.RELU
        _op(model, graph, "CONV_2D", [x, weights, bias], [y], options)
        x, in_channels = y, channels
    axes = _constant(model, graph, "heavy/axes", np.array([1, 2, 3]), "int32")
    mean = _tensor(graph, "heavy/mean", [1, 1, 1, 1])
    reducer = schema.ReducerOptionsT()
    reducer.keepDims = True
    _op(model, graph, "MEAN", [x, axes], [mean], reducer)
    target_output = min(graph.outputs, key=lambda t: int(np.prod(graph.tensors[t].shape)))
    out_shape = [int(d) for d in graph.tensors[target_output].shape]
    shape = _constant(model, graph, "heavy/shape", np.array(out_shape), "int32")
    flat = _tensor(graph, "heavy/flat", out_shape)
    reshape = schema.ReshapeOptionsT()
    reshape.newShape = out_shape
    _op(model, graph, "RESHAPE", [mean, shape], [flat], reshape)
    zero = _constant(model, graph, "heavy/zero", np.zeros(out_shape))
    nothing = _tensor(graph, "heavy/nothing", out_shape)
    _op(model, graph, "MUL", [flat, zero], [nothing], schema.MulOptionsT())
    name = graph.tensors[target_output].name
    graph.tensors[target_output].name = (
        name + b"/before_heavy" if isinstance(name, bytes) else name + "/before_heavy"
    )
    final = _tensor(graph, name, out_shape)
    _op(model, graph, "ADD", [target_output, nothing], [final], schema.AddOptionsT())
    graph.outputs = [final if t == target_output else t for t in graph.outputs]
    for signature in model.signatureDefs or []:
        for entry in signature.outputs or []:
            if entry.tensorIndex == target_output:
                entry.tensorIndex = final
    import flatbuffers

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    path = Path(target)
    path.write_bytes(bytes(builder.Output()))
    return path


def _tensor(
    graph: schema.SubGraphT, name: str | bytes, shape: list[int], dtype: str = "float32", buffer: int = 0
) -> int:
    tensor = schema.TensorT()
    tensor.name, tensor.shape, tensor.buffer = name, list(shape), buffer
    tensor.type = getattr(schema.TensorType, dtype.upper())
    graph.tensors.append(tensor)
    return len(graph.tensors) - 1


def _constant(
    model: schema.ModelT, graph: schema.SubGraphT, name: str, value: np.ndarray, dtype: str = "float32"
) -> int:
    buffer = _AlignedBufferT()
    buffer.data = np.frombuffer(np.ascontiguousarray(value, dtype=dtype).tobytes(), np.uint8)
    model.buffers.append(buffer)
    return _tensor(graph, name, list(np.shape(value)), dtype, len(model.buffers) - 1)


def _op(
    model: schema.ModelT,
    graph: schema.SubGraphT,
    name: str,
    inputs: list[int],
    outputs: list[int],
    options: object,
) -> None:
    builtin = getattr(schema.BuiltinOperator, name)
    codes = model.operatorCodes
    index = next(
        (
            i
            for i, code in enumerate(codes)
            if max(code.builtinCode, code.deprecatedBuiltinCode) == builtin and not code.customCode
        ),
        None,
    )
    if index is None:
        code = schema.OperatorCodeT()
        code.builtinCode, code.deprecatedBuiltinCode, code.version = builtin, builtin, 1
        codes.append(code)
        index = len(codes) - 1
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = index, list(inputs), list(outputs)
    op.builtinOptionsType = getattr(schema.BuiltinOptions, type(options).__name__[:-1])
    op.builtinOptions = options
    graph.operators.append(op)
