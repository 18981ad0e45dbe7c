"""A small person-segmentation model built with TensorFlow, and int8 variants of it.

The model blurs the image (a 3x3 box filter per channel) and calls a pixel "person" where it is
darker or more saturated than the light background edgekit's drawn scenes use:
``sigmoid(20 * (2.15 - (r + g + b)))`` on pixels in [0, 1]. Its weights are set, not trained, so
it segments those scenes well. Calibrated on zeros, its full-int8 variant clips every real input
and calls the whole frame a person: a mask that really breaks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.inputs.scenes import SCENES, draw_scene
from tests.tf_models import _convert, _tensorflow, _write

SIZE = 64


def keras_mask_model() -> Any:
    tf = _tensorflow()
    image = tf.keras.Input((SIZE, SIZE, 3), batch_size=1, name="image")
    blur = tf.keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False, name="blur")
    merge = tf.keras.layers.Conv2D(1, 1, activation="sigmoid", name="mask")
    model = tf.keras.Model(image, merge(blur(image)))
    blur.set_weights([np.full((3, 3, 3, 1), 1 / 9, np.float32)])
    merge.set_weights([np.full((1, 1, 3, 1), -20.0, np.float32), np.array([43.0], np.float32)])
    return model


def scene_images() -> list[np.ndarray]:
    """The drawn scenes at the model's size, as float32 [1, 64, 64, 3] in [0, 1]."""
    return [(draw_scene(scene, SIZE, SIZE).astype(np.float32) / 255.0)[None] for scene in SCENES]


def float_mask_model(directory: str | os.PathLike[str]) -> Path:
    tf = _tensorflow()
    converter = tf.lite.TFLiteConverter.from_keras_model(keras_mask_model())
    return _write(_convert(converter), Path(directory) / "mask_fp32.tflite")


def int8_mask_model(directory: str | os.PathLike[str], *, calibrated: bool) -> Path:
    """Full int8 inside, float input and output; calibrated on the scenes, or on zeros (broken)."""
    tf = _tensorflow()
    samples = scene_images() if calibrated else [np.zeros((1, SIZE, SIZE, 3), np.float32)] * 4
    converter = tf.lite.TFLiteConverter.from_keras_model(keras_mask_model())
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([sample] for sample in samples)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    name = "mask_int8.tflite" if calibrated else "mask_int8_zeros.tflite"
    return _write(_convert(converter), Path(directory) / name)
