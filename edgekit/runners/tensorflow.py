"""A TensorFlow function as a runner: conversion sources and TF.js graph models read back into TF.

The function takes its inputs positionally in ``input_names`` order and returns a dict that
holds every name in ``output_names``. It runs eagerly in this process (TensorFlow is imported by
whoever built the function, never here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["TensorFlowRunner"]


class TensorFlowRunner:
    """Runs FUNCTION on named inputs, eagerly (synchronous); ``info`` names the TensorFlow version."""

    asynchronous = False

    def __init__(self, function: Callable[..., Any], input_names: Sequence[str], output_names: Sequence[str],
                 tensorflow_version: str) -> None:
        self._function = function
        self._input_names = tuple(input_names)
        self._output_names = tuple(output_names)
        self._version = tensorflow_version
        self._arrays: dict[str, np.ndarray] = {}
        self._result: Mapping[str, Any] = {}

    def set_inputs(self, arrays: Mapping[str, np.ndarray]) -> None:
        missing = [name for name in self._input_names if name not in arrays]
        if missing:
            raise KeyError(f"no value for input(s) {', '.join(missing)}")
        self._arrays = {name: np.asarray(arrays[name]) for name in self._input_names}

    def invoke(self) -> None:
        self._result = self._function(*(self._arrays[name] for name in self._input_names))

    def dispatch(self) -> None:
        self.invoke()

    def wait(self) -> None:
        """Nothing to wait for: eager execution returns finished results."""

    def read_outputs(self) -> None:
        self.outputs()

    def outputs(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(self._result[name]) for name in self._output_names}

    def info(self) -> dict[str, Any]:
        return {"runtime": f"TensorFlow {self._version}", "kernels": "TensorFlow CPU kernels"}

    def close(self) -> None:
        self._result = {}
        self._arrays = {}
