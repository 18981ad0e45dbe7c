"""Fault-injection delegates: real worker processes that crash, hang or raise on purpose.

They exist to prove the host device's isolation (a crash or hang in one run is recorded and the
other runs go on). They are registered only by the tests that import this module; the worker
process re-imports it by name, as it would any third-party delegate.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

from edgekit.delegates import register
from edgekit.delegates.base import Availability, Coverage, RunOptions


@dataclass(frozen=True)
class FaultInjectionDelegate:
    name: str
    summary: str
    fault: str  # "segfault" | "hang" | "raise" | "unavailable"
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
        raise RuntimeError("fault injection: delegate refused to open the model")


FAULT_SEGFAULT = register(FaultInjectionDelegate("fault-segfault", "crashes its worker", "segfault"))
FAULT_HANG = register(FaultInjectionDelegate("fault-hang", "hangs its worker", "hang"))
FAULT_RAISE = register(FaultInjectionDelegate("fault-raise", "raises while opening", "raise"))
FAULT_UNAVAILABLE = register(FaultInjectionDelegate("fault-unavailable", "never available", "unavailable"))
