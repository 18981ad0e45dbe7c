"""A model of any format edgekit reads, behind one class: ``Model``.

``Model.open(path)`` reads a ``.tflite`` file or a TF.js graph model once and validates it eagerly
(the readers in ``edgekit.model.formats`` walk every table), so a damaged file fails there with a reason
a user understands. Weight data is bounds-checked, never copied. TensorFlow conversion sources are
described by the same class (``edgekit.sources.tf_source`` builds their content). The value types
live in ``edgekit.model.contract``; derived figures (fingerprint, histogram, MAC estimate) are cached on
first use.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from edgekit.errors import ModelFormatError, ModelNotFound, UsageError
from edgekit.files.preflight import read_head, special_file_kind
from edgekit.model.contract import (
    ModelContent,
    OpInfo,
    Quantization,
    SignatureInfo,
    SubgraphInfo,
    TensorInfo,
    label_io,
)
from edgekit.model.macs import COUNTED_OPS, MacEstimate, estimate_macs

__all__ = [
    "MacEstimate",
    "Model",
    "ModelContent",
    "OpInfo",
    "Quantization",
    "SignatureInfo",
    "SubgraphInfo",
    "TensorInfo",
]

# What zipfile raises on a missing or damaged archive (NotImplementedError: garbage "version").
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError)


class Model:
    """A parsed model of any format; build with ``Model.open(path)`` (or ``Model.from_bytes``)."""

    def __init__(self, path: Path, content: ModelContent, data: bytes | None = None, subgraph: int = 0,
                 signature: str | None = None) -> None:
        """Use ``Model.open`` or ``Model.from_bytes``; this stores what a reader produced.

        DATA is the whole ``.tflite`` file (metadata and associated files are read from it).
        SUBGRAPH and SIGNATURE say which entry point ``inputs`` and ``outputs`` describe
        (see :meth:`select_signature`).
        """
        self.path = path
        self._content = content
        self._data = data
        self._subgraph = subgraph
        #: The signature chosen with :meth:`select_signature`; None for the main subgraph.
        self.selected_signature = signature

    def select_signature(self, key: str) -> Model:
        """The same model with ``inputs``/``outputs`` those of signature KEY (UsageError if absent)."""
        for signature in self.signatures:
            if signature.key == key:
                return Model(self.path, self._content, self._data, signature.subgraph, key)
        keys = ", ".join(s.key for s in self.signatures) or "none (the model has no signatures)"
        raise UsageError("signature", f"no signature {key!r} in {self.path.name}; its signatures: {keys}")

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Model:
        """Read and validate PATH (.tflite, or a TF.js graph model's json or folder)."""
        from edgekit.model.formats.tfjs_graph import is_graph_model, read_graph_model
        from edgekit.model.formats.tflite import HEAD_BYTES, check_header

        path = Path(path)
        kind = special_file_kind(path)  # by stat alone: a FIFO would block a reader, /dev/zero never end
        if kind:
            raise ModelFormatError(path, f"is {kind}, not a model file; pass the .tflite file itself")
        if is_graph_model(path):
            content = read_graph_model(path)
            return cls(content.files[0], content)
        if path.is_dir():
            raise ModelFormatError(path, "is a directory; pass the .tflite file inside it")
        if not path.exists():
            raise ModelNotFound(str(path), "no such file; check the path")
        try:
            # The first bytes decide the format: a 3 GB video is refused without reading it.
            check_header(read_head(path, HEAD_BYTES), path.stat().st_size, path)
            data = path.read_bytes()
        except OSError as exc:
            raise ModelFormatError(path, f"cannot be read: {exc.strerror or exc}") from exc
        return cls.from_bytes(data, path)

    @classmethod
    def from_bytes(cls, data: bytes, path: str | os.PathLike[str] = "<bytes>") -> Model:
        """Parse a ``.tflite`` model already in memory; PATH is used in messages and reports."""
        from edgekit.model.formats.tflite import read_model

        path = Path(path)
        data = bytes(data)
        return cls(path, read_model(data, path), data)

    @classmethod
    def from_signature(
        cls,
        path: str | os.PathLike[str],
        format: str,
        inputs: Sequence[TensorInfo],
        outputs: Sequence[TensorInfo],
        *,
        signature: str = "serving_default",
        files: Sequence[Path] = (),
        version: str | None = None,
    ) -> Model:
        """A model known by one signature only (a TensorFlow source): its inputs and outputs.

        The tensors are renumbered in order (inputs, then outputs); their keys and producers stay.
        VERSION (the producing framework's, e.g. TensorFlow's) becomes the description.
        """
        tensors = tuple(replace(t, index=i) for i, t in enumerate((*inputs, *outputs)))
        ins = tuple(range(len(inputs)))
        outs = tuple(range(len(inputs), len(tensors)))
        labelled = label_io(tensors, ins, outs, {t.index: t.key for t in tensors},
                            {t.index: t.producer for t in tensors if t.producer})
        content = ModelContent(
            format=format,
            files=tuple(files),
            tensors=(labelled,),
            subgraphs=(SubgraphInfo(0, signature, len(labelled), 0, ins, outs),),
            ops=(),
            signatures=(SignatureInfo(signature, 0, {labelled[i].key: labelled[i] for i in ins},
                                      {labelled[i].key: labelled[i] for i in outs}),),
            description=version,
        )
        return cls(Path(path), content)

    @property
    def format(self) -> str:
        """``tflite``, ``tfjs-graph``, ``saved-model`` or ``keras``."""
        return self._content.format

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file the model consists of (a graph model's json and its weight shards)."""
        return self._content.files

    @cached_property
    def size_bytes(self) -> int:
        """Bytes on disk (all of a graph model's files)."""
        if self._data is not None:
            return len(self._data)
        return sum(p.stat().st_size for p in self.files if p.is_file())

    def __repr__(self) -> str:
        return f"Model({str(self.path)!r}, {self.format}, {self.size_bytes} bytes, {len(self.ops)} ops)"

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the model's bytes (a graph model's files in order): its fingerprint."""
        if self._data is not None:
            return hashlib.sha256(self._data).hexdigest()
        digest = hashlib.sha256()
        for part in self.files:
            if part.is_file():
                with open(part, "rb") as stream:
                    for chunk in iter(lambda: stream.read(1 << 20), b""):
                        digest.update(chunk)
        return digest.hexdigest()

    @property
    def version(self) -> int | None:
        """Schema version stored in the file (3 for every current converter); None for other formats."""
        return self._content.version

    @property
    def description(self) -> str | None:
        """The converter's free-text description, if any."""
        return self._content.description

    @property
    def subgraph_count(self) -> int:
        """Number of subgraphs (1 unless the model has control flow or several signatures)."""
        return len(self._content.subgraphs)

    @property
    def subgraphs(self) -> tuple[SubgraphInfo, ...]:
        """Summary of every subgraph."""
        return self._content.subgraphs

    def tensors(self, subgraph: int = 0) -> tuple[TensorInfo, ...]:
        """Every tensor of ``subgraph``, by index."""
        if not 0 <= subgraph < self.subgraph_count:
            raise UsageError("subgraph", f"{subgraph} is out of range; the model has {self.subgraph_count}")
        return self._content.tensors[subgraph]

    @property
    def inputs(self) -> tuple[TensorInfo, ...]:
        """Inputs of the entry point (subgraph 0 unless a signature was selected), in runtime order."""
        tensors = self._content.tensors[self._subgraph]
        return tuple(tensors[i] for i in self._content.subgraphs[self._subgraph].inputs)

    @property
    def outputs(self) -> tuple[TensorInfo, ...]:
        """Outputs of the entry point (subgraph 0 unless a signature was selected), in runtime order."""
        tensors = self._content.tensors[self._subgraph]
        return tuple(tensors[i] for i in self._content.subgraphs[self._subgraph].outputs)

    @property
    def signatures(self) -> tuple[SignatureInfo, ...]:
        """Named entry points; empty for models converted without signatures."""
        return self._content.signatures

    @property
    def ops(self) -> tuple[OpInfo, ...]:
        """Every operator of every subgraph, subgraph by subgraph, in execution order."""
        return self._content.ops

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
        return tuple(name for name, _ in self._content.metadata)

    def metadata_bytes(self, name: str) -> bytes | None:
        """The raw bytes of the first Metadata entry called ``name``, or None."""
        for entry, buffer_index in self._content.metadata:
            if entry == name and self._data is not None:
                from edgekit.model.formats.tflite import buffer_bytes

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
        if self._data is None:
            return ()
        try:
            with zipfile.ZipFile(io.BytesIO(self._data)) as archive:
                return tuple(archive.namelist())
        except _ZIP_ERRORS:  # no appendix, or a damaged one: nothing inspect can list
            return ()

    @cached_property
    def macs(self) -> MacEstimate:
        """Estimated multiply-accumulates of the counted op kinds over all subgraphs."""
        return estimate_macs(self.ops, self.tensors, self._content.adjoint_x)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary of everything ``inspect`` shows."""
        macs = self.macs
        return {
            "path": str(self.path),
            "format": self.format,
            "files": [p.name for p in self.files],
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
