"""Small REAL models built and converted with TensorFlow, for tests that need a float model and
its int8 variants (accuracy checks). Import with ``from tests import tf_models``.

TensorFlow is imported lazily inside the functions (it takes seconds and logs a lot), so merely
importing this module is cheap. Builders take an output directory and return the ``.tflite``
path; callers cache them per pytest session. Everything is deterministic given the seed.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = [
    "CALIBRATION_SAMPLES",
    "INPUT_SHAPE",
    "CLASSES",
    "badly_calibrated_int8",
    "convert_float",
    "convert_int8",
    "evaluation_inputs",
    "float_cnn",
    "integer_io_int8",
    "keras_cnn",
    "uniform_inputs",
    "well_calibrated_int8",
]

#: One image (no batch dimension) of the CNN: 32x32 RGB.
INPUT_SHAPE = (32, 32, 3)
CLASSES = 10
#: Representative-dataset size for int8 conversion: enough for stable ranges, quick to convert.
CALIBRATION_SAMPLES = 20
#: Spread of the logits over random inputs: a softmax about as peaked as a trained model's.
_LOGIT_STD = 3.0


def _tensorflow() -> Any:
    """Import TensorFlow quietly (C++ info/warning logs off, Python logger at ERROR)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    return tf


def uniform_inputs(count: int, seed: int) -> np.ndarray:
    """``count`` images uniform in [-1, 1], float32, shape [count, 32, 32, 3] (edgekit's float inputs)."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (count, *INPUT_SHAPE)).astype(np.float32)


def evaluation_inputs(count: int = 32) -> np.ndarray:
    """The images tests evaluate on: drawn like the calibration data, but with another seed."""
    return uniform_inputs(count, seed=12345)


def keras_cnn(seed: int = 0) -> tf.keras.Model:
    """A small MobileNet-style classifier with deterministic weights from ``seed``.

    Conv 3x3/2 + ReLU6, depthwise 3x3 + ReLU6, pointwise conv + ReLU6, depthwise 3x3/2 + ReLU6,
    pointwise conv + ReLU6, flatten, Dense(10), softmax. Weights are He-normal from numpy (not TF
    initialisers, so they do not drift with TF versions); the dense head is then fitted to the
    features of random inputs so the logits vary with the input (std 3) and the softmax is about
    as confident as a trained classifier's. The head flattens rather than pools globally: on
    random inputs, global pooling averages the input-dependent part of each feature away, and a
    head that amplifies what is left amplifies int8 rounding with it, so even a well-calibrated
    int8 variant would look broken (cosine ~0.97-0.99 measured) for reasons no real model has.
    """
    tf = _tensorflow()
    layers = tf.keras.layers
    inputs = tf.keras.Input(shape=INPUT_SHAPE, name="image")
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation=tf.nn.relu6, name="stem")(inputs)
    x = layers.DepthwiseConv2D(3, padding="same", activation=tf.nn.relu6, name="dw1")(x)
    x = layers.Conv2D(32, 1, activation=tf.nn.relu6, name="pw1")(x)
    x = layers.DepthwiseConv2D(3, strides=2, padding="same", activation=tf.nn.relu6, name="dw2")(x)
    x = layers.Conv2D(64, 1, activation=tf.nn.relu6, name="pw2")(x)
    features = layers.Flatten(name="flatten")(x)
    logits = layers.Dense(CLASSES, name="logits")(features)
    probabilities = layers.Softmax(name="probabilities")(logits)
    model = tf.keras.Model(inputs, probabilities, name="tiny_mobilenet")

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.name in ("stem", "dw1", "pw1", "dw2", "pw2"):
            kernel, bias = layer.get_weights()
            # fan-in of one output: kh * kw * in_channels (depthwise: kh * kw).
            fan_in = kernel.shape[0] * kernel.shape[1] * (1 if "dw" in layer.name else kernel.shape[2])
            kernel = rng.normal(0.0, np.sqrt(2.0 / fan_in), kernel.shape)
            bias = rng.uniform(-0.1, 0.1, bias.shape)
            layer.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    _fit_head(model, features, rng, seed)
    return model


def _fit_head(model: Any, features: Any, rng: np.random.Generator, seed: int) -> None:
    """Centre the dense head on the features of random inputs and scale its logits to std 3.

    One scale for the whole kernel (not one per feature): FULLY_CONNECTED weights are quantized
    per tensor, so a few huge weights (for features that barely vary) would crush the rest.
    """
    tf = _tensorflow()
    feature_model = tf.keras.Model(model.input, features)
    values = feature_model.predict(uniform_inputs(256, seed=seed + 1), verbose=0).astype(np.float64)
    mean = values.mean(axis=0)
    kernel = rng.normal(0.0, 1.0, (values.shape[1], CLASSES))
    kernel *= _LOGIT_STD / float(((values - mean) @ kernel).std())
    model.get_layer("logits").set_weights([kernel.astype(np.float32), (-mean @ kernel).astype(np.float32)])


def _converter(model: Any) -> Any:
    tf = _tensorflow()
    # Keras 3 exports the model to a temporary SavedModel and prints its endpoints: keep it quiet.
    with contextlib.redirect_stdout(io.StringIO()):
        return tf.lite.TFLiteConverter.from_keras_model(model)


def _convert(converter: Any) -> bytes:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        # "Statistics for quantized inputs were expected": the representative dataset gives them.
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs", category=UserWarning)
        return converter.convert()


def convert_float(model: Any, path: str | os.PathLike[str]) -> Path:
    """Convert ``model`` to a float32 ``.tflite`` at ``path``; returns the path."""
    return _write(_convert(_converter(model)), path)


def convert_int8(
    model: Any, path: str | os.PathLike[str], calibration: np.ndarray, *, integer_io: bool
) -> Path:
    """Full-integer int8 conversion calibrated on ``calibration`` ([n, 32, 32, 3] float32).

    ``integer_io=False`` keeps float32 inputs and outputs (QUANTIZE/DEQUANTIZE at the edges), so
    the same float inputs reach the float model and this one; ``True`` makes the I/O int8 too.
    """
    tf = _tensorflow()
    converter = _converter(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    samples = np.asarray(calibration, dtype=np.float32)

    def representative_dataset() -> Any:
        for sample in samples:
            yield [sample[None, ...]]

    converter.representative_dataset = representative_dataset
    if integer_io:
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return _write(_convert(converter), path)


@functools.cache
def _shared_cnn(seed: int) -> Any:
    """One Keras model per seed for the three builders below (conversion does not change it)."""
    return keras_cnn(seed)


def float_cnn(directory: str | os.PathLike[str], seed: int = 0) -> Path:
    """``keras_cnn(seed)`` as float32 ``.tflite`` in ``directory``."""
    return convert_float(_shared_cnn(seed), Path(directory) / f"cnn_float_s{seed}.tflite")


def well_calibrated_int8(directory: str | os.PathLike[str], seed: int = 0) -> Path:
    """int8 (float I/O) calibrated on images drawn like the evaluation inputs: uniform [-1, 1]."""
    calibration = uniform_inputs(CALIBRATION_SAMPLES, seed=seed + 2)
    path = Path(directory) / f"cnn_int8_well_s{seed}.tflite"
    return convert_int8(_shared_cnn(seed), path, calibration, integer_io=False)


def integer_io_int8(directory: str | os.PathLike[str], seed: int = 0) -> Path:
    """Like ``well_calibrated_int8`` but with int8 input and output tensors (quantized I/O)."""
    calibration = uniform_inputs(CALIBRATION_SAMPLES, seed=seed + 2)
    path = Path(directory) / f"cnn_int8_io_s{seed}.tflite"
    return convert_int8(_shared_cnn(seed), path, calibration, integer_io=True)


def badly_calibrated_int8(directory: str | os.PathLike[str], seed: int = 0) -> Path:
    """int8 (float I/O) calibrated on all-zero images only: every activation range collapses."""
    calibration = np.zeros((CALIBRATION_SAMPLES, *INPUT_SHAPE), dtype=np.float32)
    path = Path(directory) / f"cnn_int8_bad_s{seed}.tflite"
    return convert_int8(_shared_cnn(seed), path, calibration, integer_io=False)


def _write(flatbuffer: bytes, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(flatbuffer)
    return path
