"""Which Vulkan driver this machine has: a GPU's, or SwiftShader's software one, or none.

LiteRT's GPU accelerator (WebGPU through Dawn) and Chromium's WebGPU both need one; without a GPU,
SwiftShader (shipped with Chromium) is a real GPU code path on the CPU, and every result says so.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

__all__ = ["find_vulkan_driver"]

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
