"""`gpu`: LiteRT's GPU accelerator (CompiledModel API, WebGPU on Vulkan), run for real.

Without a GPU it runs on SwiftShader's software Vulkan when one is installed (Chromium ships it):
a real GPU code path with GPU numerics (fp16 rounding shows up), but CPU-bound latency. The
adapter LiteRT selected is read from the runtime's own log, and every result names it, so nobody
reads software-Vulkan latency as a GPU's.
"""

from __future__ import annotations

import ctypes.util
import glob
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edgekit.delegates import register
from edgekit.delegates.base import Availability, Coverage, RunOptions, UnsupportedOp
from edgekit.files.datafiles import load_json
from edgekit.runners.compiled import CompiledModelRunner

if TYPE_CHECKING:
    from edgekit.model.model import Model

#: Where Linux distributions install Vulkan drivers (ICD manifests).
_ICD_DIRS = ("/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d")
#: SwiftShader manifests shipped by browser packages (Debian's chromium first).
_SWIFTSHADER_ICDS = (
    "/usr/lib/chromium/vk_swiftshader_icd.json",
    "/usr/lib/chromium-browser/vk_swiftshader_icd.json",
    "/opt/google/chrome/vk_swiftshader_icd.json",
)
#: Drivers Dawn (LiteRT's WebGPU) does not accept as adapters.
_REJECTED_ICDS = ("lvp_icd",)
PRECISIONS = ("fp16", "fp32")


def _rules() -> dict:
    return load_json("edgekit.delegates", "data/gpu.json")


def find_vulkan_driver() -> tuple[dict[str, str], str, bool] | None:
    """(environment for the worker, driver description, is software) or None when there is none."""
    for variable in ("VK_ICD_FILENAMES", "VK_DRIVER_FILES"):
        chosen = os.environ.get(variable)
        if chosen:
            return {}, f"{variable}={chosen}", "swiftshader" in chosen.lower()
    hardware = [
        path for directory in _ICD_DIRS for path in sorted(glob.glob(f"{directory}/*.json"))
        if not any(rejected in Path(path).name for rejected in _REJECTED_ICDS)
    ]
    # Driver manifests are installed with Mesa whether or not a GPU exists; a device node says one does.
    if hardware and _gpu_device_nodes():
        return {}, "Vulkan driver " + ", ".join(Path(p).name for p in hardware), False
    for manifest in _SWIFTSHADER_ICDS:
        if os.path.isfile(manifest):
            return {"VK_ICD_FILENAMES": manifest}, f"SwiftShader software Vulkan ({manifest})", True
    return None


def _gpu_device_nodes() -> list[str]:
    return glob.glob("/dev/dri/renderD*") + glob.glob("/dev/nvidia[0-9]*")


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
