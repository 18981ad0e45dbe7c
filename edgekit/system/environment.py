"""Where numbers come from: the fingerprint every result document carries."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

__all__ = ["cpu_model", "environment_fingerprint", "package_version"]


def package_version(name: str) -> str | None:
    """The installed version of distribution NAME, or None."""
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def environment_fingerprint(threads_used: list[int] | None = None) -> dict[str, Any]:
    """CPU, cores, OS, Python, runtime versions and the load average at start."""
    try:
        load: list[float] | None = list(os.getloadavg())
    except OSError:
        load = None
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "device": "host",
        # Names the machine when documents from several are merged side by side.
        "hostname": platform.node() or None,
        "cpu_model": cpu_model(),
        "machine": platform.machine(),
        "logical_cores": os.cpu_count(),
        "usable_cores": affinity,
        "threads_used": threads_used,
        "os": platform.platform(),
        "python": platform.python_version(),
        "runtime": {"ai-edge-litert": package_version("ai-edge-litert"), "numpy": np.__version__},
        "load_average_at_start": load,
    }


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what the platform module says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
