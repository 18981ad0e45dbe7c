"""Write sub-models of a ``.tflite`` file with LiteRT's own flatbuffer schema (object API).

``sub_model`` keeps some ops of the main subgraph with new inputs and outputs; ``expose`` adds
intermediate tensors to the outputs. Signature definitions are dropped from the copies (they name
the original inputs and outputs), so runtimes use the subgraph's own lists; weight buffers that no
kept op uses are emptied so a segment file holds only its own weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["expose", "sub_model"]


def _unpack(data: bytes) -> Any:
    from ai_edge_litert import schema_py_generated as schema

    return schema.ModelT.InitFromPackedBuf(bytearray(data), 0)


def _pack(model: Any) -> bytes:
    import flatbuffers

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _unique_names(subgraph: Any, tensors: Sequence[int]) -> None:
    """Give TENSORS names no other tensor has, so outputs keyed by name never collide."""
    seen: dict[bytes, int] = {}
    for index, tensor in enumerate(subgraph.tensors):
        seen.setdefault(bytes(tensor.name or b""), index)
    for index in tensors:
        tensor = subgraph.tensors[index]
        name = bytes(tensor.name or b"")
        if not name or seen.get(name) != index:
            tensor.name = name + f"#{index}".encode()


def sub_model(data: bytes, ops: Sequence[int], inputs: Sequence[int], outputs: Sequence[int]) -> bytes:
    """The model with only OPS (positions in subgraph 0), fed INPUTS and returning OUTPUTS."""
    model = _unpack(data)
    subgraph = model.subgraphs[0]
    subgraph.operators = [subgraph.operators[p] for p in ops]
    subgraph.inputs = np.asarray(inputs, dtype=np.int32)
    subgraph.outputs = np.asarray(outputs, dtype=np.int32)
    _unique_names(subgraph, [*inputs, *outputs])
    model.signatureDefs = None
    _drop_unused_buffers(model)
    return _pack(model)


def expose(data: bytes, tensors: Sequence[int]) -> tuple[bytes, dict[int, str]]:
    """The model with TENSORS (of subgraph 0) appended to its outputs, in order, once each; and the
    name each exposed or original output has in it (what runners key outputs by)."""
    model = _unpack(data)
    subgraph = model.subgraphs[0]
    current = [int(i) for i in subgraph.outputs]
    extra = [t for t in dict.fromkeys(tensors) if t not in current]
    subgraph.outputs = np.asarray(current + extra, dtype=np.int32)
    _unique_names(subgraph, current + extra)
    model.signatureDefs = None
    names = {t: bytes(subgraph.tensors[t].name).decode("utf-8", "replace") for t in current + extra}
    return _pack(model), names


def _drop_unused_buffers(model: Any) -> None:
    from ai_edge_litert import schema_py_generated as schema

    used = {int(m.buffer) for m in model.metadata or []}
    for subgraph in model.subgraphs[1:]:
        used.update(int(t.buffer) for t in subgraph.tensors)
    main = model.subgraphs[0]
    referenced = {int(i) for op in main.operators for i in op.inputs if i >= 0}
    referenced.update(int(i) for op in main.operators for i in op.outputs)
    used.update(int(main.tensors[i].buffer) for i in referenced)
    for index in range(1, len(model.buffers)):
        if index not in used:
            model.buffers[index] = schema.BufferT()
