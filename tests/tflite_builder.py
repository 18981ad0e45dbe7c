"""Build tiny, valid ``.tflite`` files from Python without TensorFlow.

Tests and benchmarks use these instead of downloaded models when they need a model with one
exact property (a custom op nobody implements, int8 inputs, a signature, a known MAC count).
Models are built with the object API of the schema LiteRT ships and every ready-made model here
runs in ``ai_edge_litert.interpreter.Interpreter`` (default and reference resolvers) unless its
docstring says otherwise. Import with ``from tests import tflite_builder`` (repo root as cwd).

The ready-made functions are a stable API: other tests and the benchmarks depend on their names,
tensor names and shapes. ``ModelBuilder`` is the low-level piece for anything else.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

__all__ = [
    "INT8_MOBILENET_OPS",
    "QUANTIZED_PARAMS",
    "ModelBuilder",
    "SubgraphBuilder",
    "add_chain",
    "batch_matmul_model",
    "conv_model",
    "custom_op_model",
    "depthwise_model",
    "fully_connected_model",
    "int8_mobilenet_model",
    "metadata_model",
    "normalization_metadata",
    "multi_input_model",
    "quantized_model",
    "signature_model",
    "transpose_conv_model",
]

_TENSOR_TYPES = {name.lower(): code for name, code in vars(schema.TensorType).items() if name.isupper()}
#: Weight buffers are 16-byte aligned, as the converter writes them.
_BUFFER_ALIGNMENT = 16


class _AlignedBufferT(schema.BufferT):
    """BufferT whose data vector is 16-byte aligned (the stock Pack aligns to 1 byte)."""

    def Pack(self, builder: flatbuffers.Builder) -> int:  # noqa: N802 (flatbuffers' name)
        data = None
        if self.data is not None:
            payload = bytes(self.data)
            builder.StartVector(1, len(payload), _BUFFER_ALIGNMENT)
            builder.head = builder.head - len(payload)
            builder.Bytes[builder.head : builder.head + len(payload)] = payload
            data = builder.EndVector()
        schema.BufferStart(builder)
        if data is not None:
            schema.BufferAddData(builder, data)
        return schema.BufferEnd(builder)


class SubgraphBuilder:
    """Tensors and ops of one subgraph; create through ``ModelBuilder.subgraph``."""

    def __init__(self, model: ModelBuilder, name: str) -> None:
        self._model = model
        self._graph = schema.SubGraphT()
        self._graph.name = name
        self._graph.tensors, self._graph.operators = [], []
        self._graph.inputs, self._graph.outputs = [], []
        self.index = len(model._graphs)

    def tensor(
        self,
        name: str,
        shape: Sequence[int],
        dtype: str = "float32",
        *,
        data: np.ndarray | None = None,
        scale: Sequence[float] | float | None = None,
        zero_point: Sequence[int] | int | None = None,
        axis: int = 0,
        shape_signature: Sequence[int] | None = None,
    ) -> int:
        """Add a tensor and return its index; ``data`` makes it a constant (weights)."""
        t = schema.TensorT()
        t.name = name
        t.shape = list(shape)
        t.type = _TENSOR_TYPES[dtype]
        t.shapeSignature = list(shape_signature) if shape_signature is not None else None
        t.buffer = 0 if data is None else self._model._buffer(np.asarray(data, dtype=dtype).tobytes())
        if scale is not None:
            q = schema.QuantizationParametersT()
            q.scale = [float(s) for s in np.atleast_1d(scale)]
            zp = zero_point if zero_point is not None else [0] * len(q.scale)
            q.zeroPoint = [int(z) for z in np.atleast_1d(zp)]
            q.quantizedDimension = axis
            t.quantization = q
        self._graph.tensors.append(t)
        return len(self._graph.tensors) - 1

    def op(
        self,
        name: str,
        inputs: Sequence[int],
        outputs: Sequence[int],
        options: Any = None,
        *,
        custom: bool = False,
    ) -> int:
        """Add an op: a builtin name (``"CONV_2D"``) with an optional ``*OptionsT``, or a custom code."""
        op = schema.OperatorT()
        op.opcodeIndex = self._model._opcode(name, custom)
        op.inputs, op.outputs = list(inputs), list(outputs)
        if options is not None:
            op.builtinOptionsType = getattr(schema.BuiltinOptions, type(options).__name__[:-1])
            op.builtinOptions = options
        self._graph.operators.append(op)
        return len(self._graph.operators) - 1

    def io(self, inputs: Sequence[int], outputs: Sequence[int]) -> None:
        """Declare the subgraph's inputs and outputs (tensor indices, in order)."""
        self._graph.inputs, self._graph.outputs = list(inputs), list(outputs)


class ModelBuilder:
    """Collects subgraphs, buffers, op codes, signatures and metadata; ``save`` writes the file."""

    def __init__(self, description: str = "edgekit test model") -> None:
        self._graphs: list[SubgraphBuilder] = []
        self._buffers: list[schema.BufferT] = [_AlignedBufferT()]  # buffer 0: the empty sentinel
        self._opcodes: list[schema.OperatorCodeT] = []
        self._signatures: list[schema.SignatureDefT] = []
        self._metadata: list[schema.MetadataT] = []
        self.description = description

    def subgraph(self, name: str = "main") -> SubgraphBuilder:
        """Start a new subgraph (the first one is the model's main graph)."""
        graph = SubgraphBuilder(self, name)
        self._graphs.append(graph)
        return graph

    def signature(
        self, key: str, graph: SubgraphBuilder, inputs: Mapping[str, int], outputs: Mapping[str, int]
    ) -> None:
        """Add a SignatureDef naming some of ``graph``'s tensors."""
        sig = schema.SignatureDefT()
        sig.signatureKey, sig.subgraphIndex = key, graph.index
        sig.inputs = [_tensor_map(name, index) for name, index in inputs.items()]
        sig.outputs = [_tensor_map(name, index) for name, index in outputs.items()]
        self._signatures.append(sig)

    def metadata(self, name: str, value: bytes) -> None:
        """Add a flatbuffer Metadata entry (e.g. ``min_runtime_version``)."""
        entry = schema.MetadataT()
        entry.name, entry.buffer = name, self._buffer(value)
        self._metadata.append(entry)

    def to_bytes(self) -> bytes:
        """The finished flatbuffer."""
        model = schema.ModelT()
        model.version = 3
        model.description = self.description
        model.operatorCodes = self._opcodes
        model.subgraphs = [g._graph for g in self._graphs]
        model.buffers = self._buffers
        model.signatureDefs = self._signatures or None
        model.metadata = self._metadata or None
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())

    def save(self, path: str | os.PathLike[str], associated_files: Mapping[str, bytes] | None = None) -> Path:
        """Write the model; ``associated_files`` are zipped after it, as the TFLite Metadata writer does."""
        path = Path(path)
        data = self.to_bytes()
        if associated_files:
            archive = io.BytesIO()
            with zipfile.ZipFile(archive, "w") as zf:
                for name, content in associated_files.items():
                    zf.writestr(name, content)
            data += archive.getvalue()
        path.write_bytes(data)
        return path

    def _buffer(self, payload: bytes) -> int:
        buffer = _AlignedBufferT()
        buffer.data = payload
        self._buffers.append(buffer)
        return len(self._buffers) - 1

    def _opcode(self, name: str, custom: bool) -> int:
        code = schema.OperatorCodeT()
        if custom:
            code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
            code.customCode = name
        else:
            builtin = getattr(schema.BuiltinOperator, name)
            # The schema's rule: codes above 127 go in builtin_code, with the placeholder in the old field.
            code.builtinCode = builtin
            code.deprecatedBuiltinCode = min(builtin, schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES)
        for i, existing in enumerate(self._opcodes):
            if (existing.builtinCode, existing.customCode) == (code.builtinCode, code.customCode):
                return i
        self._opcodes.append(code)
        return len(self._opcodes) - 1


def _tensor_map(name: str, index: int) -> schema.TensorMapT:
    entry = schema.TensorMapT()
    entry.name, entry.tensorIndex = name, index
    return entry


def _weights(shape: Sequence[int], dtype: str = "float32", seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "int8":
        return rng.integers(-127, 128, size=shape).astype(np.int8)
    if dtype == "int32":
        return rng.integers(-1000, 1000, size=shape).astype(np.int32)
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


def _padding(name: str) -> int:
    return getattr(schema.Padding, name.upper())


# ---------------------------------------------------------------------------------------------
# Ready-made models (stable API).


def add_chain(
    path: str | os.PathLike[str],
    *,
    n_ops: int = 3,
    shape: Sequence[int] = (1, 8),
    dtype: str = "float32",
    shape_signature: Sequence[int] | None = None,
) -> Path:
    """``input`` -> ADD(x, x) -> ... -> ``output``: ``n_ops`` ADDs, so output = input * 2**n_ops.

    ``dtype`` is float32, int32 or int64; int8/uint8/int16 give quantized tensors with scale 1.0
    and zero point 0 (so the values still double). ``shape_signature`` (e.g. ``(-1, 8)``) marks
    dynamic dimensions.
    """
    if n_ops < 1:
        raise ValueError("add_chain needs at least one op")
    quantized = dtype in ("int8", "uint8", "int16")
    quant = {"scale": 1.0, "zero_point": 0} if quantized else {}
    mb = ModelBuilder("edgekit add_chain")
    g = mb.subgraph()
    x = g.tensor("input", shape, dtype, shape_signature=shape_signature, **quant)
    first = x
    for i in range(n_ops):
        name = "output" if i == n_ops - 1 else f"add_{i}"
        y = g.tensor(name, shape, dtype, shape_signature=shape_signature, **quant)
        g.op("ADD", [x, x], [y], schema.AddOptionsT())
        x = y
    g.io([first], [x])
    return mb.save(path)


def custom_op_model(path: str | os.PathLike[str], op_name: str = "EdgekitMissingOp") -> Path:
    """``input`` (1, 4) float32 -> custom ``op_name`` -> ``output`` (1, 4).

    No runtime implements the op: building the interpreter works, ``allocate_tensors`` fails with
    "Encountered unresolved custom op".
    """
    mb = ModelBuilder("edgekit custom_op_model")
    g = mb.subgraph()
    x = g.tensor("input", (1, 4))
    y = g.tensor("output", (1, 4))
    g.op(op_name, [x], [y], custom=True)
    g.io([x], [y])
    return mb.save(path)


#: scale and zero point of quantized_model's input and output, per dtype.
QUANTIZED_PARAMS = {
    "int8": {"input": (0.5, -3), "output": (0.25, 5)},
    "uint8": {"input": (0.5, 125), "output": (0.25, 130)},
}


def quantized_model(path: str | os.PathLike[str], dtype: str = "int8") -> Path:
    """``input`` (1, 8) ``dtype`` -> DEQUANTIZE -> ``dequantized`` float32 -> QUANTIZE -> ``output``.

    Input and output quantization are in ``QUANTIZED_PARAMS[dtype]`` (scale, zero point); the
    output requantizes the input's real value, so it shows rounding at the coarser scale.
    """
    if dtype not in QUANTIZED_PARAMS:
        raise ValueError(f"dtype must be one of {sorted(QUANTIZED_PARAMS)}")
    in_scale, in_zp = QUANTIZED_PARAMS[dtype]["input"]
    out_scale, out_zp = QUANTIZED_PARAMS[dtype]["output"]
    mb = ModelBuilder("edgekit quantized_model")
    g = mb.subgraph()
    x = g.tensor("input", (1, 8), dtype, scale=in_scale, zero_point=in_zp)
    real = g.tensor("dequantized", (1, 8), "float32")
    y = g.tensor("output", (1, 8), dtype, scale=out_scale, zero_point=out_zp)
    g.op("DEQUANTIZE", [x], [real], schema.DequantizeOptionsT())
    g.op("QUANTIZE", [real], [y], schema.QuantizeOptionsT())
    g.io([x], [y])
    return mb.save(path)


def multi_input_model(path: str | os.PathLike[str]) -> Path:
    """Three inputs of different shapes and dtypes, two outputs.

    Inputs, in order: ``a`` (1, 4) float32, ``b`` (2, 4) float32, ``ids`` (1, 8) int32.
    Outputs, in order: ``sum`` (2, 4) = a + b (broadcast), ``ids_float`` (1, 8) = CAST(ids).
    """
    mb = ModelBuilder("edgekit multi_input_model")
    g = mb.subgraph()
    a = g.tensor("a", (1, 4))
    b = g.tensor("b", (2, 4))
    ids = g.tensor("ids", (1, 8), "int32")
    total = g.tensor("sum", (2, 4))
    ids_float = g.tensor("ids_float", (1, 8))
    g.op("ADD", [a, b], [total], schema.AddOptionsT())
    cast = schema.CastOptionsT()
    cast.inDataType, cast.outDataType = schema.TensorType.INT32, schema.TensorType.FLOAT32
    g.op("CAST", [ids], [ids_float], cast)
    g.io([a, b, ids], [total, ids_float])
    return mb.save(path)


def signature_model(path: str | os.PathLike[str]) -> Path:
    """Two subgraphs, each behind a signature: ``double`` (y = x + x) and ``square`` (y = x * x).

    Both take ``x`` (1, 4) float32 and return ``y`` (1, 4); tensor names in the file are
    ``double_in``/``double_out`` and ``square_in``/``square_out``.
    """
    mb = ModelBuilder("edgekit signature_model")
    entries = (("double", "ADD", schema.AddOptionsT()), ("square", "MUL", schema.MulOptionsT()))
    for key, op_name, options in entries:
        g = mb.subgraph(key)
        x = g.tensor(f"{key}_in", (1, 4))
        y = g.tensor(f"{key}_out", (1, 4))
        g.op(op_name, [x, x], [y], options)
        g.io([x], [y])
        mb.signature(key, g, {"x": x}, {"y": y})
    return mb.save(path)


def metadata_model(
    path: str | os.PathLike[str],
    associated_files: Mapping[str, bytes] | None = None,
) -> Path:
    """``add_chain`` (one ADD) with ``min_runtime_version`` metadata and associated files zipped after it.

    Default files: ``labels.txt`` and ``vocab.txt``.
    """
    files = associated_files if associated_files is not None else {
        "labels.txt": b"background\nperson\n",
        "vocab.txt": b"[PAD]\n[UNK]\nhello\n",
    }
    mb = ModelBuilder("edgekit metadata_model")
    g = mb.subgraph()
    x = g.tensor("input", (1, 8))
    y = g.tensor("output", (1, 8))
    g.op("ADD", [x, x], [y], schema.AddOptionsT())
    g.io([x], [y])
    mb.metadata("min_runtime_version", b"1.5.0\0\0\0\0\0\0\0\0\0\0\0")
    return mb.save(path, associated_files=files)


def normalization_metadata(mean: Sequence[float], std: Sequence[float]) -> bytes:
    """A TFLite Support ``TFLITE_METADATA`` flatbuffer (metadata_schema.fbs, identifier M001) whose
    one subgraph's first input has a NormalizationOptions process unit with MEAN and STD."""
    b = flatbuffers.Builder(256)

    def floats(values: Sequence[float]) -> int:
        b.StartVector(4, len(values), 4)
        for value in reversed(values):
            b.PrependFloat32(value)
        return b.EndVector()

    def tables(offsets: Sequence[int]) -> int:
        b.StartVector(4, len(offsets), 4)
        for offset in reversed(offsets):
            b.PrependUOffsetTRelative(offset)
        return b.EndVector()

    means, stds = floats(mean), floats(std)
    b.StartObject(2)  # NormalizationOptions { mean, std }
    b.PrependUOffsetTRelativeSlot(0, means, 0)
    b.PrependUOffsetTRelativeSlot(1, stds, 0)
    options = b.EndObject()
    b.StartObject(2)  # ProcessUnit { options_type, options }: NormalizationOptions is union member 1
    b.PrependUint8Slot(0, 1, 0)
    b.PrependUOffsetTRelativeSlot(1, options, 0)
    unit = b.EndObject()
    units = tables([unit])
    b.StartObject(7)  # TensorMetadata: process_units is field 4
    b.PrependUOffsetTRelativeSlot(4, units, 0)
    tensor = b.EndObject()
    inputs = tables([tensor])
    b.StartObject(9)  # SubGraphMetadata: input_tensor_metadata is field 2
    b.PrependUOffsetTRelativeSlot(2, inputs, 0)
    subgraph = b.EndObject()
    subgraphs = tables([subgraph])
    b.StartObject(8)  # ModelMetadata: subgraph_metadata is field 3
    b.PrependUOffsetTRelativeSlot(3, subgraphs, 0)
    root = b.EndObject()
    b.Finish(root, file_identifier=b"M001")
    return bytes(b.Output())


def conv_model(
    path: str | os.PathLike[str],
    *,
    input_shape: Sequence[int] = (1, 8, 8, 3),
    filters: int = 4,
    kernel: tuple[int, int] = (3, 3),
    stride: int = 1,
    padding: str = "same",
    metadata: Mapping[str, bytes] | None = None,
) -> Path:
    """``input`` NHWC -> CONV_2D (weights [filters, kh, kw, C], bias) -> ``output``, plus METADATA entries."""
    n, h, w, c = input_shape
    kh, kw = kernel
    oh, ow = _conv_out(h, kh, stride, padding), _conv_out(w, kw, stride, padding)
    mb = ModelBuilder("edgekit conv_model")
    g = mb.subgraph()
    x = g.tensor("input", input_shape)
    weights = g.tensor("weights", (filters, kh, kw, c), data=_weights((filters, kh, kw, c)))
    bias = g.tensor("bias", (filters,), data=_weights((filters,), seed=1))
    y = g.tensor("output", (n, oh, ow, filters))
    options = schema.Conv2DOptionsT()
    options.padding, options.strideH, options.strideW = _padding(padding), stride, stride
    g.op("CONV_2D", [x, weights, bias], [y], options)
    g.io([x], [y])
    for name, value in (metadata or {}).items():
        mb.metadata(name, value)
    return mb.save(path)


def depthwise_model(
    path: str | os.PathLike[str],
    *,
    input_shape: Sequence[int] = (1, 8, 8, 3),
    multiplier: int = 2,
    kernel: tuple[int, int] = (3, 3),
    stride: int = 1,
    padding: str = "same",
) -> Path:
    """``input`` NHWC -> DEPTHWISE_CONV_2D (weights [1, kh, kw, C*multiplier], bias) -> ``output``."""
    n, h, w, c = input_shape
    kh, kw = kernel
    out_c = c * multiplier
    oh, ow = _conv_out(h, kh, stride, padding), _conv_out(w, kw, stride, padding)
    mb = ModelBuilder("edgekit depthwise_model")
    g = mb.subgraph()
    x = g.tensor("input", input_shape)
    weights = g.tensor("weights", (1, kh, kw, out_c), data=_weights((1, kh, kw, out_c)))
    bias = g.tensor("bias", (out_c,), data=_weights((out_c,), seed=1))
    y = g.tensor("output", (n, oh, ow, out_c))
    options = schema.DepthwiseConv2DOptionsT()
    options.padding, options.strideH, options.strideW = _padding(padding), stride, stride
    options.depthMultiplier = multiplier
    g.op("DEPTHWISE_CONV_2D", [x, weights, bias], [y], options)
    g.io([x], [y])
    return mb.save(path)


def fully_connected_model(
    path: str | os.PathLike[str],
    *,
    batch: int = 2,
    in_features: int = 16,
    units: int = 10,
    with_bias: bool = True,
) -> Path:
    """``input`` (batch, in_features) -> FULLY_CONNECTED (weights [units, in_features], bias) -> ``output``.

    ``with_bias=False`` leaves the optional bias input absent (tensor index -1).
    """
    mb = ModelBuilder("edgekit fully_connected_model")
    g = mb.subgraph()
    x = g.tensor("input", (batch, in_features))
    weights = g.tensor("weights", (units, in_features), data=_weights((units, in_features)))
    bias = g.tensor("bias", (units,), data=_weights((units,), seed=1)) if with_bias else -1
    y = g.tensor("output", (batch, units))
    g.op("FULLY_CONNECTED", [x, weights, bias], [y], schema.FullyConnectedOptionsT())
    g.io([x], [y])
    return mb.save(path)


def batch_matmul_model(
    path: str | os.PathLike[str], *, batch: int = 2, m: int = 3, k: int = 5, n: int = 4, adj_x: bool = False
) -> Path:
    """Inputs ``x`` (batch, m, k), or (batch, k, m) with ``adj_x``, and ``y`` (batch, k, n).

    One BATCH_MATMUL -> ``output`` (batch, m, n).
    """
    mb = ModelBuilder("edgekit batch_matmul_model")
    g = mb.subgraph()
    x = g.tensor("x", (batch, k, m) if adj_x else (batch, m, k))
    y = g.tensor("y", (batch, k, n))
    out = g.tensor("output", (batch, m, n))
    options = schema.BatchMatMulOptionsT()
    options.adjX = adj_x
    g.op("BATCH_MATMUL", [x, y], [out], options)
    g.io([x, y], [out])
    return mb.save(path)


def transpose_conv_model(
    path: str | os.PathLike[str],
    *,
    input_shape: Sequence[int] = (1, 4, 4, 3),
    filters: int = 2,
    kernel: tuple[int, int] = (3, 3),
    stride: int = 2,
) -> Path:
    """``input`` NHWC -> TRANSPOSE_CONV (weights [filters, kh, kw, C], SAME) -> ``output``.

    The output is ``stride`` times larger in height and width.
    """
    n, h, w, c = input_shape
    kh, kw = kernel
    out_shape = (n, h * stride, w * stride, filters)
    mb = ModelBuilder("edgekit transpose_conv_model")
    g = mb.subgraph()
    x = g.tensor("input", input_shape)
    shape = g.tensor("output_shape", (4,), "int32", data=np.array(out_shape, dtype=np.int32))
    weights = g.tensor("weights", (filters, kh, kw, c), data=_weights((filters, kh, kw, c)))
    y = g.tensor("output", out_shape)
    options = schema.TransposeConvOptionsT()
    options.padding, options.strideH, options.strideW = schema.Padding.SAME, stride, stride
    g.op("TRANSPOSE_CONV", [shape, weights, x], [y], options)
    g.io([x], [y])
    return mb.save(path)


#: Ops of ``int8_mobilenet_model`` without ``middle`` or ``float_io``, in execution order.
INT8_MOBILENET_OPS = (
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "CONV_2D",
    "ADD",
    "AVERAGE_POOL_2D",
    "RESHAPE",
    "FULLY_CONNECTED",
    "SOFTMAX",
)


def int8_mobilenet_model(
    path: str | os.PathLike[str],
    *,
    middle: str | None = None,
    float_io: bool = False,
    dynamic_batch: bool = False,
) -> Path:
    """A fully int8 MobileNet-style block, quantized as the converter's full-int8 path writes it.

    ``input`` (1, 8, 8, 3) int8 -> CONV_2D 3x3/2 -> DEPTHWISE_CONV_2D 3x3 -> CONV_2D 1x1 ->
    ADD (residual with the first conv) -> AVERAGE_POOL_2D 4x4 -> RESHAPE (1, 8) ->
    FULLY_CONNECTED (4) -> SOFTMAX -> ``output`` (1, 4) int8 (scale 1/256, zero point -128).
    Weights int8 (zero point 0), biases int32 with scale input_scale * weight_scale.

    ``middle`` inserts ops right after the ADD (op 3, so they start at op 4):
    ``"float"`` -> DEQUANTIZE, TANH on float32, QUANTIZE (runs); ``"custom"`` -> the custom op
    ``EdgekitMissingOp`` (does not run: no kernel); any other value is a builtin op name applied
    to the int8 tensor as a unary op (``"HARD_SWISH"`` runs; ``"SIN"`` is for coverage only:
    LiteRT has no int8 SIN kernel).
    ``float_io`` makes ``input``/``output`` float32 with QUANTIZE first and DEQUANTIZE last, as
    the TF converter writes full-int8 models with float I/O. ``dynamic_batch`` marks the input's
    batch dimension -1 in its shape signature. Without ``middle="custom"`` the model runs in
    ``ai_edge_litert``'s Interpreter.
    """
    mb = ModelBuilder("edgekit int8_mobilenet_model")
    g = mb.subgraph()
    act = {"scale": 0.05, "zero_point": -10}
    signature = (-1, 8, 8, 3) if dynamic_batch else None
    x = q_in = g.tensor(
        "input" if not float_io else "input_q",
        (1, 8, 8, 3),
        "int8",
        scale=0.02,
        zero_point=0,
        shape_signature=None if float_io else signature,
    )
    if float_io:
        x_float = g.tensor("input", (1, 8, 8, 3), "float32", shape_signature=signature)
        g.op("QUANTIZE", [x_float], [q_in], schema.QuantizeOptionsT())

    def conv(name: str, source: int, in_scale: float, shape: tuple, kind: str, stride: int = 1) -> int:
        out_channels = shape[0] if kind == "CONV_2D" else shape[3]
        w = g.tensor(
            f"{name}/weights", shape, "int8", data=_weights(shape, "int8", seed=len(name)), scale=0.01
        )
        b = g.tensor(f"{name}/bias", (out_channels,), "int32", data=_weights((out_channels,), "int32"),
                     scale=in_scale * 0.01)
        y = g.tensor(name, (1, 4, 4, out_channels), "int8", **act)  # every conv here ends at 4x4
        options = schema.Conv2DOptionsT() if kind == "CONV_2D" else schema.DepthwiseConv2DOptionsT()
        options.padding, options.strideH, options.strideW = schema.Padding.SAME, stride, stride
        if kind == "DEPTHWISE_CONV_2D":
            options.depthMultiplier = 1
        g.op(kind, [source, w, b], [y], options)
        return y

    stem = conv("stem", x, 0.02, (8, 3, 3, 3), "CONV_2D", stride=2)
    dw = conv("dw", stem, 0.05, (1, 3, 3, 8), "DEPTHWISE_CONV_2D")
    pw = conv("pw", dw, 0.05, (8, 1, 1, 8), "CONV_2D")
    y = g.tensor("residual", (1, 4, 4, 8), "int8", **act)
    g.op("ADD", [stem, pw], [y], schema.AddOptionsT())
    y = _int8_middle(g, y, middle, act)
    pooled = g.tensor("pool", (1, 1, 1, 8), "int8", **act)
    pool = schema.Pool2DOptionsT()
    pool.padding, pool.strideH, pool.strideW, pool.filterHeight, pool.filterWidth = (
        schema.Padding.VALID,
        1,
        1,
        4,
        4,
    )
    g.op("AVERAGE_POOL_2D", [y], [pooled], pool)
    shape = g.tensor("flatten/shape", (2,), "int32", data=np.array([1, 8], dtype=np.int32))
    flat = g.tensor("flatten", (1, 8), "int8", **act)
    reshape = schema.ReshapeOptionsT()
    reshape.newShape = [1, 8]
    g.op("RESHAPE", [pooled, shape], [flat], reshape)
    w = g.tensor("logits/weights", (4, 8), "int8", data=_weights((4, 8), "int8", seed=7), scale=0.01)
    b = g.tensor("logits/bias", (4,), "int32", data=_weights((4,), "int32", seed=8), scale=0.05 * 0.01)
    logits = g.tensor("logits", (1, 4), "int8", scale=0.1, zero_point=0)
    g.op("FULLY_CONNECTED", [flat, w, b], [logits], schema.FullyConnectedOptionsT())
    probabilities = g.tensor(
        "output" if not float_io else "output_q", (1, 4), "int8", scale=1 / 256, zero_point=-128
    )
    softmax = schema.SoftmaxOptionsT()
    softmax.beta = 1.0
    g.op("SOFTMAX", [logits], [probabilities], softmax)
    out = probabilities
    if float_io:
        out = g.tensor("output", (1, 4), "float32")
        g.op("DEQUANTIZE", [probabilities], [out], schema.DequantizeOptionsT())
    g.io([x_float if float_io else x], [out])
    return mb.save(path)


def _int8_middle(g: SubgraphBuilder, x: int, middle: str | None, act: dict) -> int:
    """The ops ``int8_mobilenet_model`` inserts after its ADD; returns the int8 tensor they produce."""
    if middle is None:
        return x
    y = g.tensor("middle", (1, 4, 4, 8), "int8", **act)
    if middle == "custom":
        g.op("EdgekitMissingOp", [x], [y], custom=True)
    elif middle == "float":
        real = g.tensor("middle/dequantized", (1, 4, 4, 8), "float32")
        squashed = g.tensor("middle/tanh", (1, 4, 4, 8), "float32")
        g.op("DEQUANTIZE", [x], [real], schema.DequantizeOptionsT())
        g.op("TANH", [real], [squashed])
        g.op("QUANTIZE", [squashed], [y], schema.QuantizeOptionsT())
    else:
        g.op(middle, [x], [y])
    return y

def _conv_out(size: int, k: int, stride: int, padding: str) -> int:
    if padding.lower() == "same":
        return -(-size // stride)
    return (size - k) // stride + 1
