"""The fixed image the vision apps' golden vectors are computed on, and the preprocessing they share.

The image is drawn with numpy (the first of :mod:`edgekit.inputs.scenes`: a figure on a plain
background, no randomness) at the model's input size, so the app's resize to H x W is the
identity and browser and Python see the same pixels. It is written as an 8-bit RGB PNG without
colour-space chunks (:func:`edgekit.files.png.write_png`), which browsers and Android decode exactly.
:func:`preprocess` is the reference for the apps' own preprocessing: ``normalize`` (low, high) maps
a pixel p to ``low + p / 255 * (high - low)`` as float32; ``None`` feeds the raw 0..255 values as
the input's integer type.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edgekit.files.png import read_png, write_png
from edgekit.inputs.scenes import synthetic_person
from edgekit.scaffold.binding import ImageInput

__all__ = ["synthetic_person", "write_png", "read_png", "preprocess", "input_record", "INPUT_FILE"]

INPUT_FILE = "input.png"


def input_record(image: ImageInput) -> dict[str, Any]:
    """The golden file's "input" entry: the image file and how the app turns it into the model input."""
    return {
        "file": INPUT_FILE,
        "height": image.height,
        "width": image.width,
        "dtype": image.tensor.dtype,
        "normalize": list(image.normalize) if image.normalize is not None else None,
    }


def preprocess(rgb: np.ndarray, image: ImageInput) -> np.ndarray:
    """The model input [1, H, W, 3] for an H x W x 3 uint8 image, as the apps compute it."""
    if rgb.shape != (image.height, image.width, 3):
        raise ValueError(f"image is {rgb.shape}, the model takes {image.height} x {image.width} x 3")
    if image.normalize is None:
        return rgb.astype(np.int32 if image.tensor.dtype == "int32" else np.uint8)[None]
    low, high = image.normalize
    # Double precision rounded once to float32, as the apps do (JavaScript numbers into a Float32Array).
    pixels = rgb.astype(np.float64)
    return (low + pixels / 255.0 * (high - low)).astype(np.float32)[None]
