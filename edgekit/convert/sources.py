"""Conversion sources: a TensorFlow model opened once, with fixed input shapes, runnable in TF.

A SavedModel directory (a TF Hub module saved as a SavedModel included), a Keras `.keras`/`.h5`
file, or a zoo name whose entry is built from a TensorFlow source. Every source becomes one
signature with static input shapes: the batch dimension defaults to 1 and any other dynamic
dimension must be given in ``input_shapes`` (``--input-shape NAME=1,128``).
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.contract import TensorInfo
from edgekit.errors import CONVERT_EXTRA, ModelFormatError, ModelNotFound, PackageMissing, UsageError
from edgekit.model import Model
from edgekit.runners import run_once
from edgekit.runners.tensorflow import TensorFlowRunner

_SOURCE = "a convertible TensorFlow model"

__all__ = ["TfSource", "open_source", "parse_input_shapes", "tensorflow"]

_KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def tensorflow(purpose: str = "to convert models") -> Any:
    """Import TensorFlow quietly, or say how to install it (PackageMissing names PURPOSE).

    oneDNN's graph rewrites are off unless the user turned them on: TensorFlow is edgekit's accuracy
    reference, and with them TensorFlow 2.21 computes some graphs (MediaPipe's hard-swish
    segmentation models) 0.3% off what the same graph gives without them and in LiteRT. TensorFlow
    reads the setting once, at its first import: a program that imported it before edgekit keeps
    what it had.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise PackageMissing("tensorflow", purpose, CONVERT_EXTRA) from exc
    tf.get_logger().setLevel("ERROR")
    return tf


#: The model format each kind of source is described as.
_FORMATS = {"saved_model": "saved-model", "zoo": "saved-model", "keras": "keras", "tfjs": "tfjs-graph"}


@dataclass
class TfSource:
    """A TensorFlow model ready to convert and to run as the accuracy reference."""

    kind: str  # "saved_model" | "keras" | "zoo"
    path: Path
    signature: str
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[str, ...]
    function: Any = field(repr=False)  # tf.function with a fixed input signature returning a dict
    trackable: Any = field(repr=False)
    tensorflow_version: str = ""
    extra_files: dict[str, Path] = field(default_factory=dict)
    output_tensors: tuple[TensorInfo, ...] = ()

    @property
    def model(self) -> Model:
        """The source described like every other model: its one signature's inputs and outputs."""
        return Model.from_signature(self.path, _FORMATS[self.kind], self.inputs, self.output_tensors,
                                    signature=self.signature, version=f"TensorFlow {self.tensorflow_version}")

    #: A folder this source made for itself (a Keras export, a converted graph model); see close().
    scratch: Path | None = field(default=None, repr=False)

    def __enter__(self) -> TfSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the scratch folder; the source must not be converted or run afterwards."""
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def concrete_function(self) -> Any:
        return self.function.get_concrete_function()

    def runner(self) -> TensorFlowRunner:
        """The source loaded in TensorFlow: the reference every variant is judged against."""
        tf = tensorflow()

        def call(*arrays: np.ndarray) -> Any:
            return self.function(*(tf.constant(array) for array in arrays))

        return TensorFlowRunner(
            call, [spec.name for spec in self.inputs], self.outputs, self.tensorflow_version
        )

    def run(self, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """One inference in TensorFlow through :meth:`runner`."""
        return run_once(self.runner(), arrays)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "path": str(self.path),
            "signature": self.signature,
            "inputs": [{"name": s.name, "shape": list(s.shape), "dtype": s.dtype} for s in self.inputs],
            "outputs": list(self.outputs),
            "tensorflow_version": self.tensorflow_version,
        }


def parse_input_shapes(items: list[str] | None) -> dict[str, tuple[int, ...]]:
    """`["input_ids=1,128"]` -> {"input_ids": (1, 128)}."""
    shapes: dict[str, tuple[int, ...]] = {}
    for item in items or []:
        name, sep, dims = item.partition("=")
        try:
            shape = tuple(int(d) for d in dims.split(","))
        except ValueError:
            shape = ()
        if not sep or not name or not shape or any(d < 1 for d in shape):
            raise UsageError(
                "input_shapes", f"{item!r} is not NAME=D1,D2,... with positive sizes, e.g. input_ids=1,128"
            )
        shapes[name] = shape
    return shapes


def open_source(
    spec: str | os.PathLike,
    *,
    signature: str | None = None,
    input_shapes: Mapping[str, tuple[int, ...]] | None = None,
    log=None,
) -> TfSource:
    """Open SPEC (SavedModel dir, Keras file or zoo name) with one signature and static shapes.

    A Keras file or TF.js graph model (read in-process, no converter environment) is first turned
    into a SavedModel in a scratch folder that the source owns: use it in ``with`` (or call
    ``close()``) so the folder goes when you are done.
    """
    path = Path(spec)
    kind = "saved_model"
    extra: dict[str, Path] = {}
    if not path.exists():
        path, extra = _zoo_source(str(spec), log)
        kind = "zoo"
    graph_model = _tfjs_graph_model(path)
    if graph_model is not None:
        return _in_scratch("tfjs", path, lambda scratch: _from_tfjs(graph_model, scratch),
                           signature, input_shapes, extra)
    saved_model = _saved_model_dir(path) if path.is_dir() else None
    if path.is_file() and path.suffix.lower() in _KERAS_SUFFIXES:
        return _in_scratch("keras", path, lambda scratch: _export_keras(path, scratch), signature,
                           input_shapes, extra)
    if saved_model is None:
        raise ModelFormatError(path, _not_a_source_reason(path), _SOURCE)
    return _with_fixed_shapes(kind, path, saved_model, signature, input_shapes, extra)


def _in_scratch(kind: str, path: Path, make_saved_model: Callable[[Path], Path], signature: str | None,
                input_shapes: Mapping[str, tuple[int, ...]] | None, extra: dict[str, Path]) -> TfSource:
    """A source whose SavedModel is made in a scratch folder it owns; the folder goes on any failure."""
    scratch = Path(tempfile.mkdtemp(prefix=f"edgekit-{kind}-"))
    try:
        source = _with_fixed_shapes(kind, path, make_saved_model(scratch), signature, input_shapes, extra)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    source.scratch = scratch
    return source


def _zoo_source(name: str, log) -> tuple[Path, dict[str, Path]]:
    from edgekit import zoo

    looks_like_path = any(sep in name for sep in (os.sep, os.altsep) if sep) or "." in Path(name).name
    if looks_like_path:
        raise ModelNotFound(name, hint=f"no such file or directory: {Path(name).absolute()}")
    directory = zoo.source_path(name, log=log)
    return directory, {p.name: p for p in directory.parent.glob("*.txt")} | {
        p.name: p for p in directory.parent.glob("*.json")
    }


def _saved_model_dir(path: Path) -> Path | None:
    """The SavedModel inside PATH: itself, or (hub.load-style cache) its single child."""
    if (path / "saved_model.pb").is_file() or (path / "saved_model.pbtxt").is_file():
        return path
    children = [child for child in path.iterdir() if child.is_dir()]
    if len(children) == 1 and (children[0] / "saved_model.pb").is_file():
        return children[0]
    return None


def _tfjs_graph_model(path: Path) -> Path | None:
    """The model JSON of a TF.js graph model at PATH (the file itself, or the one in a folder)."""
    from edgekit.formats.tfjs_graph import graph_json

    candidate = graph_json(path) if path.is_dir() else path
    if candidate.suffix.lower() != ".json" or not candidate.is_file():
        return None
    try:
        document = json.loads(candidate.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    is_graph = isinstance(document, dict) and "modelTopology" in document and "weightsManifest" in document
    if is_graph and document.get("format", "graph-model") != "graph-model":
        raise ModelFormatError(path, f"a TF.js {document.get('format')}; only graph models convert", _SOURCE)
    return candidate if is_graph else None


def _from_tfjs(model_json: Path, scratch: Path) -> Path:
    """A SavedModel made from the graph model in-process (edgekit's own reader, this TensorFlow)."""
    from edgekit.convert.tfjs_graph_import import save_graph_model

    return save_graph_model(model_json, scratch / "saved_model")


def _not_a_source_reason(path: Path) -> str:
    if path.suffix.lower() == ".tflite":
        return (
            "a .tflite is already converted; re-quantizing it is out of scope - "
            "convert from its TensorFlow source"
        )
    if path.suffix.lower() == ".json" or (path.is_dir() and (path / "model.json").is_file()):
        return "a JSON file that is not a TF.js graph model (no modelTopology and weightsManifest)"
    if path.is_dir() and (path / "tfhub_module.pb").is_file():
        return "a TF1 Hub module (tfhub_module.pb); load it with TF1 hub and re-export it as a TF2 SavedModel"
    if path.is_dir():
        return "a directory without saved_model.pb; pass a SavedModel directory or a .keras/.h5 file"
    return "not a SavedModel directory or a .keras/.h5 file"


def _export_keras(path: Path, scratch: Path) -> Path:
    tf = tensorflow()
    try:
        model = tf.keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for a file it cannot read
        raise ModelFormatError(
            path, f"Keras could not load it: {' '.join(str(exc).split())[:200]}", _SOURCE
        ) from exc
    with contextlib.redirect_stdout(io.StringIO()):
        model.export(str(scratch / "saved_model"), format="tf_saved_model", verbose=False)
    return scratch / "saved_model"


def _with_fixed_shapes(
    kind: str,
    path: Path,
    saved_model: Path,
    signature: str | None,
    input_shapes: Mapping[str, tuple[int, ...]] | None,
    extra: dict[str, Path],
) -> TfSource:
    tf = tensorflow()
    try:
        loaded = tf.saved_model.load(str(saved_model))
    except Exception as exc:
        raise ModelFormatError(
            path, f"TensorFlow could not load the SavedModel: {' '.join(str(exc).split())[:200]}", _SOURCE
        ) from exc
    available = sorted(loaded.signatures.keys())
    key = signature or ("serving_default" if "serving_default" in available else (available or [None])[0])
    if key not in loaded.signatures:
        hint = f"available: {', '.join(available)}" if available else "the SavedModel has no signatures"
        raise UsageError("signature", f"no signature {key!r} in {path}; {hint}")
    concrete = loaded.signatures[key]
    specs = concrete.structured_input_signature[1]
    names = sorted(specs)
    unknown = set(input_shapes or {}) - set(names)
    if unknown:
        raise UsageError(
            "input_shapes", f"no input named {', '.join(sorted(unknown))}; inputs are {', '.join(names)}"
        )
    inputs = tuple(
        _tensor(i, n, _fixed_shape(n, specs[n].shape, (input_shapes or {}).get(n)), specs[n].dtype.name)
        for i, n in enumerate(names)
    )

    def serve(*args: Any) -> Any:
        return concrete(**dict(zip(names, args, strict=False)))

    # tf.function reads the parameter names from __signature__, an attribute functions lack in typeshed.
    serve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    )
    function = tf.function(
        serve, input_signature=[tf.TensorSpec(s.shape, s.dtype, name=s.name) for s in inputs], autograph=False
    )
    try:
        structured = function.get_concrete_function().structured_outputs
    except (ValueError, TypeError) as exc:
        raise UsageError(
            "input_shapes", f"the model cannot take these shapes: {' '.join(str(exc).split())[:200]}"
        ) from exc
    outputs = tuple(sorted(structured))
    output_tensors = tuple(
        _tensor(i, name, _signature_shape(structured[name].shape), structured[name].dtype.name)
        for i, name in enumerate(outputs)
    )
    return TfSource(kind, path, key, inputs, outputs, function, loaded, tf.__version__, extra, output_tensors)


def _signature_shape(shape: Any) -> tuple[int, ...]:
    """A TensorShape as a shape signature: -1 for unknown dims, () for unknown rank."""
    return () if shape.rank is None else tuple(-1 if d is None else d for d in shape.as_list())


def _tensor(index: int, name: str, shape: tuple[int, ...], dtype: str) -> TensorInfo:
    return TensorInfo(index, name, tuple(max(d, 1) for d in shape), shape, dtype, None)


def _fixed_shape(name: str, shape: Any, given: tuple[int, ...] | None) -> tuple[int, ...]:
    dims = shape.as_list() if shape.rank is not None else None
    if given is not None:
        if dims is not None and (
            len(given) != len(dims) or any(d is not None and d != g for d, g in zip(dims, given, strict=True))
        ):
            raise UsageError(
                "input_shapes", f"{name}={','.join(map(str, given))} does not fit the model's {_show(dims)}"
            )
        return given
    if dims is None:
        raise UsageError(
            "input_shapes", f"input {name!r} has unknown rank; give its shape, e.g. {name}=1,224,224,3"
        )
    fixed = [1 if i == 0 and d is None else d for i, d in enumerate(dims)]
    if any(d is None for d in fixed):
        raise UsageError(
            "input_shapes",
            f"input {name!r} has dynamic dims {_show(dims)}; fix them, "
            f"e.g. {name}={','.join(str(d or 1) for d in fixed)}",
        )
    return tuple(fixed)


def _show(dims: list | None) -> str:
    return "x".join("?" if d is None else str(d) for d in dims or [])
