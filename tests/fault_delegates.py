"""Fault-injection delegates: real worker processes that crash, hang or raise on purpose.

They exist to prove the host device's isolation (a crash or hang in one run is recorded and the
other runs go on). They are registered only by the tests that import this module; the worker
process re-imports it by name, as it would any third-party delegate.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.delegates import register
from edgekit.delegates.base import Availability, Coverage, RunOptions


@dataclass(frozen=True)
class FaultInjectionDelegate:
    name: str
    summary: str
    fault: str  # "segfault" | "hang" | "raise" | "unavailable" | "forge"
    uses_threads: bool = True
    cpu_fallback: bool = False

    def probe(self) -> Availability:
        if self.fault == "unavailable":
            return Availability(False, "fault injection: this delegate is never available")
        return Availability(True, "fault injection")

    def coverage(self, model) -> Coverage:
        return Coverage(self.name, len(model.ops))

    def open(self, model_path: str, options: RunOptions):
        if self.fault == "segfault":
            os.kill(os.getpid(), signal.SIGSEGV)
        if self.fault == "hang":
            time.sleep(3600)
        if self.fault == "forge":
            from edgekit import delegates

            return _ForgingRunner(delegates.get("cpu").open(model_path, options))
        raise RuntimeError("fault injection: delegate refused to open the model")


class _ForgingRunner:
    """Runs the model on the cpu delegate, then does what a worker that a hostile model subverted
    could: replaces the outputs it handed back with a file whose header declares 64 GiB."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def close(self) -> None:
        self._inner.close()
        outputs = Path(sys.argv[1]) / "outputs.npz"  # the worker's folder, as every worker is started
        with zipfile.ZipFile(outputs, "w") as forged:
            with forged.open("sets.npy", "w") as member:
                np.lib.format.write_array(member, np.array(1))
            with forged.open("0/y.npy", "w") as member:
                header = {"descr": "<f4", "fortran_order": False, "shape": (1 << 34,)}
                np.lib.format.write_array_header_1_0(member, header)
                member.write(bytes(16))


FAULT_SEGFAULT = register(FaultInjectionDelegate("fault-segfault", "crashes its worker", "segfault"))
FAULT_HANG = register(FaultInjectionDelegate("fault-hang", "hangs its worker", "hang"))
FAULT_RAISE = register(FaultInjectionDelegate("fault-raise", "raises while opening", "raise"))
FAULT_UNAVAILABLE = register(FaultInjectionDelegate("fault-unavailable", "never available", "unavailable"))
FAULT_FORGE = register(FaultInjectionDelegate("fault-forge", "forges the outputs it hands back", "forge"))
