"""A model's contract as an app sees it, the same for .tflite files and TF.js graph models.

The binding (:mod:`edgekit.scaffold.binding`) maps these tensors to the roles an app needs; the
renderer copies :attr:`ModelContract.files` into the project. Facts a model file cannot carry
(the value range its image input expects, its keypoint layout) come from the zoo catalog's
``contract`` hints or from the user's options, never from guesses.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgekit import zoo
from edgekit.tfjs_model import GraphModel, is_graph_model

__all__ = ["ContractTensor", "ModelContract", "load_contract"]

TFLITE, TFJS_GRAPH = "tflite", "tfjs-graph"


@dataclass(frozen=True)
class ContractTensor:
    """One input or output.

    ``name`` is the tensor name the runtime reports (``serving_default_input_ids:0``, ``input:0``);
    ``key`` the signature's name for it (``input_ids``); ``position`` its place in the runtime's
    input/output list. ``producer`` is the op that computes an output (``LOGISTIC``, ``Sigmoid``).
    """

    key: str
    name: str
    position: int
    shape: tuple[int, ...]
    dtype: str
    scale: float | None = None
    zero_point: int | None = None
    producer: str | None = None

    def describe(self) -> str:
        """``'input_ids' int32 [1, 128]`` — how refusal messages name a tensor."""
        quant = f" (scale {self.scale:g}, zero point {self.zero_point})" if self.scale is not None else ""
        return f"{self.key!r} {self.dtype} [{', '.join(str(d) for d in self.shape)}]{quant}"

    def to_dict(self) -> dict[str, Any]:
        """Template-ready form."""
        return {"key": self.key, "name": self.name, "position": self.position, "shape": list(self.shape),
                "dtype": self.dtype, "scale": self.scale, "zero_point": self.zero_point, "producer": self.producer}


@dataclass(frozen=True)
class ModelContract:
    """What an app can rely on about a model."""

    path: Path
    display_name: str
    format: str
    inputs: tuple[ContractTensor, ...]
    outputs: tuple[ContractTensor, ...]
    ops: tuple[str, ...]
    custom_ops: tuple[str, ...]
    files: tuple[Path, ...]
    sha256: str
    vocab: Path | None = None
    hints: dict[str, Any] = field(default_factory=dict)

    @property
    def model_file(self) -> str:
        """The file name the runtime loads (``model.tflite``'s own name, or the graph's ``.json``)."""
        return self.path.name

    def describe_inputs(self) -> str:
        """All inputs, for refusal messages."""
        return "; ".join(t.describe() for t in self.inputs)

    def describe_outputs(self) -> str:
        """All outputs, for refusal messages."""
        return "; ".join(t.describe() for t in self.outputs)


def load_contract(spec: str | os.PathLike[str], *, log=None) -> ModelContract:
    """The contract of MODEL: a zoo name, a ``.tflite`` file, or a TF.js graph model (json or folder)."""
    text = os.fspath(spec)
    hints, display = {}, Path(text).name
    if not Path(text).exists() and text in {entry.name for entry in zoo.entries()}:
        hints = dict(zoo.get(text).contract)
        display = text
    path = zoo.resolve_model(text, log=log)
    if is_graph_model(path):
        contract = _graph_contract(path, display, hints)
    else:
        contract = _tflite_contract(path, display, hints)
    return contract


def _tflite_contract(path: Path, display: str, hints: dict[str, Any]) -> ModelContract:
    from edgekit.model import Model

    model = Model.open(path)
    producers = {out: op.name for op in model.ops if op.subgraph == 0 for out in op.outputs}
    signature = model.signatures[0] if model.signatures else None
    in_keys = {t.index: key for key, t in signature.inputs.items()} if signature else {}
    out_keys = {t.index: key for key, t in signature.outputs.items()} if signature else {}

    def tensor(info, position: int, keys: dict[int, str]) -> ContractTensor:
        quant = info.quantization
        scale = quant.scale[0] if quant and quant.scale and not quant.per_axis else None
        zero = (quant.zero_point[0] if quant.zero_point else 0) if scale is not None else None
        return ContractTensor(key=keys.get(info.index, info.name), name=info.name, position=position,
                              shape=tuple(info.shape_signature), dtype=info.dtype, scale=scale, zero_point=zero,
                              producer=producers.get(info.index))

    vocab = path.parent / "vocab.txt"
    return ModelContract(
        path=path, display_name=display, format=TFLITE,
        inputs=tuple(tensor(t, i, in_keys) for i, t in enumerate(model.inputs)),
        outputs=tuple(tensor(t, i, out_keys) for i, t in enumerate(model.outputs)),
        ops=tuple(sorted(model.op_histogram)), custom_ops=tuple(model.custom_ops),
        files=(path,), sha256=model.sha256, vocab=vocab if vocab.is_file() else None, hints=hints,
    )


def _graph_contract(path: Path, display: str, hints: dict[str, Any]) -> ModelContract:
    graph = GraphModel.open(path)

    def tensor(info, position: int, producer: str | None = None) -> ContractTensor:
        return ContractTensor(key=info.key.split(":", 1)[0], name=info.name, position=position,
                              shape=info.shape, dtype=info.dtype, producer=producer)

    digest = hashlib.sha256()
    for part in (graph.path, *graph.weight_files):
        digest.update(part.read_bytes())
    vocab = graph.path.parent / "vocab.txt"
    return ModelContract(
        path=graph.path, display_name=display if display != graph.path.name else graph.path.parent.name,
        format=TFJS_GRAPH,
        inputs=tuple(tensor(t, i) for i, t in enumerate(graph.inputs)),
        outputs=tuple(tensor(t, i, graph.producer(t)) for i, t in enumerate(graph.outputs)),
        ops=graph.ops, custom_ops=(), files=(graph.path, *graph.weight_files), sha256=digest.hexdigest(),
        vocab=vocab if vocab.is_file() else None, hints=hints,
    )

