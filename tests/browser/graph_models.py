"""Hand-written TF.js graph models for the browser tests: one op each, no weights.

``unary_model`` applies one elementwise op (every backend has Relu): next to no work, so a
timing loop around it measures the loop. ``einsum_model`` multiplies its input by its own
transpose with TensorFlow's Einsum op. TF.js's WebAssembly backend has no Einsum kernel, and its
other backends refuse an equation with an ellipsis ("..."), which TensorFlow runs: two real ways
a model fails in the page.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

__all__ = ["einsum_model", "unary_model"]


def _dims(*sizes: int) -> dict:
    return {"dim": [{"size": str(size)} for size in sizes]}


def _placeholder(*sizes: int) -> dict:
    attr = {"dtype": {"type": "DT_FLOAT"}, "shape": {"shape": _dims(*sizes)}}
    return {"name": "x", "op": "Placeholder", "attr": attr}


def _write(folder: Path, nodes: list[dict], signature: dict) -> Path:
    document = {"format": "graph-model", "generatedBy": "hand-written test",
                "convertedBy": "hand-written test",
                "modelTopology": {"node": nodes, "library": {}, "versions": {"producer": 1482}},
                "signature": signature, "weightsManifest": []}
    path = folder / "model.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def einsum_model(folder: Path, equation: str = "ij,kj->ik") -> Path:
    """x [2, 3] float32 -> Einsum(EQUATION)(x, x) [2, 2]; written as FOLDER/model.json."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes = [
        _placeholder(2, 3),
        {"name": "y", "op": "Einsum", "input": ["x", "x"],
         "attr": {"T": {"type": "DT_FLOAT"}, "N": {"i": "2"},
                  "equation": {"s": base64.b64encode(equation.encode()).decode()}}},
    ]
    signature = {"inputs": {"x:0": {"name": "x:0", "dtype": "DT_FLOAT", "tensorShape": _dims(2, 3)}},
                 "outputs": {"y:0": {"name": "y:0", "dtype": "DT_FLOAT", "tensorShape": _dims(2, 2)}}}
    return _write(folder, nodes, signature)


def unary_model(folder: Path, op: str = "Relu", size: int = 8) -> Path:
    """x [1, SIZE] float32 -> OP(x); written as FOLDER/model.json."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes = [
        _placeholder(1, size),
        {"name": "y", "op": op, "input": ["x"], "attr": {"T": {"type": "DT_FLOAT"}}},
    ]
    signature = {"inputs": {"x:0": {"name": "x:0", "dtype": "DT_FLOAT", "tensorShape": _dims(1, size)}},
                 "outputs": {"y:0": {"name": "y:0", "dtype": "DT_FLOAT", "tensorShape": _dims(1, size)}}}
    return _write(folder, nodes, signature)
