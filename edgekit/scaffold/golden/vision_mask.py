"""Golden vectors for the body-segmentation apps: the person mask of a fixed image, summarised.

Files written into the golden folder (the same files serve the web and Android apps):

``input.png``
    8-bit RGB PNG at the model's input size (:func:`vision_image.synthetic_person`); no resize needed.
``expected.json``
    ``schema_version`` (1), ``task`` ("bodypix"), ``model`` and ``model_sha256``;
    ``input``: ``file``, ``height``, ``width``, ``dtype`` and ``normalize`` (as for pose: value =
    low + pixel / 255 * (high - low), or null for raw 0..255 integers);
    ``output``: the bound tensor's ``key``, ``height``, ``width``, ``channels``, ``person_channel``
    and ``activation`` ("none", "sigmoid" over that channel, or "softmax" across channels) —
    applying it gives P(person) per pixel, an H x W map in row-major order;
    ``pooled``: that map averaged over a ``rows`` x ``cols`` grid of blocks; block (i, j) covers
    mask rows floor(i * H / rows) .. floor((i + 1) * H / rows) - 1 and likewise columns;
    ``values`` is the grid row-major, rounded to 6 decimals;
    ``mean``: the mean of the whole map; ``foreground``: the fraction of pixels with P >= 0.5;
    ``binary``: ``threshold`` (0.5) and ``bits``: base64 of the map's P >= threshold bits, row-major,
    packed 8 per byte most significant bit first (numpy ``packbits``), the last byte zero-padded;
    ``tolerance``: ``pooled`` (max |difference| of a grid value), ``mean`` (|difference| of the
    mean) and ``binary`` (the fraction of pixels whose bit may differ).

An app passes when the mask its own pipeline computes on ``input.png``, summarised the same way,
is within ``tolerance``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.scaffold.binding import ImageInput, MaskOutput
from edgekit.scaffold.contract import ModelContract
from edgekit.scaffold.golden.run import run_model
from edgekit.scaffold.golden.vision_image import (
    INPUT_FILE,
    input_record,
    preprocess,
    synthetic_person,
    write_png,
)

__all__ = ["person_probability", "pool_mask", "pack_bits", "summarize_mask", "make_golden", "EXPECTED_FILE",
           "TOLERANCE", "SCHEMA_VERSION", "THRESHOLD", "GRID"]

EXPECTED_FILE = "expected.json"
SCHEMA_VERSION = 1
THRESHOLD = 0.5
GRID = 32  # at most GRID x GRID pooled values
# Pixels on the figure's edge sit near 0.5 and may flip between runtimes; a wrong preprocessing
# step changes the mask wholesale.
TOLERANCE = {"pooled": 0.02, "mean": 0.005, "binary": 0.005}


def person_probability(output: np.ndarray, mask: MaskOutput) -> np.ndarray:
    """The H x W map of P(person) from the model's mask output [1, H, W, C]."""
    values = np.asarray(output, dtype=np.float64).reshape(mask.height, mask.width, mask.channels)
    if mask.activation == "softmax":
        shifted = np.exp(values - values.max(axis=2, keepdims=True))
        return shifted[:, :, mask.person_channel] / shifted.sum(axis=2)
    channel = values[:, :, mask.person_channel]
    if mask.activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-channel))
    return channel


def pool_mask(probability: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Block means over a rows x cols grid (block edges at floor(i * H / rows))."""
    height, width = probability.shape
    row_edges = [i * height // rows for i in range(rows + 1)]
    col_edges = [j * width // cols for j in range(cols + 1)]
    return np.array([[probability[row_edges[i]:row_edges[i + 1], col_edges[j]:col_edges[j + 1]].mean()
                      for j in range(cols)] for i in range(rows)])


def pack_bits(probability: np.ndarray, threshold: float = THRESHOLD) -> str:
    """base64 of the row-major P >= threshold bits, 8 per byte, most significant bit first."""
    return base64.b64encode(np.packbits((probability >= threshold).reshape(-1)).tobytes()).decode("ascii")


def summarize_mask(probability: np.ndarray) -> dict[str, Any]:
    """``pooled``, ``mean``, ``foreground`` and ``binary`` of a P(person) map (see the module docstring)."""
    height, width = probability.shape
    rows, cols = min(GRID, height), min(GRID, width)
    pooled = pool_mask(probability, rows, cols)
    return {
        "pooled": {"rows": rows, "cols": cols, "values": [round(float(v), 6) for v in pooled.reshape(-1)]},
        "mean": float(probability.mean()),
        "foreground": float((probability >= THRESHOLD).mean()),
        "binary": {"threshold": THRESHOLD, "bits": pack_bits(probability)},
    }


def make_golden(contract: ModelContract, binding: dict[str, Any], dest: Path) -> dict[str, Any]:
    """Write ``input.png`` and ``expected.json`` into ``dest``; return what the templates need."""
    image: ImageInput = binding["image"]
    mask: MaskOutput = binding["mask"]
    rgb = synthetic_person(image.height, image.width)
    write_png(dest / INPUT_FILE, rgb)
    outputs = run_model(contract, {image.tensor.key: preprocess(rgb, image)})
    probability = person_probability(outputs[mask.tensor.key], mask)
    expected = {
        "schema_version": SCHEMA_VERSION,
        "task": "bodypix",
        "model": contract.display_name,
        "model_sha256": contract.sha256,
        "input": input_record(image),
        "output": {
            "key": mask.tensor.key,
            "height": mask.height,
            "width": mask.width,
            "channels": mask.channels,
            "person_channel": mask.person_channel,
            "activation": mask.activation,
        },
        **summarize_mask(probability),
        "tolerance": dict(TOLERANCE),
    }
    (dest / EXPECTED_FILE).write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    return {"input": INPUT_FILE, "expected": EXPECTED_FILE, "tolerance": dict(TOLERANCE)}
