"""Golden vectors for the body-segmentation apps: is anyone there, and their mask, summarised.

The apps run the BlazePose person detector first (:mod:`.person_detector`): a segmenter alone marks
a "person" on anything (MediaPipe's selfie segmenter covers most of a cat), so an app shows a mask
only where the detector's best score reaches the presence threshold, and says "no person" elsewhere.

Files written into the golden folder (the same files serve the web and Android apps):

``input.png``, ``photo-*.png``
    8-bit RGB PNGs at the model's input size (:mod:`.vision_images`: the drawn figure, then the
    photographs: the astronaut whole, mirrored and small, a coffee cup and a cat); no resize needed.
``expected.json``
    ``schema_version`` (1), ``task`` ("bodypix"), ``model`` and ``model_sha256``;
    ``input``: ``file``, ``height``, ``width``, ``dtype`` and ``normalize`` (as for pose: value =
    low + pixel / 255 * (high - low), or null for raw 0..255 integers);
    ``output``: the bound tensor's ``key``, ``height``, ``width``, ``channels``, ``person_channel``
    and ``activation`` ("none", "sigmoid" over that channel, or "softmax" across channels) —
    applying it gives P(person) per pixel, an H x W map in row-major order;
    ``detector`` (its file and decoding constants) and ``presence`` (``threshold`` and its
    ``basis``);
    ``images``: per image its ``file``, ``label``, ``kind``, ``people``, ``person`` (``score``: the
    detector's best score, ``present``: score >= threshold), ``segmenter_foreground`` (the share of
    pixels the segmenter alone calls person) and, when present, the mask summary:
    ``pooled``: P(person) averaged over a ``rows`` x ``cols`` grid of blocks; block (i, j) covers
    mask rows floor(i * H / rows) .. floor((i + 1) * H / rows) - 1 and likewise columns;
    ``values`` is the grid row-major, rounded to 6 decimals;
    ``mean``: the mean of the whole map; ``foreground``: the fraction of pixels with P >= 0.5;
    ``binary``: ``threshold`` (0.5) and ``bits``: base64 of the map's P >= threshold bits, row-major,
    packed 8 per byte most significant bit first (numpy ``packbits``), the last byte zero-padded;
    the segmenter's summary of ``input.png`` also at the top level, as before photos were added;
    ``tolerance``: ``pooled`` (max |difference| of a grid value), ``mean`` (|difference| of the
    mean), ``binary`` (the fraction of pixels whose bit may differ) and ``person_score``
    (|difference| of the detector's score); ``tolerance_basis``: how they were measured.

An app passes when, on every image, it finds a person exactly where edgekit did, with the detector's
score within tolerance, and the mask its own pipeline computes, summarised the same way, is within
``tolerance`` wherever there is a person.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.scaffold.binding import ImageInput, MaskOutput
from edgekit.scaffold.contract import ModelContract
from edgekit.scaffold.golden import person_detector
from edgekit.scaffold.golden.parity_tolerances import tolerance_for
from edgekit.scaffold.golden.run import run_model
from edgekit.scaffold.golden.vision_image import INPUT_FILE, input_record, preprocess, write_png
from edgekit.scaffold.golden.vision_images import DRAWN, PHOTO_IMAGES, model_dir_of, platform_of

__all__ = ["person_probability", "pool_mask", "pack_bits", "summarize_mask", "make_golden", "EXPECTED_FILE",
           "IMAGES", "SCHEMA_VERSION", "THRESHOLD", "GRID"]

EXPECTED_FILE = "expected.json"
SCHEMA_VERSION = 1
THRESHOLD = 0.5
GRID = 32  # at most GRID x GRID pooled values
#: The images of a body-segmentation golden set: the drawn figure (``input.png``), then the photographs.
IMAGES = (DRAWN, *PHOTO_IMAGES)
PRESENCE_BASIS = (
    "MediaPipe's own detection threshold (pose_detection_cpu.pbtxt). Measured on edgekit's photos "
    "stretched to 256 x 256, best detector score: the astronaut 0.81-0.85 (TF.js graph) and 0.83-0.95 "
    "(pose_detection.tflite), also at 40 % size; the coffee cup 0.13 / 0.44; the cat 0.43 / 0.34; the "
    "drawn figure 0.85 / 0.86. The segmenter alone marks 74 % of the coffee cup (centre-cropped) and "
    "93 % of the whole cat photo as person."
)


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
    """Write the images, ``expected.json`` and the detector into ``dest``; return what the templates need."""
    image: ImageInput = binding["image"]
    mask: MaskOutput = binding["mask"]
    platform = platform_of(dest)
    detector = person_detector.place_detector(platform, model_dir_of(dest))
    detect = person_detector.detector_runner(detector)
    images = []
    for golden_image in IMAGES:
        rgb = golden_image.render(image.height, image.width)
        write_png(dest / golden_image.file, rgb)
        score = person_detector.person_score(rgb, detect)
        outputs = run_model(contract, {image.tensor.key: preprocess(rgb, image)})
        summary = summarize_mask(person_probability(outputs[mask.tensor.key], mask))
        present = score >= person_detector.PRESENCE_THRESHOLD
        # Where nobody is, the app shows no mask; what the segmenter alone would have shown is kept.
        record: dict[str, Any] = {**golden_image.record(), "person": {"score": score, "present": present},
                                  "segmenter_foreground": summary["foreground"]}
        images.append({**record, **summary} if present else record)
        if golden_image is DRAWN:
            first = summary  # the top-level summary: the segmenter's mask on input.png, as always
    tolerance, basis = tolerance_for("bodypix", platform.name)
    detector_facts = person_detector.detector_record(detector, platform)
    presence = {"threshold": person_detector.PRESENCE_THRESHOLD, "basis": PRESENCE_BASIS}
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
        "detector": detector_facts,
        "presence": presence,
        **first,
        "images": images,
        "tolerance": tolerance,
        "tolerance_basis": basis,
    }
    (dest / EXPECTED_FILE).write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    return {"input": INPUT_FILE, "expected": EXPECTED_FILE, "tolerance": tolerance,
            "images": [golden_image.file for golden_image in IMAGES], "detector": detector_facts,
            "presence_threshold": person_detector.PRESENCE_THRESHOLD}
