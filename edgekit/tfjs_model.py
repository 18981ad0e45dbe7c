"""A TF.js graph model's contract, read from its ``model.json`` without TensorFlow.

A graph model is ``model.json`` (the graph as GraphDef JSON, a ``signature`` with named, typed
and shaped inputs and outputs, and a weights manifest) plus binary weight shards beside it. This
module reads what a scaffold or a report needs: the signature, the ops, the shard files, and
which op produces each output. It runs nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgekit.errors import ModelFormatError

__all__ = ["GraphTensor", "GraphModel", "is_graph_model"]

_EXPECTED = "a TF.js graph model (model.json with format 'graph-model' and its weight files)"
# TensorFlow DataType names in model.json -> numpy dtype names.
_DTYPES = {"DT_FLOAT": "float32", "DT_INT32": "int32", "DT_UINT8": "uint8", "DT_INT8": "int8",
           "DT_BOOL": "bool", "DT_INT64": "int64", "DT_HALF": "float16", "DT_STRING": "string"}


@dataclass(frozen=True)
class GraphTensor:
    """One signature input or output: ``name`` as the runtime knows it (``input:0``), and ``key``."""

    key: str
    name: str
    shape: tuple[int, ...]
    dtype: str

    @property
    def node(self) -> str:
        """The graph node behind the tensor (``input`` for ``input:0``)."""
        return self.name.split(":", 1)[0]


class GraphModel:
    """A parsed ``model.json``; open with :meth:`open`."""

    def __init__(self, path: Path, document: dict[str, Any]) -> None:
        self.path = path
        self._document = document
        self._nodes: list[dict[str, Any]] = list(document["modelTopology"].get("node", []))
        signature = document.get("signature") or {}
        self.inputs = tuple(_tensor(key, raw, path) for key, raw in (signature.get("inputs") or {}).items())
        self.outputs = tuple(_tensor(key, raw, path) for key, raw in (signature.get("outputs") or {}).items())
        if not self.inputs or not self.outputs:
            raise ModelFormatError(path, "model.json has no signature with inputs and outputs; re-export it "
                                         "with tensorflowjs_converter from a SavedModel", _EXPECTED)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> GraphModel:
        """Read ``path`` (``model.json`` or the folder holding it); ModelFormatError when it is not one."""
        json_path = Path(path)
        if json_path.is_dir():
            json_path = _json_in(json_path)
        try:
            document = json.loads(json_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ModelFormatError(json_path, "no such file", _EXPECTED) from exc
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ModelFormatError(json_path, f"not readable JSON ({exc})", _EXPECTED) from exc
        if not isinstance(document, dict) or document.get("format") != "graph-model" \
                or not isinstance(document.get("modelTopology"), dict):
            found = document.get("format") if isinstance(document, dict) else type(document).__name__
            raise ModelFormatError(json_path, f"format is {found!r}, not 'graph-model'", _EXPECTED)
        model = cls(json_path, document)
        missing = [shard.name for shard in model.weight_files if not shard.is_file()]
        if missing:
            raise ModelFormatError(json_path, f"weight file {missing[0]} named in model.json is missing beside it",
                                   _EXPECTED)
        return model

    def __repr__(self) -> str:
        return f"GraphModel({str(self.path)!r})"

    @property
    def weight_files(self) -> tuple[Path, ...]:
        """The binary shards the weights manifest names, in order."""
        names = [p for group in self._document.get("weightsManifest", []) for p in group.get("paths", [])]
        return tuple(self.path.parent / name for name in names)

    @property
    def ops(self) -> tuple[str, ...]:
        """The distinct op types of the graph, sorted."""
        return tuple(sorted({str(node.get("op")) for node in self._nodes}))

    def producer(self, tensor: GraphTensor) -> str | None:
        """The op type that computes ``tensor``, looking through Identity nodes."""
        by_name = {node.get("name"): node for node in self._nodes}
        node = by_name.get(tensor.node)
        while node is not None and node.get("op") == "Identity" and node.get("input"):
            node = by_name.get(str(node["input"][0]).split(":", 1)[0].lstrip("^"))
        return None if node is None else str(node.get("op"))

    def op_histogram(self) -> dict[str, int]:
        """Op type -> node count, most frequent first (Const and Placeholder included)."""
        counts: dict[str, int] = {}
        for node in self._nodes:
            counts[str(node.get("op"))] = counts.get(str(node.get("op")), 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    @property
    def size_bytes(self) -> int:
        """model.json plus its weight files."""
        return sum(p.stat().st_size for p in (self.path, *self.weight_files))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, shaped like a .tflite Model's where the two formats agree."""
        def tensor(t: GraphTensor) -> dict[str, Any]:
            return {"key": t.key, "name": t.name, "shape": list(t.shape), "dtype": t.dtype}

        return {
            "path": str(self.path), "format": "tfjs-graph-model", "size_bytes": self.size_bytes,
            "weight_files": [p.name for p in self.weight_files], "converted_from": self.converted_from,
            "inputs": [tensor(t) for t in self.inputs], "outputs": [tensor(t) for t in self.outputs],
            "op_histogram": self.op_histogram(),
        }

    @property
    def converted_from(self) -> str | None:
        """Where the converter said the model came from (``generatedBy``), when it says."""
        value = self._document.get("generatedBy")
        return str(value) if value else None


def is_graph_model(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` looks like a graph model: a ``.json`` file, or a folder with ``model.json`` (or one .json)."""
    candidate = Path(path)
    return candidate.suffix.lower() == ".json" or (candidate.is_dir() and _json_in(candidate).is_file())


def _json_in(folder: Path) -> Path:
    """``model.json`` in ``folder``, else its only ``.json`` file (zoo folders keep the package's names)."""
    named = folder / "model.json"
    candidates = sorted(folder.glob("*.json"))
    return candidates[0] if not named.is_file() and len(candidates) == 1 else named


def _tensor(key: str, raw: dict[str, Any], path: Path) -> GraphTensor:
    dims = (raw.get("tensorShape") or {}).get("dim") or []
    try:
        shape = tuple(int(dim.get("size", -1)) for dim in dims)
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(path, f"signature tensor {key!r} has an unreadable shape", _EXPECTED) from exc
    dtype = _DTYPES.get(str(raw.get("dtype")), str(raw.get("dtype")).removeprefix("DT_").lower())
    return GraphTensor(key=key, name=str(raw.get("name", key)), shape=shape, dtype=dtype)
