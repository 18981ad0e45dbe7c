"""Read and validate a TFLite flatbuffer into the model contract (``edgekit.model.contract``).

Uses the lazy reader of the schema LiteRT ships (``ai_edge_litert.schema_py_generated``), never
the object API, which would unpack every weight into Python lists. Every table is walked once,
eagerly, so a damaged file fails here with a reason; weight data is bounds-checked, never copied.
``edgekit.model.model.Model`` is the public face of this module.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ai_edge_litert import schema_py_generated as schema

from edgekit.errors import ModelFormatError
from edgekit.model.contract import (
    ModelContent,
    OpInfo,
    Quantization,
    SignatureInfo,
    SubgraphInfo,
    TensorInfo,
    label_io,
)

__all__ = ["FILE_IDENTIFIER", "HEAD_BYTES", "buffer_bytes", "check_header", "read_model"]

#: Bytes 4..8 of every TFLite flatbuffer.
FILE_IDENTIFIER = b"TFL3"

_DTYPES: dict[int, str] = {
    code: name.lower() for name, code in vars(schema.TensorType).items() if name.isupper()
}
_BUILTIN_NAMES: dict[int, str] = {
    code: name for name, code in vars(schema.BuiltinOperator).items() if name.isupper()
}
# What the lazy reader raises when offsets point outside the file or at garbage (a negative
# offset fails flatbuffers' number check with TypeError).
_CORRUPT_ERRORS = (struct.error, IndexError, ValueError, TypeError, OverflowError, UnicodeDecodeError)
_OpCode = tuple[str, bool, int]  # (name, is custom, version)


#: Bytes of a file's start that decide its format (and, for text, that it is text).
HEAD_BYTES = 256
#: The one schema version LiteRT loads.
SCHEMA_VERSION = 3


def read_model(data: bytes, path: Path) -> ModelContent:
    """Validate and parse ``data``; raise ModelFormatError naming what is wrong."""
    check_header(data[:HEAD_BYTES], len(data), path)
    try:
        root = schema.Model.GetRootAs(data, 0)
        buffer_count = _count(root.BuffersLength(), "buffers", data, path)
        _check_buffers(root, buffer_count, data, path)
        content = _read_root(root, buffer_count, data, path)
    except _CORRUPT_ERRORS as exc:
        raise ModelFormatError(path, _corruption_reason(exc, len(data))) from exc
    _check_loadable(content, path)
    return content


def _check_loadable(content: ModelContent, path: Path) -> None:
    """Refuse what parses but no runtime can ever load: the reason names the field at fault."""
    if content.version != SCHEMA_VERSION:
        raise ModelFormatError(path, f"schema version {content.version} is not {SCHEMA_VERSION}, the only "
                                     "version LiteRT loads; re-export it with a current converter")
    if not content.ops:
        raise ModelFormatError(path, "the model has no operators, so there is nothing to run; "
                                     "re-export it from a model that computes something")
    if not content.subgraphs[0].inputs:
        raise ModelFormatError(path, "the main subgraph has no inputs, so there is nothing to feed; "
                                     "re-export it with its input tensors")
    for s, tensors in enumerate(content.tensors):
        for tensor in tensors:
            bad_shape = any(d < 0 for d in tensor.shape)
            if bad_shape or any(d < -1 for d in tensor.shape_signature):
                dims = tensor.shape if bad_shape else tensor.shape_signature
                raise ModelFormatError(
                    path,
                    f"tensor {tensor.index} ({tensor.name!r}) of subgraph {s} declares shape "
                    f"{list(dims)}; negative sizes are impossible (only -1 in a shape signature "
                    "means dynamic); re-export the model",
                )


def _corruption_reason(exc: Exception, size: int) -> str:
    # struct.error names the byte a read needed; past the end of the file usually means the file
    # was cut short (converters write the tables after the weights, so truncation hits them first).
    needed = re.search(r"at least (\d+) bytes", str(exc)) if isinstance(exc, struct.error) else None
    if needed:
        return (
            f"truncated or corrupted: the flatbuffer refers to byte {needed.group(1)} but the file has "
            f"{size} bytes; was the download or copy cut short? Fetch or export it again"
        )
    if isinstance(exc, UnicodeDecodeError):
        what = "a name stored in it is not valid UTF-8 text"
    else:
        what = "a table or vector in it points at data that is not there"
    return f"corrupted flatbuffer: {what}; fetch or export it again"


def buffer_bytes(data: bytes, buffer_index: int) -> bytes:
    """A copy of buffer ``buffer_index``'s bytes (call only on small buffers such as metadata)."""
    buffer = schema.Model.GetRootAs(data, 0).Buffers(buffer_index)
    offset = buffer.Offset()
    if offset > 1:
        return data[offset : offset + buffer.Size()]
    if buffer.DataIsNone():
        return b""
    return buffer.DataAsNumpy().tobytes()


def check_header(head: bytes, size: int, path: Path) -> None:
    """Refuse a file by its first bytes (HEAD, at least 8 of a SIZE-byte file) before reading the rest."""
    if size == 0:
        raise ModelFormatError(path, "the file is empty (0 bytes)")
    if size < 8:
        raise ModelFormatError(path, f"too short to be a TFLite flatbuffer ({size} bytes)")
    identifier = head[4:8]
    if identifier != FILE_IDENTIFIER:
        known = _what_it_is(head, path)
        if known:
            raise ModelFormatError(path, known)
        reason = (
            f"not a TFLite flatbuffer (file identifier is {identifier!r}, expected {FILE_IDENTIFIER!r})"
        )
        raise ModelFormatError(path, reason + _what_it_looks_like(head))
    root_offset = struct.unpack_from("<I", head, 0)[0]
    if not 8 <= root_offset < size:
        reason = f"corrupted: root table offset {root_offset} is outside the file ({size} bytes)"
        raise ModelFormatError(path, reason)


_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
)


def _what_it_is(head: bytes, path: Path) -> str | None:
    """The whole reason for files people commonly pass by mistake, else None."""
    for signature, kind in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return f"is {kind}, not a model; pass the .tflite model (images go in `inputs` as arrays)"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "is a WebP image, not a model; pass the .tflite model"
    convert = f"convert it first: edgekit convert {path} --out DIR"
    if head.startswith(b"PK\x03\x04") and path.suffix.lower() == ".keras":
        return f"is a Keras model (.keras), not a .tflite model; {convert}"
    if head.startswith(b"\x89HDF"):
        return f"is an HDF5 file (a Keras .h5 model), not a .tflite model; {convert}"
    return None


def _what_it_looks_like(data: bytes) -> str:
    """A hint for the wrong files people commonly pass."""
    if data.startswith(b"PK\x03\x04"):
        return "; it is a zip archive (unzip it and pass the .tflite inside)"
    if all(32 <= b < 127 or b in b"\t\r\n" for b in data[:HEAD_BYTES]):
        return "; it looks like a text file"
    return ""


def _count(n: int, what: str, data: bytes, path: Path) -> int:
    """Reject vector lengths no file of this size could hold (a corrupted length word)."""
    if n * 4 > len(data):  # every vector element takes at least 4 bytes (an offset or an int)
        reason = f"corrupted: {what} claims {n} entries, more than a {len(data)}-byte file can hold"
        raise ModelFormatError(path, reason)
    return n


def _check_buffers(root: Any, buffer_count: int, data: bytes, path: Path) -> None:
    """Every buffer's bytes must lie inside the file: this is what catches truncation."""
    size = len(data)
    for i in range(buffer_count):
        buffer = root.Buffers(i)
        tab = buffer._tab  # the generated reader exposes no vector start; flatbuffers' Table does
        slot = tab.Offset(4)
        if slot:
            start = tab.Vector(slot)
            if start > size:
                reason = f"truncated: buffer {i} starts at byte {start} but the file has {size} bytes"
                raise ModelFormatError(path, reason)
            _check_end(i, start + tab.VectorLen(slot), size, path)
        # Offset 0 means unused and 1 is the converter's placeholder; above that it is a file
        # position (models over 2 GB keep weights after the flatbuffer).
        if buffer.Offset() > 1:
            _check_end(i, buffer.Offset() + buffer.Size(), size, path)


def _check_end(i: int, end: int, size: int, path: Path) -> None:
    if end > size:
        reason = f"truncated: buffer {i} ends at byte {end} but the file has {size} bytes"
        raise ModelFormatError(path, reason)


def _has_data(buffer: Any) -> bool:
    return buffer.DataLength() > 0 or (buffer.Offset() > 1 and buffer.Size() > 0)


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8")


def _ints(is_none: bool, as_numpy: Callable[[], Any]) -> tuple[int, ...]:
    return () if is_none else tuple(as_numpy().tolist())


def _check_indices(indices: tuple[int, ...], count: int, where: str, path: Path, absent_ok: bool) -> None:
    low = -1 if absent_ok else 0
    for index in indices:
        if not low <= index < count:
            raise ModelFormatError(path, f"corrupted: {where} refers to tensor {index} but there are {count}")


def _read_root(root: Any, buffer_count: int, data: bytes, path: Path) -> ModelContent:
    has_data = tuple(_has_data(root.Buffers(i)) for i in range(buffer_count))
    opcode_count = _count(root.OperatorCodesLength(), "operator codes", data, path)
    opcodes = tuple(_opcode(root.OperatorCodes(i)) for i in range(opcode_count))
    subgraph_count = _count(root.SubgraphsLength(), "subgraphs", data, path)
    if subgraph_count == 0:
        raise ModelFormatError(path, "the model has no subgraphs, so there is nothing to run")
    tensors: list[tuple[TensorInfo, ...]] = []
    subgraphs: list[SubgraphInfo] = []
    ops: list[OpInfo] = []
    adjoint_x: set[tuple[int, int]] = set()
    for s in range(subgraph_count):
        graph = root.Subgraphs(s)
        graph_tensors = _read_tensors(graph, s, has_data, data, path)
        graph_ops = _read_ops(graph, s, opcodes, len(graph_tensors), data, path, adjoint_x)
        inputs = _ints(graph.InputsIsNone(), graph.InputsAsNumpy)
        outputs = _ints(graph.OutputsIsNone(), graph.OutputsAsNumpy)
        _check_indices(inputs + outputs, len(graph_tensors), f"subgraph {s}'s inputs or outputs", path, False)
        name = _text(graph.Name()) or ("main" if s == 0 else f"subgraph_{s}")
        subgraphs.append(SubgraphInfo(s, name, len(graph_tensors), len(graph_ops), inputs, outputs))
        tensors.append(graph_tensors)
        ops.extend(graph_ops)
    signature_count = _count(root.SignatureDefsLength(), "signature defs", data, path)
    raw_signatures = [
        _read_signature(root.SignatureDefs(i), i, tensors, data, path) for i in range(signature_count)
    ]
    labelled = tuple(_label(s, tensors[s], subgraphs[s], ops, raw_signatures) for s in range(subgraph_count))
    signatures = tuple(
        SignatureInfo(key, s, {n: labelled[s][i] for n, i in ins}, {n: labelled[s][i] for n, i in outs})
        for key, s, ins, outs in raw_signatures
    )
    return ModelContent(
        format="tflite",
        files=(path,),
        version=root.Version(),
        description=_text(root.Description()),
        tensors=labelled,
        subgraphs=tuple(subgraphs),
        ops=tuple(ops),
        signatures=signatures,
        metadata=_read_metadata(root, buffer_count, data, path),
        adjoint_x=frozenset(adjoint_x),
    )


_RawSignature = tuple[str, int, list[tuple[str, int]], list[tuple[str, int]]]


def _label(
    s: int,
    tensors: tuple[TensorInfo, ...],
    graph: SubgraphInfo,
    ops: list[OpInfo],
    signatures: list[_RawSignature],
) -> tuple[TensorInfo, ...]:
    """Signature keys, positions and producers on subgraph S's inputs and outputs."""
    producers = {out: op.name for op in ops if op.subgraph == s for out in op.outputs}
    keys: dict[int, str] = {}
    for _, subgraph, ins, outs in signatures:
        if subgraph == s:
            for name, index in (*ins, *outs):
                keys.setdefault(index, name)
    return label_io(tensors, graph.inputs, graph.outputs, keys, producers)


def _opcode(code: Any) -> _OpCode:
    """The schema's rule: the real builtin code is the larger of the two code fields."""
    builtin = max(code.DeprecatedBuiltinCode(), code.BuiltinCode())
    if builtin == schema.BuiltinOperator.CUSTOM:
        return _text(code.CustomCode()) or "CUSTOM", True, code.Version()
    return _BUILTIN_NAMES.get(builtin, f"BUILTIN_{builtin}"), False, code.Version()


def _read_tensors(
    graph: Any, s: int, has_data: tuple[bool, ...], data: bytes, path: Path
) -> tuple[TensorInfo, ...]:
    result = []
    for i in range(_count(graph.TensorsLength(), f"subgraph {s}'s tensors", data, path)):
        t = graph.Tensors(i)
        dtype = _DTYPES.get(t.Type())
        if dtype is None:
            reason = f"tensor {i} of subgraph {s} has unknown type code {t.Type()} (a newer schema?)"
            raise ModelFormatError(path, reason)
        buffer = t.Buffer()
        if not 0 <= buffer < len(has_data):
            reason = f"corrupted: tensor {i} of subgraph {s} refers to buffer {buffer} of {len(has_data)}"
            raise ModelFormatError(path, reason)
        shape = _ints(t.ShapeIsNone(), t.ShapeAsNumpy)
        result.append(
            TensorInfo(
                index=i,
                name=_text(t.Name()) or "",
                shape=shape,
                shape_signature=_ints(t.ShapeSignatureIsNone(), t.ShapeSignatureAsNumpy) or shape,
                dtype=dtype,
                quantization=_read_quantization(t.Quantization()),
                is_constant=has_data[buffer],
                is_variable=bool(t.IsVariable()),
            )
        )
    return tuple(result)


def _read_quantization(q: Any) -> Quantization | None:
    if q is None or q.ScaleIsNone() or q.ScaleLength() == 0:
        return None
    scale = tuple(float(v) for v in q.ScaleAsNumpy().tolist())
    zero_point = _ints(q.ZeroPointIsNone(), q.ZeroPointAsNumpy)
    return Quantization(scale, zero_point, q.QuantizedDimension() if len(scale) > 1 else None)


def _read_ops(
    graph: Any,
    s: int,
    opcodes: tuple[_OpCode, ...],
    tensor_count: int,
    data: bytes,
    path: Path,
    adjoint_x: set[tuple[int, int]],
) -> list[OpInfo]:
    result = []
    for i in range(_count(graph.OperatorsLength(), f"subgraph {s}'s operators", data, path)):
        op = graph.Operators(i)
        code = op.OpcodeIndex()
        if not 0 <= code < len(opcodes):
            reason = f"corrupted: operator {i} of subgraph {s} has op code {code} of {len(opcodes)}"
            raise ModelFormatError(path, reason)
        name, custom, version = opcodes[code]
        inputs = _ints(op.InputsIsNone(), op.InputsAsNumpy)
        outputs = _ints(op.OutputsIsNone(), op.OutputsAsNumpy)
        _check_indices(inputs + outputs, tensor_count, f"operator {i} ({name}) of subgraph {s}", path, True)
        if name == "BATCH_MATMUL" and _batch_matmul_adj_x(op):
            adjoint_x.add((s, i))
        result.append(OpInfo(i, s, name, custom, inputs, outputs, version))
    return result


def _batch_matmul_adj_x(op: Any) -> bool:
    if op.BuiltinOptionsType() != schema.BuiltinOptions.BatchMatMulOptions:
        return False
    table = op.BuiltinOptions()
    if table is None:  # the union's type is set but its table is missing: default options
        return False
    options = schema.BatchMatMulOptions()
    options.Init(table.Bytes, table.Pos)
    return bool(options.AdjX())


def _read_signature(
    sig: Any, i: int, tensors: list[tuple[TensorInfo, ...]], data: bytes, path: Path
) -> _RawSignature:
    s = sig.SubgraphIndex()
    if not 0 <= s < len(tensors):
        raise ModelFormatError(path, f"corrupted: signature {i} refers to subgraph {s} of {len(tensors)}")
    key = _text(sig.SignatureKey()) or f"signature_{i}"

    def named(length: int, entry_at: Callable[[int], Any]) -> list[tuple[str, int]]:
        result = []
        for j in range(_count(length, f"signature {key!r}'s tensors", data, path)):
            entry = entry_at(j)
            index = entry.TensorIndex()
            if not 0 <= index < len(tensors[s]):
                reason = f"corrupted: signature {key!r} refers to tensor {index} of subgraph {s}"
                raise ModelFormatError(path, reason)
            result.append((_text(entry.Name()) or f"tensor_{index}", index))
        return result

    return key, s, named(sig.InputsLength(), sig.Inputs), named(sig.OutputsLength(), sig.Outputs)


def _read_metadata(root: Any, buffer_count: int, data: bytes, path: Path) -> tuple[tuple[str, int], ...]:
    entries = []
    for i in range(_count(root.MetadataLength(), "metadata entries", data, path)):
        entry = root.Metadata(i)
        if not 0 <= entry.Buffer() < buffer_count:
            reason = f"corrupted: metadata entry {i} refers to buffer {entry.Buffer()} of {buffer_count}"
            raise ModelFormatError(path, reason)
        entries.append((_text(entry.Name()) or "", entry.Buffer()))
    return tuple(entries)
