"""A model as an app sees it: the one :class:`~edgekit.model.model.Model` plus what a file cannot say.

The binding (:mod:`edgekit.scaffold.binding`) maps the model's input and output tensors to the
roles an app needs; the renderer copies :attr:`ModelContract.files` into the project. Facts a
model file cannot carry (the value range its image input expects, its keypoint layout) come from
the zoo catalog's ``contract`` hints or from the user's options, never from guesses.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgekit import zoo
from edgekit.model.contract import TensorInfo
from edgekit.model.formats.referenced import file_beside
from edgekit.model.formats.tfjs_graph import graph_model_name
from edgekit.model.model import Model

__all__ = ["ModelContract", "load_contract", "template_tensor", "TFLITE", "TFJS_GRAPH"]

TFLITE, TFJS_GRAPH = "tflite", "tfjs-graph"


def template_tensor(tensor: TensorInfo) -> dict[str, Any]:
    """What templates and golden files know of an input or output tensor."""
    return {"key": tensor.key, "name": tensor.name, "position": tensor.position,
            "shape": list(tensor.shape_signature), "dtype": tensor.dtype, "scale": tensor.scale,
            "zero_point": tensor.zero_point, "producer": tensor.producer}


@dataclass(frozen=True)
class ModelContract:
    """The model an app is bound to, with its display name, vocabulary and catalog hints."""

    model: Model
    display_name: str
    vocab: Path | None = None
    hints: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """The file the runtime loads (the ``.tflite``, or the graph's json)."""
        return self.model.path

    @property
    def format(self) -> str:
        """``tflite`` or ``tfjs-graph``."""
        return self.model.format

    @property
    def inputs(self) -> tuple[TensorInfo, ...]:
        """The model's inputs, in the runtime's order."""
        return self.model.inputs

    @property
    def outputs(self) -> tuple[TensorInfo, ...]:
        """The model's outputs, in the runtime's order."""
        return self.model.outputs

    @property
    def ops(self) -> tuple[str, ...]:
        """The distinct op names, sorted."""
        return tuple(sorted(self.model.op_histogram))

    @property
    def custom_ops(self) -> tuple[str, ...]:
        """The custom ops the model uses."""
        return self.model.custom_ops

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file to copy into the project."""
        return self.model.files

    @property
    def sha256(self) -> str:
        """The model's fingerprint."""
        return self.model.sha256

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


def load_contract(spec: str | os.PathLike[str], *, log: Callable[[str], None] | None = None) -> ModelContract:
    """The contract of MODEL: a zoo name, a ``.tflite`` file, or a TF.js graph model (json or folder)."""
    text = os.fspath(spec)
    hints: dict[str, Any] = {}
    display = Path(text).name
    from_zoo = not Path(text).exists() and text in {entry.name for entry in zoo.entries()}
    if from_zoo:
        hints = dict(zoo.get(text).contract)
        display = text
    model = Model.open(zoo.resolve_model(text, log=log))
    if model.format == TFJS_GRAPH and not from_zoo:
        display = graph_model_name(model.path)  # the json's name, not the folder's (models/x.json -> x)
    vocab = file_beside(model.path, "vocab.txt", "vocabulary", "a model whose vocabulary lies in its folder "
                        "(copy the file there, or pass `vocab` FILE)")
    return ModelContract(model, display, vocab, hints)
