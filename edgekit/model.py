"""Open and parse a ``.tflite`` model: tensors, ops, signatures, quantization, metadata, fingerprint.

``Model.open(path)`` reads the file once and validates it eagerly (``edgekit.model_reader`` walks
every flatbuffer table with the lazy reader LiteRT ships), so a damaged file fails there with a
reason a user understands. Weight data is bounds-checked, never copied. Everything else here is a
plain frozen value; derived figures (fingerprint, histogram, MAC estimate) are cached on first use.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgekit.errors import ModelFormatError, ModelNotFound, UsageError
from edgekit.macs import COUNTED_OPS, MacEstimate, estimate_macs

if TYPE_CHECKING:
    from edgekit.model_reader import ParsedModel

__all__ = [
    "MacEstimate",
    "Model",
    "OpInfo",
    "Quantization",
    "SignatureInfo",
    "SubgraphInfo",
    "TensorInfo",
]

# What zipfile raises on a missing or damaged archive (NotImplementedError: garbage "version").
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError)


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


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of a subgraph. ``shape_signature`` has -1 for dynamic dimensions."""

    index: int
    name: str
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...]
    dtype: str
    quantization: Quantization | None
    is_constant: bool = False
    is_variable: bool = False

    @property
    def is_dynamic(self) -> bool:
        """True when any dimension is only known at run time."""
        return any(d < 0 for d in self.shape_signature)

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
        }


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


class Model:
    """A parsed ``.tflite`` file. Build with ``Model.open(path)`` (or ``Model.from_bytes``)."""

    def __init__(self, path: Path, data: bytes, parsed: ParsedModel) -> None:
        """Use ``Model.open`` or ``Model.from_bytes``; this only stores what the reader parsed."""
        self.path = path
        self.size_bytes = len(data)
        self._data = data
        self._parsed = parsed

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Model:
        """Read and validate ``path``; raise ModelNotFound or ModelFormatError with the reason."""
        path = Path(path)
        if path.is_dir():
            raise ModelFormatError(path, "is a directory; pass the .tflite file inside it")
        if not path.exists():
            raise ModelNotFound(str(path), "no such file; check the path")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelFormatError(path, f"cannot be read: {exc.strerror or exc}") from exc
        return cls.from_bytes(data, path)

    @classmethod
    def from_bytes(cls, data: bytes, path: str | os.PathLike[str] = "<bytes>") -> Model:
        """Parse a model already in memory; ``path`` is used in messages and reports."""
        # Imported here because the reader builds this module's value types.
        from edgekit.model_reader import read_model

        path = Path(path)
        data = bytes(data)
        return cls(path, data, read_model(data, path))

    def __repr__(self) -> str:
        return f"Model({str(self.path)!r}, {self.size_bytes} bytes, {len(self.ops)} ops)"

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the whole file: the model's fingerprint."""
        return hashlib.sha256(self._data).hexdigest()

    @property
    def version(self) -> int:
        """Schema version stored in the file (3 for every current converter)."""
        return self._parsed.version

    @property
    def description(self) -> str | None:
        """The converter's free-text description, if any."""
        return self._parsed.description

    @property
    def subgraph_count(self) -> int:
        """Number of subgraphs (1 unless the model has control flow or several signatures)."""
        return len(self._parsed.subgraphs)

    @property
    def subgraphs(self) -> tuple[SubgraphInfo, ...]:
        """Summary of every subgraph."""
        return self._parsed.subgraphs

    def tensors(self, subgraph: int = 0) -> tuple[TensorInfo, ...]:
        """Every tensor of ``subgraph``, by index."""
        if not 0 <= subgraph < self.subgraph_count:
            raise UsageError("subgraph", f"{subgraph} is out of range; the model has {self.subgraph_count}")
        return self._parsed.tensors[subgraph]

    @property
    def inputs(self) -> tuple[TensorInfo, ...]:
        """Inputs of subgraph 0, in the subgraph's input order."""
        return tuple(self._parsed.tensors[0][i] for i in self._parsed.subgraphs[0].inputs)

    @property
    def outputs(self) -> tuple[TensorInfo, ...]:
        """Outputs of subgraph 0, in the subgraph's output order."""
        return tuple(self._parsed.tensors[0][i] for i in self._parsed.subgraphs[0].outputs)

    @property
    def signatures(self) -> tuple[SignatureInfo, ...]:
        """Named entry points; empty for models converted without signatures."""
        return self._parsed.signatures

    @property
    def ops(self) -> tuple[OpInfo, ...]:
        """Every operator of every subgraph, subgraph by subgraph, in execution order."""
        return self._parsed.ops

    @cached_property
    def op_histogram(self) -> dict[str, int]:
        """Op name -> count over all subgraphs, most frequent first, then by name."""
        counts = Counter(op.name for op in self.ops)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    @cached_property
    def custom_ops(self) -> tuple[str, ...]:
        """Sorted unique names of the custom ops the model uses."""
        return tuple(sorted({op.name for op in self.ops if op.custom}))

    @property
    def metadata_names(self) -> tuple[str, ...]:
        """Names of the flatbuffer's Metadata entries, in file order."""
        return tuple(name for name, _ in self._parsed.metadata)

    def metadata_bytes(self, name: str) -> bytes | None:
        """The raw bytes of the first Metadata entry called ``name``, or None."""
        for entry, buffer_index in self._parsed.metadata:
            if entry == name:
                from edgekit.model_reader import buffer_bytes

                return buffer_bytes(self._data, buffer_index)
        return None

    @cached_property
    def min_runtime_version(self) -> str | None:
        """The ``min_runtime_version`` metadata the converter writes (e.g. '2.2.0'), if any."""
        raw = self.metadata_bytes("min_runtime_version")
        if raw is None:
            return None
        return raw.split(b"\0", 1)[0].decode("ascii", errors="replace") or None

    @cached_property
    def associated_files(self) -> tuple[str, ...]:
        """Files the TFLite Metadata writer packed as a zip after the flatbuffer (labels, vocab)."""
        try:
            with zipfile.ZipFile(io.BytesIO(self._data)) as archive:
                return tuple(archive.namelist())
        except _ZIP_ERRORS:  # no appendix, or a damaged one: nothing inspect can list
            return ()

    @cached_property
    def macs(self) -> MacEstimate:
        """Estimated multiply-accumulates of the counted op kinds over all subgraphs."""
        return estimate_macs(self.ops, self.tensors, self._parsed.adjoint_x)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary of everything ``inspect`` shows."""
        macs = self.macs
        return {
            "path": str(self.path),
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "schema_version": self.version,
            "description": self.description,
            "min_runtime_version": self.min_runtime_version,
            "subgraph_count": self.subgraph_count,
            "signatures": [s.to_dict() for s in self.signatures],
            "inputs": [t.to_dict() for t in self.inputs],
            "outputs": [t.to_dict() for t in self.outputs],
            "op_count": len(self.ops),
            "op_histogram": dict(self.op_histogram),
            "custom_ops": list(self.custom_ops),
            "metadata_names": list(self.metadata_names),
            "associated_files": list(self.associated_files),
            "macs_estimate": {
                "total": macs.total,
                "by_op": dict(macs.by_op),
                "skipped_ops": macs.skipped,
                "counted_ops": list(COUNTED_OPS),
                "note": "estimate from static shapes; ops not listed in counted_ops count zero",
            },
        }
