"""The system Chromium: where it is, which flags each backend needs, and how to launch it headless.

edgekit never downloads a browser: it drives the one installed on the machine (Debian's
``chromium`` by default, any Chrome/Chromium through ``CHROMIUM_PATH``) with Playwright for
Python. Without a GPU, WebGL runs on SwiftShader through ANGLE and WebGPU on SwiftShader's
software Vulkan: real GPU code paths and GPU numerics, CPU-bound latency. ``EDGEKIT_BROWSER_GPU=system``
drops the SwiftShader flags, so a machine with a real GPU and driver uses it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from edgekit.system.vulkan import find_vulkan_driver

__all__ = ["CHROMIUM_ENV", "GPU_ENV", "INSTALL_HINT", "LaunchPlan", "find_chromium", "launch_plan"]

#: Overrides which Chrome/Chromium binary runs the page.
CHROMIUM_ENV = "CHROMIUM_PATH"
#: ``system``: use the machine's GPU driver for WebGL/WebGPU instead of SwiftShader.
GPU_ENV = "EDGEKIT_BROWSER_GPU"
INSTALL_HINT = "apt-get install -y chromium (or set CHROMIUM_PATH to a Chrome or Chromium binary)"

_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
               "/usr/bin/google-chrome-stable", "/snap/bin/chromium")
#: Every run: no network beyond 127.0.0.1, no first-run UI, no background work that would share the CPU.
_COMMON = ("--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
           "--disable-dev-shm-usage", "--disable-background-timer-throttling",
           "--disable-renderer-backgrounding")
_SWIFTSHADER_GL = ("--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                   "--ignore-gpu-blocklist")
_WEBGPU = ("--enable-unsafe-webgpu", "--enable-features=Vulkan", "--enable-unsafe-swiftshader",
           "--ignore-gpu-blocklist")


def find_chromium() -> Path | None:
    """``$CHROMIUM_PATH`` when set (even if it does not exist: the probe says so), else the first
    system Chromium or Chrome found."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        return Path(chosen)
    for candidate in _CANDIDATES:
        if os.access(candidate, os.X_OK):
            return Path(candidate)
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


@dataclass(frozen=True)
class LaunchPlan:
    """How to start the browser for one backend: binary, flags, extra environment."""

    executable: Path
    args: tuple[str, ...]
    env: dict[str, str]
    #: What the GPU path is, for the record ("SwiftShader (software)", "system GPU", "none").
    gpu: str


def launch_plan(backend: str, executable: Path | None = None) -> LaunchPlan:
    """The launch plan for BACKEND (``wasm``, ``webgl`` or ``webgpu``)."""
    binary = executable or find_chromium() or Path(_CANDIDATES[0])
    system_gpu = os.environ.get(GPU_ENV, "").lower() == "system"
    env: dict[str, str] = {}
    if backend == "wasm":
        return LaunchPlan(binary, (*_COMMON, "--disable-gpu"), env, "WebAssembly on the CPU (no GPU process)")
    if backend == "webgl":
        if system_gpu:
            return LaunchPlan(binary, (*_COMMON, "--ignore-gpu-blocklist"), env, "system GPU")
        return LaunchPlan(binary, (*_COMMON, *_SWIFTSHADER_GL), env, "SwiftShader through ANGLE (software)")
    if backend == "webgpu":
        env["XDG_RUNTIME_DIR"] = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
        if system_gpu:
            return LaunchPlan(binary, (*_COMMON, "--enable-unsafe-webgpu", "--ignore-gpu-blocklist"), env,
                              "system GPU")
        driver = find_vulkan_driver()
        if driver is not None:
            env.update(driver[0])
        return LaunchPlan(binary, (*_COMMON, *_WEBGPU), env,
                          driver[1] if driver else "no Vulkan driver found")
    raise ValueError(f"unknown browser backend {backend!r}")
