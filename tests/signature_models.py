"""Models built with TensorFlow to exercise entry points: two signatures, and a dynamic batch.

Each builder converts a small ``tf.Module`` and returns the ``.tflite`` path; TensorFlow is
imported only when a builder runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.tf_models import _convert, _tensorflow, _write


def two_signature_model(directory: str | os.PathLike[str]) -> Path:
    """``double`` (y = 2x) and ``negate`` (y = -x), both on x: float32 [1, 4]; ``double`` first."""
    tf = _tensorflow()

    class Module(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="x")])
        def double(self, x: Any) -> Any:
            return {"y": x * 2.0}

        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="x")])
        def negate(self, x: Any) -> Any:
            return {"y": -x}

    module = Module()
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.double.get_concrete_function(), module.negate.get_concrete_function()], module)
    return _write(_convert(converter), Path(directory) / "two_signatures.tflite")


def dynamic_batch_model(directory: str | os.PathLike[str]) -> Path:
    """y = x + 1 on x: float32 [?, 8] (a dynamic batch)."""
    tf = _tensorflow()

    class Module(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 8], tf.float32, name="x")])
        def serve(self, x: Any) -> Any:
            return {"y": x + 1.0}

    module = Module()
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.serve.get_concrete_function()], module
    )
    return _write(_convert(converter), Path(directory) / "dynamic_batch.tflite")
