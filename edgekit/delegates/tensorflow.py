"""`tf-ref`: a TF.js graph model run by TensorFlow on the host: the reference for the TF.js delegates.

A graph model has no ``cpu-ref``: LiteRT does not read it. Its source of truth is TensorFlow, which
it was exported from; edgekit reads model.json and the weight shards back into a TensorFlow graph
in-process (``edgekit.sources.tfjs_graph_import``, the same reader ``convert`` uses) and runs it on
TensorFlow's CPU kernels. ``bench`` judges ``tfjs-wasm``, ``tfjs-webgl`` and ``tfjs-webgpu`` against
it, as it judges ``.tflite`` delegates against ``cpu-ref``. Needs TensorFlow (``edgekit-ml[convert]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from edgekit.delegates import register
from edgekit.delegates.base import Availability, Coverage, RunOptions
from edgekit.system.tensorflow import INSTALL_HINT

if TYPE_CHECKING:
    from edgekit.model.model import Model

__all__ = ["TensorFlowDelegate", "TensorFlowGraphRunner", "TF_REF"]


@dataclass(frozen=True)
class TensorFlowDelegate:
    name: str = "tf-ref"
    summary: str = "TensorFlow CPU kernels on the host: the reference for TF.js graph models"
    uses_threads: bool = True
    cpu_fallback: bool = False
    formats: tuple[str, ...] = ("tfjs-graph",)

    def probe(self) -> Availability:
        version = _tensorflow_version()
        if version is None:
            return Availability(False, "TensorFlow is not installed: " + INSTALL_HINT)
        return Availability(True, f"TensorFlow {version} on this host (graph models read back in-process)")

    def coverage(self, model: Model) -> Coverage:
        # Reading the graph back refuses ops TensorFlow does not have; every op it reads, it runs.
        return Coverage(self.name, len(model.ops), (),
                        "TensorFlow runs every op of a graph model edgekit reads back (others are refused "
                        "when it is read: edgekit.sources.tfjs_graph_import)")

    def open(self, model_path: str, options: RunOptions) -> TensorFlowGraphRunner:
        return TensorFlowGraphRunner(model_path, options.threads)


def _tensorflow_version() -> str | None:
    """TensorFlow's installed version, from package metadata: probing must not import it (or even
    look for its module: ``bench`` never touches TensorFlow unless a graph model needs it)."""
    from importlib.metadata import PackageNotFoundError, version

    for distribution in ("tensorflow-cpu", "tensorflow", "tensorflow-macos", "tf-nightly"):
        try:
            return version(distribution)
        except PackageNotFoundError:
            continue
    return None


class TensorFlowGraphRunner:
    """The graph model in TensorFlow, by the graph model's own tensor names (``input:0``)."""

    asynchronous = False

    def __init__(self, model_path: str, threads: int) -> None:
        from edgekit.model.model import Model
        from edgekit.sources.tf_source import open_source
        from edgekit.system.tensorflow import tensorflow

        tf = tensorflow()
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        model = Model.open(model_path)
        self._source = open_source(model_path)
        try:
            self._runner = self._source.runner()
        except BaseException:
            self._source.close()
            raise
        # The source names tensors by signature key ("input"); the graph model by tensor ("input:0").
        self._inputs = {t.name: t.key for t in model.inputs}
        self._outputs = {t.name: t.key for t in model.outputs}

    def set_inputs(self, arrays: Mapping[str, np.ndarray]) -> None:
        keyed = {self._inputs.get(name, name): value for name, value in arrays.items()}
        self._runner.set_inputs(keyed)

    def invoke(self) -> None:
        self._runner.invoke()

    def dispatch(self) -> None:
        self._runner.invoke()

    def wait(self) -> None:
        """Eager TensorFlow returns finished results."""

    def read_outputs(self) -> None:
        self._runner.outputs()

    def outputs(self) -> dict[str, np.ndarray]:
        produced = self._runner.outputs()
        return {name: produced[key] for name, key in self._outputs.items()}

    def info(self) -> dict[str, Any]:
        return {**self._runner.info(), "reference_for": "TF.js graph models"}

    def close(self) -> None:
        self._runner.close()
        self._source.close()


TF_REF = register(TensorFlowDelegate())
