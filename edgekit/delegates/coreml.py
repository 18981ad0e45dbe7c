"""Apple Core ML (LiteRT's Core ML delegate): static coverage here, real runs on an iOS device
with the Neural Engine (``benchmark_model --use_coreml=true``).

The delegate runs float models (float32, or float16 weights, which it folds into the ops that read
them); an integer-quantized model maps nothing. Rules: ``data/coreml.json``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from edgekit.delegates import register
from edgekit.delegates.base import Availability
from edgekit.delegates.rules import StaticCoverageDelegate

__all__ = ["COREML", "CoreMlDelegate"]

REASON = (
    "needs Apple hardware (macOS/iOS with the Neural Engine): it runs with LiteRT's benchmark_model "
    "flag --use_coreml=true on an iOS device; static coverage shown"
)
REASON_MACOS = (
    "this Mac is Apple hardware, but LiteRT's Python runtime has no Core ML delegate: run LiteRT's "
    "benchmark_model with --use_coreml=true on an iOS device; static coverage shown"
)


@dataclass(frozen=True)
class CoreMlDelegate(StaticCoverageDelegate):
    def probe(self) -> Availability:
        """Never available from Python; says where it runs."""
        reason = REASON_MACOS if sys.platform == "darwin" else REASON
        detail = {"runs_on": "ios", "benchmark_flag": "--use_coreml=true", "platform": sys.platform}
        return Availability(False, reason, detail)


COREML = register(CoreMlDelegate("coreml", "Apple Core ML (LiteRT Core ML delegate)", "coreml"))
