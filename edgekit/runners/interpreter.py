"""LiteRT's Interpreter as a runner: the CPU delegates, Edge TPU, golden vectors and references."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["InterpreterRunner"]


class InterpreterRunner:
    """A model opened in the LiteRT Interpreter; ``invoke`` is the runtime's own, unwrapped.

    SIGNATURE picks the entry point (its subgraph); None runs the main subgraph. The Interpreter
    is synchronous: ``dispatch`` is ``invoke``, ``wait`` has nothing to wait for.
    """

    asynchronous = False

    def __init__(
        self,
        model_path: str,
        threads: int,
        reference_kernels: bool,
        delegates: Sequence[Any] = (),
        kernels: str | None = None,
        signature: str | None = None,
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
        self._signature = signature
        if signature is None:
            inputs = self._interpreter.get_input_details()
            outputs = self._interpreter.get_output_details()
            self._tensors: Any = _MainSubgraph(self._interpreter)
        else:
            runner = self._interpreter.get_signature_runner(signature)
            inputs = list(runner.get_input_details().values())
            outputs = list(runner.get_output_details().values())
            # The public SignatureRunner sets, invokes and reads in one call, which would put input
            # copies inside every timed iteration; its subgraph index lets us drive the steps apart.
            self._tensors = _Subgraph(self._interpreter, runner._subgraph_index)
        self._input_details = {d["name"]: d for d in inputs}
        self._output_details = outputs
        # The timing loop calls this directly: no extra Python frame per iteration.
        self.invoke = self._tensors.invoke
        self.dispatch = self.invoke

    def set_inputs(self, arrays: Mapping[str, np.ndarray]) -> None:
        resized = False
        for name, array in arrays.items():
            detail = self._input_details[name]
            if tuple(detail["shape"]) != array.shape:
                self._tensors.resize(detail["index"], list(array.shape))
                resized = True
        if resized:
            self._tensors.allocate()
        for name, array in arrays.items():
            self._tensors.set(self._input_details[name]["index"], array)

    def wait(self) -> None:
        """Nothing to wait for: ``invoke`` returns when the outputs are ready."""

    def read_outputs(self) -> None:
        """Copy every output out of the runtime (what reading results costs)."""
        for detail in self._output_details:
            self._tensors.get(detail["index"])

    def outputs(self) -> dict[str, np.ndarray]:
        return {d["name"]: self._tensors.get(d["index"]).copy() for d in self._output_details}

    def info(self) -> dict[str, Any]:
        from importlib.metadata import version

        info = {
            "runtime": f"ai-edge-litert {version('ai-edge-litert')} Interpreter",
            "kernels": self._kernels,
        }
        if self._signature is not None:
            info["signature"] = self._signature
        return info

    def close(self) -> None:
        del self._tensors
        del self._interpreter


class _MainSubgraph:
    """The Interpreter's public calls, which act on the main subgraph."""

    def __init__(self, interpreter: Any) -> None:
        self.invoke = interpreter.invoke
        self.resize = interpreter.resize_tensor_input
        self.allocate = interpreter.allocate_tensors
        self.set = interpreter.set_tensor
        self.get = interpreter.get_tensor


class _Subgraph:
    """The same calls on one signature's subgraph, through the runtime's wrapper."""

    def __init__(self, interpreter: Any, subgraph: int) -> None:
        import functools

        import numpy as np

        wrapper = interpreter._interpreter
        wrapper.AllocateTensors(subgraph)
        self.invoke = functools.partial(wrapper.Invoke, subgraph)
        self.resize = lambda index, shape: wrapper.ResizeInputTensor(
            index, np.array(shape, dtype=np.int32), False, subgraph)
        self.allocate = functools.partial(wrapper.AllocateTensors, subgraph)
        self.set = lambda index, value: wrapper.SetTensor(index, value, subgraph)
        self.get = lambda index: wrapper.GetTensor(index, subgraph)
