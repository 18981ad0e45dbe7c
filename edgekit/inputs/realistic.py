"""Realistic inputs for a model whose task is known: scenes and photos for images, sentences for text.

``realistic_inputs`` looks at the model's inputs. One image input ``[1, H, W, 3]`` gets every
scene of :mod:`edgekit.inputs.scenes` and every photo scene of :mod:`edgekit.inputs.photos` at H x W
(drawn scenes first: the first set is the one timed): raw 0..255 pixels for an integer input, pixels mapped to
the input's value range (``normalize``, from the zoo catalog or the user) for a float one, which
has to be known; then quantized when the input is. Token inputs ``[1, L]`` with a WordPiece
``vocab.txt`` beside the model get the bundled sentences. Anything else: None, and the caller
falls back to seeded random inputs and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgekit.inputs.photos import PHOTO_SCENES, render_photo_scene
from edgekit.inputs.scenes import SCENES, SENTENCES, draw_scene
from edgekit.model.contract import TensorInfo
from edgekit.model.quantization import quantize

__all__ = ["InputSets", "realistic_inputs"]


@dataclass(frozen=True)
class InputSets:
    """Named input sets (the first is the one timed) and how to say what they are."""

    kind: str  # "realistic" | "random" | "given"
    description: str
    labels: tuple[str, ...]
    sets: tuple[dict[str, np.ndarray], ...]
    #: What was done to the user's arrays on the way in (an exact int32 -> float32 conversion).
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """What the result document records of them (the arrays go to the sidecar)."""
        return {"kind": self.kind, "description": self.description, "sets": list(self.labels)}


def realistic_inputs(tensors: Sequence[TensorInfo], *, normalize: tuple[float, float] | None = None,
                     vocab: Path | None = None) -> InputSets | None:
    """Scenes or sentences shaped for TENSORS, or None when the task is not known well enough."""
    images = [
        t
        for t in tensors
        if len(t.shape) == 4 and t.shape[0] == 1 and t.shape[3] == 3 and min(t.shape[1:3]) >= 16
    ]
    if len(images) == 1 and len(tensors) == 1:
        return _scenes(images[0], normalize)
    tokens = [t for t in tensors if t.dtype in ("int32", "int64") and len(t.shape) == 2 and t.shape[0] == 1]
    if tokens and len(tokens) == len(tensors) and vocab is not None and vocab.is_file():
        return _sentences(tokens, vocab)
    return None


def _scenes(tensor: TensorInfo, normalize: tuple[float, float] | None) -> InputSets | None:
    _, height, width, _ = tensor.shape
    integer = tensor.dtype in ("uint8", "int32", "int64") and tensor.quantization is None
    if not integer and normalize is None:
        return None  # a float image's value range is not in the file: guessing it would mislead
    low, high = normalize or (0.0, 255.0)
    images = [(scene.label, draw_scene(scene, height, width)) for scene in SCENES]
    images += [(scene.label, render_photo_scene(scene, height, width)) for scene in PHOTO_SCENES]
    sets = []
    for _, rgb in images:
        pixels = rgb.astype(np.float64)[None]
        real = pixels if integer else (low + pixels / 255.0 * (high - low)).astype(np.float32)
        sets.append({tensor.name: quantize(real, tensor.quantization, tensor.dtype)})
    scale = "raw 0-255 pixels" if integer else f"pixels mapped to [{low:g}, {high:g}]"
    what = f"{len(SCENES)} drawn scenes and {len(PHOTO_SCENES)} photographs at {height}x{width} ({scale})"
    return InputSets("realistic", what, tuple(label for label, _ in images), tuple(sets))


def _sentences(tensors: Sequence[TensorInfo], vocab: Path) -> InputSets:
    from edgekit.inputs.wordpiece import WordPieceTokenizer

    tokenizer = WordPieceTokenizer.from_vocab(vocab)
    length = tensors[0].shape[1]
    sets = []
    for sentence in SENTENCES:
        encoded = tokenizer.encode(sentence, length)
        sets.append({t.name: encoded[_role(t)].astype(t.dtype) for t in tensors})
    return InputSets("realistic", f"{len(SENTENCES)} bundled sentences tokenized with {vocab.name}",
                     tuple(f"sentence {i + 1}: {s}" for i, s in enumerate(SENTENCES)), tuple(sets))


def _role(tensor: TensorInfo) -> str:
    name = f"{tensor.key} {tensor.name}".lower()
    if "mask" in name:
        return "attention_mask"
    if "type" in name or "segment" in name:
        return "token_type_ids"
    return "input_ids"
