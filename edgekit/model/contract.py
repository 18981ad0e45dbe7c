"""The model contract: the value types every format reader produces and every command consumes.

A ``.tflite`` file, a TF.js graph model and a TensorFlow conversion source all become the same
description — subgraphs of tensors (name, shape, dynamic dims, dtype, quantization), ops,
signatures, metadata — in a :class:`ModelContent`, which :class:`edgekit.model.model.Model` serves.
These are plain frozen values; this module imports nothing else from edgekit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

__all__ = [
    "FORMATS",
    "ModelContent",
    "OpInfo",
    "Quantization",
    "SignatureInfo",
    "SubgraphInfo",
    "TensorInfo",
    "label_io",
]

#: The formats edgekit reads: LiteRT flatbuffers, TF.js graph models, and TensorFlow sources.
FORMATS = ("tflite", "tfjs-graph", "saved-model", "keras")


@dataclass(frozen=True)
class Quantization:
    """Affine quantization of a tensor: ``real = scale * (q - zero_point)``.

    ``zero_point`` is as stored in the file (it may be empty). ``axis`` is the quantized dimension
    and is set only when the quantization is per-axis (more than one scale).
    """

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int | None = None

    @property
    def per_axis(self) -> bool:
        """True when each slice along ``axis`` has its own scale."""
        return len(self.scale) > 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"scale": list(self.scale), "zero_point": list(self.zero_point), "axis": self.axis}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quantization:
        """Inverse of ``to_dict``."""
        return cls(tuple(float(v) for v in data["scale"]), tuple(int(v) for v in data["zero_point"]),
                   data.get("axis"))


@dataclass(frozen=True)
class TensorInfo:
    """One tensor. ``shape`` is the shape the runtime allocates (1 where a dimension is dynamic);
    ``shape_signature`` has -1 for dynamic dimensions.

    For a model's inputs and outputs, ``key`` is the signature's name for the tensor
    (``input_ids``; the tensor name when no signature names it), ``position`` its place in the
    runtime's input or output list, and ``producer`` (outputs) the op that computes it
    (``LOGISTIC``, ``Sigmoid``), looking through identities.
    """

    index: int
    name: str
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...]
    dtype: str
    quantization: Quantization | None
    is_constant: bool = False
    is_variable: bool = False
    key: str = ""
    position: int | None = None
    producer: str | None = None

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.name)

    @property
    def is_dynamic(self) -> bool:
        """True when any dimension is only known at run time."""
        return any(d < 0 for d in self.shape_signature)

    @property
    def scale(self) -> float | None:
        """The per-tensor quantization scale, or None (float, or quantized per axis)."""
        quant = self.quantization
        return quant.scale[0] if quant and quant.scale and not quant.per_axis else None

    @property
    def zero_point(self) -> int | None:
        """The per-tensor zero point (0 when the file stores none), or None when ``scale`` is None."""
        if self.scale is None or self.quantization is None:
            return None
        return self.quantization.zero_point[0] if self.quantization.zero_point else 0

    def describe(self) -> str:
        """``'input_ids' int32 [1, 128]`` — how messages name a tensor (-1 for a dynamic dim)."""
        quant = f" (scale {self.scale:g}, zero point {self.zero_point})" if self.scale is not None else ""
        return f"{self.key!r} {self.dtype} [{', '.join(str(d) for d in self.shape_signature)}]{quant}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "index": self.index,
            "name": self.name,
            "shape": list(self.shape),
            "shape_signature": list(self.shape_signature),
            "dtype": self.dtype,
            "quantization": self.quantization.to_dict() if self.quantization else None,
            "is_dynamic": self.is_dynamic,
            "key": self.key,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], position: int | None = None) -> TensorInfo:
        """Inverse of ``to_dict`` (a result document's record of a model's tensor)."""
        quantization = data.get("quantization")
        return cls(int(data["index"]), str(data["name"]), tuple(data["shape"]),
                   tuple(data.get("shape_signature") or data["shape"]), str(data["dtype"]),
                   Quantization.from_dict(quantization) if quantization else None,
                   key=str(data.get("key") or ""), position=position)


@dataclass(frozen=True)
class OpInfo:
    """One operator. ``index`` is its position in its subgraph (the interpreter's node number).

    ``name`` is the builtin name (``CONV_2D``) or, for custom ops, the custom code.
    ``inputs``/``outputs`` are tensor indices in the subgraph; -1 marks an absent optional input.
    """

    index: int
    subgraph: int
    name: str
    custom: bool
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    version: int = 1


@dataclass(frozen=True)
class SignatureInfo:
    """A named entry point (SignatureDef): its subgraph and its named inputs and outputs."""

    key: str
    subgraph: int
    inputs: dict[str, TensorInfo]
    outputs: dict[str, TensorInfo]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "key": self.key,
            "subgraph": self.subgraph,
            "inputs": {name: t.to_dict() for name, t in self.inputs.items()},
            "outputs": {name: t.to_dict() for name, t in self.outputs.items()},
        }


@dataclass(frozen=True)
class SubgraphInfo:
    """Summary of one subgraph; ``inputs``/``outputs`` are tensor indices."""

    index: int
    name: str
    tensor_count: int
    op_count: int
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(frozen=True)
class ModelContent:
    """Everything a reader found in a model, whatever its format."""

    format: str
    #: Every file the model consists of (the flatbuffer; model.json and its weight shards).
    files: tuple[Path, ...]
    tensors: tuple[tuple[TensorInfo, ...], ...]  # per subgraph
    subgraphs: tuple[SubgraphInfo, ...]
    ops: tuple[OpInfo, ...]
    signatures: tuple[SignatureInfo, ...]
    #: The format's schema version (3 for every current TFLite converter), when it has one.
    version: int | None = None
    #: The converter's free-text description or ``generatedBy``, if any.
    description: str | None = None
    metadata: tuple[tuple[str, int], ...] = ()  # (name, buffer index); .tflite only
    adjoint_x: frozenset[tuple[int, int]] = frozenset()  # (subgraph, op index) of BATCH_MATMUL with adj_x


def label_io(
    tensors: tuple[TensorInfo, ...],
    inputs: tuple[int, ...],
    outputs: tuple[int, ...],
    keys: dict[int, str],
    producers: dict[int, str],
) -> tuple[TensorInfo, ...]:
    """TENSORS with ``key``, ``position`` and (outputs) ``producer`` set on the subgraph's I/O tensors."""
    labelled = list(tensors)
    for position, index in enumerate(inputs):
        labelled[index] = replace(labelled[index], key=keys.get(index, ""), position=position)
    for position, index in enumerate(outputs):
        labelled[index] = replace(labelled[index], key=keys.get(index, ""), position=position,
                                  producer=producers.get(index))
    return tuple(labelled)
