"""CPU delegates on the LiteRT Interpreter: `cpu` (XNNPACK, the runtime default) and `cpu-ref`
(reference kernels, no delegate: slow, but the accuracy oracle).

Both run wherever `ai-edge-litert` imports. Their coverage rule is about custom ops only: every
builtin op has a CPU kernel, but a custom op runs only where some kernel registers its name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from edgekit.delegates import register
from edgekit.delegates.base import Availability, Coverage, RunOptions, UnsupportedOp

if TYPE_CHECKING:
    import numpy as np

    from edgekit.model import Model


@lru_cache(maxsize=1)
def _rules() -> dict:
    text = resources.files("edgekit.delegates").joinpath("data/cpu.json").read_text(encoding="utf-8")
    return json.loads(text)


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


@dataclass(frozen=True)
class CpuDelegate:
    name: str
    summary: str
    reference_kernels: bool

    def probe(self) -> Availability:
        try:
            from importlib.metadata import PackageNotFoundError, version

            runtime = version("ai-edge-litert")
        except PackageNotFoundError:
            return Availability(False, "ai-edge-litert is not installed; pip install ai-edge-litert")
        return Availability(True, f"LiteRT {runtime} on this host", {"runtime_version": runtime})

    def coverage(self, model: "Model") -> Coverage:
        rules = _rules()
        known = rules["delegates"][self.name]["custom_ops"]
        unsupported = []
        for op in model.ops:
            if not op.custom or op.name in known:
                continue
            if op.name.startswith(rules["flex_prefix"]):
                why = f"{op.name} is a {rules['flex_reason']}"
            else:
                elsewhere = [n for n, d in rules["delegates"].items() if op.name in d["custom_ops"]]
                where = f"; it runs on {', '.join(elsewhere)}" if elsewhere else ""
                why = f"custom op {op.name} has no kernel in {self.summary}{where}"
            unsupported.append(UnsupportedOp(op.index, op.subgraph, op.name, why))
        return Coverage(self.name, len(model.ops), tuple(unsupported), rules["source"])

    def open(self, model_path: str, options: RunOptions) -> InterpreterRunner:
        return InterpreterRunner(model_path, options.threads, self.reference_kernels)


CPU = register(CpuDelegate("cpu", "LiteRT CPU (XNNPACK)", reference_kernels=False))
CPU_REF = register(CpuDelegate("cpu-ref", "LiteRT reference kernels", reference_kernels=True))
