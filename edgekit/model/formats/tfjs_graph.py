"""Read a TF.js graph model's contract from its ``model.json`` without TensorFlow.

A graph model is ``model.json`` (the graph as GraphDef JSON, a ``signature`` with named, typed
and shaped inputs and outputs, and a weights manifest) plus binary weight shards beside it. The
reader produces the same :class:`~edgekit.model.contract.ModelContent` as a ``.tflite`` file: one
subgraph whose tensors are the signature's inputs then outputs, one op per graph node, and the
op that computes each output (looking through Identity nodes). It runs nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from edgekit.errors import ModelFormatError
from edgekit.files.bounded_parse import ParseRefused, read_json_file
from edgekit.model.contract import ModelContent, OpInfo, SignatureInfo, SubgraphInfo, TensorInfo, label_io
from edgekit.model.formats.tfjs_weights import check_manifest

__all__ = ["graph_json", "graph_model_name", "is_graph_model", "read_graph_model"]

_EXPECTED = "a TF.js graph model (model.json with format 'graph-model' and its weight files)"
# TensorFlow DataType names in model.json -> numpy dtype names.
_DTYPES = {"DT_FLOAT": "float32", "DT_INT32": "int32", "DT_UINT8": "uint8", "DT_INT8": "int8",
           "DT_BOOL": "bool", "DT_INT64": "int64", "DT_HALF": "float16", "DT_STRING": "string"}


def is_graph_model(path: str | os.PathLike[str]) -> bool:
    """Whether PATH looks like a graph model.

    That is a ``.json`` file, or a folder with ``model.json`` (or one graph model's .json). A folder
    holding several graph models raises ModelFormatError naming them: the user must pick one.
    """
    candidate = Path(path)
    return candidate.suffix.lower() == ".json" or (candidate.is_dir() and graph_json(candidate).is_file())


def graph_json(folder: Path) -> Path:
    """``model.json`` in FOLDER, else its one graph model's ``.json`` (zoo folders keep the package's names).

    Without either, ``FOLDER/model.json`` (which does not exist). Several graph models and no
    ``model.json``: ModelFormatError naming them, since which one is meant cannot be guessed.
    """
    named = folder / "model.json"
    candidates = sorted(p for p in folder.glob("*.json") if p.is_file())
    if named.is_file() or not candidates:
        return named
    if len(candidates) == 1:
        return candidates[0]
    models = [p for p in candidates if _looks_like_graph_model(p)]
    if len(models) > 1:
        names = ", ".join(p.name for p in models)
        raise ModelFormatError(folder, f"it holds {len(models)} ({names}); pass the .json file of the one "
                                       f"to use, e.g. {folder / models[0].name}", "one TF.js graph model")
    return models[0] if models else named


def graph_model_name(json_path: Path) -> str:
    """What a graph model is called: its json's stem (``movenet-thunder.json``), or its folder's name
    when the json is the conventional ``model.json``."""
    return json_path.parent.resolve().name if json_path.name == "model.json" else json_path.stem


def _looks_like_graph_model(path: Path) -> bool:
    try:
        document = read_json_file(path)
    except ParseRefused:
        return False
    return isinstance(document, dict) and "modelTopology" in document and "weightsManifest" in document


def read_graph_model(path: str | os.PathLike[str]) -> ModelContent:
    """Read PATH (``model.json`` or the folder holding it); ModelFormatError when it is not one."""
    json_path = Path(path)
    if json_path.is_dir():
        json_path = graph_json(json_path)
    document = _document(json_path)
    nodes = document["modelTopology"].get("node", [])
    if not isinstance(nodes, list) or not all(isinstance(node, dict) for node in nodes):
        raise ModelFormatError(json_path, "its modelTopology's 'node' is not a list of nodes", _EXPECTED)
    signature = document.get("signature") or {}
    raw_inputs = list((signature.get("inputs") or {}).items())
    raw_outputs = list((signature.get("outputs") or {}).items())
    if not raw_inputs or not raw_outputs:
        raise ModelFormatError(json_path, "model.json has no signature with inputs and outputs; re-export it "
                                          "with tensorflowjs_converter from a SavedModel", _EXPECTED)
    tensors = tuple(
        _tensor(i, key, raw, json_path) for i, (key, raw) in enumerate([*raw_inputs, *raw_outputs])
    )
    inputs = tuple(range(len(raw_inputs)))
    outputs = tuple(range(len(raw_inputs), len(tensors)))
    by_name = {node.get("name"): node for node in nodes}
    producers = {i: op for i in outputs if (op := _producer(tensors[i].name, by_name)) is not None}
    labelled = label_io(tensors, inputs, outputs, {t.index: t.key for t in tensors}, producers)
    ops = tuple(OpInfo(i, 0, str(node.get("op")), False, (), ()) for i, node in enumerate(nodes))
    weights = _weight_files(json_path, document, nodes)
    generated = document.get("generatedBy")
    return ModelContent(
        format="tfjs-graph",
        files=(json_path, *weights),
        tensors=(labelled,),
        subgraphs=(SubgraphInfo(0, "main", len(labelled), len(ops), inputs, outputs),),
        ops=ops,
        signatures=(SignatureInfo("serving_default", 0, {labelled[i].key: labelled[i] for i in inputs},
                                  {labelled[i].key: labelled[i] for i in outputs}),),
        description=str(generated) if generated else None,
    )


def _document(json_path: Path) -> dict[str, Any]:
    try:
        document = read_json_file(json_path)  # bounded: size, type and nesting depth checked first
    except ParseRefused as exc:
        reason = "no such file" if exc.reason == "does not exist" else f"not readable JSON ({exc.reason})"
        raise ModelFormatError(json_path, reason, _EXPECTED) from None
    if not isinstance(document, dict) or document.get("format") != "graph-model" \
            or not isinstance(document.get("modelTopology"), dict):
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ModelFormatError(json_path, f"format is {found!r}, not 'graph-model'", _EXPECTED)
    return document


def _weight_files(json_path: Path, document: dict[str, Any], nodes: list[dict[str, Any]]) -> tuple[Path, ...]:
    """Every shard the weights manifest names, proven to hold what it declares, inside the model's folder.

    Each ``Const`` node of the graph must have its weight in the manifest (the TF.js converter puts
    every constant there): a graph that names one the manifest lacks cannot run, and is refused now
    rather than when its golden vectors are computed.
    """
    manifest = document.get("weightsManifest", [])
    shards = check_manifest(json_path, manifest)
    groups = manifest if isinstance(manifest, list) else [manifest]
    names = {spec["name"] for group in groups for spec in group.get("weights", [])}
    missing = [str(node.get("name")) for node in nodes
               if node.get("op") == "Const" and node.get("name") not in names]
    if missing:
        raise ModelFormatError(json_path, f"its graph's constant {missing[0]!r} has no weight in the "
                                          f"weightsManifest ({len(missing)} missing)", _EXPECTED)
    return shards


def _producer(tensor_name: str, by_name: dict[Any, dict[str, Any]]) -> str | None:
    node = by_name.get(tensor_name.split(":", 1)[0])
    while node is not None and node.get("op") == "Identity" and node.get("input"):
        node = by_name.get(str(node["input"][0]).split(":", 1)[0].lstrip("^"))
    return None if node is None else str(node.get("op"))


def _tensor(index: int, key: str, raw: dict[str, Any], path: Path) -> TensorInfo:
    dims = (raw.get("tensorShape") or {}).get("dim") or []
    try:
        signature = tuple(int(dim.get("size", -1)) for dim in dims)
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(path, f"signature tensor {key!r} has an unreadable shape", _EXPECTED) from exc
    dtype = _DTYPES.get(str(raw.get("dtype")), str(raw.get("dtype")).removeprefix("DT_").lower())
    shape = tuple(1 if d < 0 else d for d in signature)
    return TensorInfo(
        index, str(raw.get("name", key)), shape, signature, dtype, None, key=key.split(":", 1)[0]
    )
