"""Run a model in Python on named inputs, for golden vectors: LiteRT for .tflite, TensorFlow for graphs."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from edgekit.runners import run_once
from edgekit.scaffold.contract import TFLITE, ModelContract

__all__ = ["run_model"]


def run_model(contract: ModelContract, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Outputs by tensor ``key`` for inputs given by tensor ``key``.

    .tflite runs in LiteRT's interpreter on CPU (XNNPACK, as tfjs-tflite and Android's CPU path);
    a TF.js graph model is read into TensorFlow in-process (edgekit.sources.tfjs_graph_import).
    """
    missing = [t.key for t in contract.inputs if t.key not in inputs]
    if missing:
        raise ValueError(f"no value for input(s) {missing}")
    if contract.format == TFLITE:
        return _run_tflite(contract, inputs)
    return _run_graph(contract, inputs)


def _run_tflite(contract: ModelContract, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    from edgekit.runners.interpreter import InterpreterRunner

    runner = InterpreterRunner(str(contract.path), threads=1, reference_kernels=False)
    arrays = {t.name: np.ascontiguousarray(inputs[t.key], dtype=t.dtype) for t in contract.inputs}
    outputs = run_once(runner, arrays)
    return {t.key: outputs[t.name] for t in contract.outputs}


def _run_graph(contract: ModelContract, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    from edgekit.sources.tf_source import open_source
    from edgekit.system.tensorflow import tensorflow

    # PackageMissing (exit 3) with the extra to install, before any work, when TensorFlow is absent.
    tensorflow(f"to run {contract.display_name} (a TF.js graph model) for the app's golden vectors")
    with open_source(contract.path) as source:  # the source's scratch SavedModel goes with it
        arrays = {}
        for position, spec in enumerate(source.inputs):
            # The SavedModel names inputs by model.json's signature keys less ":0", as the contract does.
            tensor = next((t for t in contract.inputs if spec.name.split(":", 1)[0] in (t.key, t.name)),
                          contract.inputs[position])
            arrays[spec.name] = np.asarray(inputs[tensor.key], dtype=spec.dtype)
        produced = source.run(arrays)
    values = list(produced.values())
    result: dict[str, np.ndarray] = {}
    for tensor in contract.outputs:
        match = next((v for k, v in produced.items() if k.split(":", 1)[0] == tensor.key), None)
        if match is None:
            assert tensor.position is not None, "a contract's outputs carry their position"
            match = values[tensor.position]
        result[tensor.key] = np.asarray(match)
    return result
