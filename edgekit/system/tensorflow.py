"""The one way edgekit imports TensorFlow: quietly, with oneDNN's rewrites off, or with the line
that installs it.

TensorFlow is edgekit's accuracy reference. With oneDNN's graph rewrites, TensorFlow 2.21 computes
some graphs (MediaPipe's hard-swish segmentation models) 0.3% off what the same graph gives without
them and in LiteRT, so they are off unless the user turned them on. TensorFlow reads the setting
once, at its first import: a program that imported it before edgekit keeps what it had.
"""

from __future__ import annotations

import os
from typing import Any

from edgekit.errors import CONVERT_EXTRA, PackageMissing

__all__ = ["INSTALL_HINT", "tensorflow"]

#: What makes TensorFlow importable: the extra that pins the version edgekit is tested with.
INSTALL_HINT = CONVERT_EXTRA


def tensorflow(purpose: str = "to convert models") -> Any:
    """The ``tensorflow`` module, imported quietly; else PackageMissing naming PURPOSE and the extra."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise PackageMissing("tensorflow", purpose, CONVERT_EXTRA) from exc
    tf.get_logger().setLevel("ERROR")
    return tf
