"""CPU delegates on the LiteRT Interpreter: `cpu` (XNNPACK, the runtime default) and `cpu-ref`
(reference kernels, no delegate: slow, but the accuracy oracle).

Both run wherever `ai-edge-litert` imports. Their coverage rule is about custom ops only: every
builtin op has a CPU kernel, but a custom op runs only where some kernel registers its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from edgekit.delegates import register
from edgekit.delegates.base import Availability, Coverage, RunOptions, UnsupportedOp
from edgekit.files.datafiles import load_json
from edgekit.runners.interpreter import InterpreterRunner

if TYPE_CHECKING:
    from edgekit.model.model import Model


def _rules() -> dict:
    return load_json("edgekit.delegates", "data/cpu.json")


@dataclass(frozen=True)
class CpuDelegate:
    name: str
    summary: str
    reference_kernels: bool
    uses_threads: bool = True
    cpu_fallback: bool = False

    def probe(self) -> Availability:
        try:
            from importlib.metadata import PackageNotFoundError, version

            runtime = version("ai-edge-litert")
        except PackageNotFoundError:
            return Availability(False, "ai-edge-litert is not installed; pip install ai-edge-litert")
        return Availability(True, f"LiteRT {runtime} on this host", {"runtime_version": runtime})

    def coverage(self, model: Model) -> Coverage:
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
        return InterpreterRunner(
            model_path, options.threads, self.reference_kernels, signature=options.signature
        )


CPU = register(CpuDelegate("cpu", "LiteRT CPU (XNNPACK)", reference_kernels=False))
CPU_REF = register(CpuDelegate("cpu-ref", "LiteRT reference kernels", reference_kernels=True))
