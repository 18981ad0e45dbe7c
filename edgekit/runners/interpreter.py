"""LiteRT's Interpreter as a runner: the CPU delegates, Edge TPU, golden vectors and references."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    import numpy as np

__all__ = ["InterpreterRunner"]


class InterpreterRunner:
    """A model opened in the LiteRT Interpreter; `invoke` is the interpreter's own, unwrapped."""

    def __init__(
        self,
        model_path: str,
        threads: int,
        reference_kernels: bool,
        delegates: Sequence[Any] = (),
        kernels: str | None = None,
    ) -> None:
        """``delegates`` (from ``load_delegate``) are applied in order; ``kernels`` labels ``info()``."""
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        resolver = OpResolverType.BUILTIN_REF if reference_kernels else OpResolverType.AUTO
        self._kernels = kernels or ("reference kernels" if reference_kernels else "XNNPACK + builtin kernels")
        self._interpreter = Interpreter(
            model_path=model_path,
            num_threads=threads,
            experimental_op_resolver_type=resolver,
            experimental_delegates=list(delegates) or None,
        )
        self._interpreter.allocate_tensors()
        self._input_details = {d["name"]: d for d in self._interpreter.get_input_details()}
        self._output_details = self._interpreter.get_output_details()
        # The timing loop calls this directly: no extra Python frame per iteration.
        self.invoke = self._interpreter.invoke

    def set_inputs(self, arrays: dict[str, "np.ndarray"]) -> None:
        resized = False
        for name, array in arrays.items():
            detail = self._input_details[name]
            if tuple(detail["shape"]) != array.shape:
                self._interpreter.resize_tensor_input(detail["index"], list(array.shape))
                resized = True
        if resized:
            self._interpreter.allocate_tensors()
        for name, array in arrays.items():
            self._interpreter.set_tensor(self._input_details[name]["index"], array)

    def outputs(self) -> dict[str, "np.ndarray"]:
        return {d["name"]: self._interpreter.get_tensor(d["index"]).copy() for d in self._output_details}

    def info(self) -> dict:
        from importlib.metadata import version

        return {
            "runtime": f"ai-edge-litert {version('ai-edge-litert')} Interpreter",
            "kernels": self._kernels,
        }

    def close(self) -> None:
        del self._interpreter
