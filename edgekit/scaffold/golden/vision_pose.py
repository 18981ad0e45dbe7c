"""Golden vectors for the pose apps: keypoints decoded from the model's output on a fixed image.

Files written into the golden folder (the same files serve the web and Android apps):

``input.png``, ``photo-*.png``
    8-bit RGB PNGs at the model's input size (:mod:`.vision_images`: the drawn figure, then the
    photographs); no resize needed.
``expected.json``
    ``schema_version`` (1), ``task`` ("pose"), ``model`` and ``model_sha256``;
    ``input``: ``file``, ``height``, ``width``, ``dtype`` (of the model input) and ``normalize``
    ([low, high]: value = low + pixel / 255 * (high - low), or null for raw 0..255 integers);
    ``output``: the bound tensor's ``key``, ``count``, ``stride``, ``x_index``, ``y_index``,
    ``score_index``, ``coords`` ("normalized" or "pixels" of the model input) and
    ``score_activation`` ("none" or "sigmoid");
    ``raw``: the first ``count * stride`` values of that output, row-major, as the model gave them;
    ``keypoints``: ``count`` rows of [x, y, score] — x and y divided by the input width/height when
    ``coords`` is "pixels" (so 0..1 across the image), score after ``score_activation``;
    ``images``: per image its ``file``, ``label``, ``kind``, ``people``, ``raw`` and ``keypoints``
    (the first is ``input.png``, whose values are also the top-level ``raw`` and ``keypoints``);
    ``tolerance``: ``xy`` (max |difference| of normalised x or y), ``score`` (max |difference| of a
    score) and ``raw`` (max |difference| of a raw value, relative to max(1, |expected|));
    ``tolerance_basis``: how they were measured (:mod:`.parity_tolerances`).

An app passes when every keypoint of its own pipeline, run on every image, is within ``tolerance``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.scaffold.binding import ImageInput, KeypointOutput
from edgekit.scaffold.contract import ModelContract
from edgekit.scaffold.golden import pose_two_stage as two_stage
from edgekit.scaffold.golden.parity_tolerances import tolerance_for
from edgekit.scaffold.golden.run import run_model
from edgekit.scaffold.golden.vision_image import INPUT_FILE, input_record, preprocess, write_png
from edgekit.scaffold.golden.vision_images import DRAWN, PHOTO_IMAGES, platform_of

__all__ = ["decode_keypoints", "make_golden", "uses_two_stages", "EXPECTED_FILE", "IMAGES",
           "SCHEMA_VERSION"]

EXPECTED_FILE = "expected.json"
SCHEMA_VERSION = 1
#: The images of a one-stage golden set: the drawn figure (``input.png``), then the photographs.
IMAGES = (DRAWN, *PHOTO_IMAGES)


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value)) if value >= 0 else math.exp(value) / (1.0 + math.exp(value))


def decode_keypoints(output: np.ndarray, keypoints: KeypointOutput, image: ImageInput) -> list[list[float]]:
    """``count`` rows of [x, y, score]: x, y normalised to 0..1 of the input, score a probability."""
    values = np.asarray(output, dtype=np.float64).reshape(-1)
    needed = keypoints.count * keypoints.stride
    if values.size < needed:
        raise ValueError(
            f"output {keypoints.tensor.key} has {values.size} values; {keypoints.count} keypoints "
            f"of {keypoints.stride} need {needed}"
        )
    x_index, y_index = keypoints.fields.index("x"), keypoints.fields.index("y")
    score_index = keypoints.fields.index(keypoints.score_field)
    rows = []
    for i in range(keypoints.count):
        base = i * keypoints.stride
        x, y, score = values[base + x_index], values[base + y_index], values[base + score_index]
        if keypoints.coords == "pixels":
            x, y = x / image.width, y / image.height
        if keypoints.score_activation == "sigmoid":
            score = _sigmoid(score)
        rows.append([float(x), float(y), float(score)])
    return rows


def uses_two_stages(contract: ModelContract, binding: dict[str, Any]) -> bool:
    """True for BlazePose landmark models, which need the person detector in front of them."""
    image: ImageInput = binding["image"]
    keypoints: KeypointOutput = binding["keypoints"]
    sizes = [int(np.prod(t.shape)) for t in contract.outputs]
    return two_stage.is_blazepose_landmark(image.tensor.shape, sizes, keypoints.count, keypoints.stride)


def make_golden(contract: ModelContract, binding: dict[str, Any], dest: Path) -> dict[str, Any]:
    """Write ``input.png`` and ``expected.json`` into ``dest``; return what the templates need.

    BlazePose landmark models get the two-stage golden (:mod:`.pose_golden_two_stage`): their apps
    run the person detector first.
    """
    if uses_two_stages(contract, binding):
        from edgekit.scaffold.golden.pose_golden_two_stage import make_two_stage_golden

        return make_two_stage_golden(contract, binding, dest)
    image: ImageInput = binding["image"]
    keypoints: KeypointOutput = binding["keypoints"]
    images = []
    for golden_image in IMAGES:
        rgb = golden_image.render(image.height, image.width)
        write_png(dest / golden_image.file, rgb)
        outputs = run_model(contract, {image.tensor.key: preprocess(rgb, image)})
        raw = np.asarray(outputs[keypoints.tensor.key], dtype=np.float64).reshape(-1)[
            : keypoints.count * keypoints.stride
        ]
        images.append({**golden_image.record(), "raw": [float(v) for v in raw],
                       "keypoints": decode_keypoints(raw, keypoints, image)})
    tolerance, basis = tolerance_for("pose", platform_of(dest).name)
    expected = {
        "schema_version": SCHEMA_VERSION,
        "task": "pose",
        "model": contract.display_name,
        "model_sha256": contract.sha256,
        "input": input_record(image),
        "output": {
            "key": keypoints.tensor.key,
            "count": keypoints.count,
            "stride": keypoints.stride,
            "x_index": keypoints.fields.index("x"),
            "y_index": keypoints.fields.index("y"),
            "score_index": keypoints.fields.index(keypoints.score_field),
            "coords": keypoints.coords,
            "score_activation": keypoints.score_activation,
        },
        "raw": images[0]["raw"],
        "keypoints": images[0]["keypoints"],
        "images": images,
        "tolerance": tolerance,
        "tolerance_basis": basis,
    }
    (dest / EXPECTED_FILE).write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    return {"input": INPUT_FILE, "expected": EXPECTED_FILE, "tolerance": tolerance,
            "images": [golden_image.file for golden_image in IMAGES]}
