"""`gpu`: LiteRT's GPU accelerator (CompiledModel API, WebGPU on Vulkan), run for real.

Without a GPU it runs on SwiftShader's software Vulkan when one is installed (Chromium ships it):
a real GPU code path with GPU numerics (fp16 rounding shows up), but CPU-bound latency. The
adapter LiteRT selected is read from the runtime's own log, and every result names it, so nobody
reads software-Vulkan latency as a GPU's.
"""

from __future__ import annotations

import ctypes.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edgekit.delegates import register
from edgekit.delegates.base import Availability, Coverage, RunOptions, UnsupportedOp
from edgekit.files.datafiles import load_json
from edgekit.runners.compiled import CompiledModelRunner
from edgekit.system.vulkan import find_vulkan_driver

if TYPE_CHECKING:
    from edgekit.model.model import Model

PRECISIONS = ("fp16", "fp32")


def _rules() -> dict:
    return load_json("edgekit.delegates", "data/gpu.json")


@dataclass(frozen=True)
class GpuDelegate:
    name: str = "gpu"
    summary: str = "LiteRT GPU accelerator (WebGPU on Vulkan)"
    uses_threads: bool = False
    #: Ops the GPU lacks run on the CPU, so missing coverage makes the run partial, not impossible.
    cpu_fallback: bool = True

    def probe(self) -> Availability:
        accelerator = Path(_litert_dir() or "") / "libLiteRtWebGpuAccelerator.so"
        if not accelerator.is_file():
            return Availability(
                False, "this ai-edge-litert build ships no GPU accelerator (libLiteRtWebGpuAccelerator.so)"
            )
        if not ctypes.util.find_library("vulkan"):
            return Availability(
                False, "the Vulkan loader libvulkan.so.1 is missing: apt-get install -y libvulkan1"
            )
        driver = find_vulkan_driver()
        if driver is None:
            return Availability(
                False,
                "no Vulkan driver found: install your GPU's Vulkan driver, or `apt-get install -y chromium` "
                "for SwiftShader's software Vulkan (real GPU code path and numerics, not GPU latency)",
            )
        environment, description, software = driver
        environment.setdefault("XDG_RUNTIME_DIR", os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
        label = "software Vulkan: latency is not a GPU's" if software else "hardware Vulkan"
        return Availability(
            True, f"{description} ({label})", {"worker_env": environment, "software": software}
        )

    def coverage(self, model: Model) -> Coverage:
        rules = _rules()
        supported = rules["ops"]
        unsupported = []
        for op in model.ops:
            if op.name not in supported:
                kind = "custom op" if op.custom else "op"
                why = f"{kind} {op.name} is not in the GPU delegate's op list; it falls back to CPU"
                unsupported.append(UnsupportedOp(op.index, op.subgraph, op.name, why))
        return Coverage(self.name, len(model.ops), tuple(unsupported), rules["source"])

    def open(self, model_path: str, options: RunOptions) -> CompiledModelRunner:
        return CompiledModelRunner(
            model_path, options.threads, options.precision or "fp16", options.signature
        )


def _litert_dir() -> str | None:
    from importlib.util import find_spec

    spec = find_spec("ai_edge_litert")
    return os.path.dirname(spec.origin) if spec and spec.origin else None


GPU = register(GpuDelegate())
