"""Qualcomm Hexagon DSP (LiteRT's Hexagon delegate): static coverage here, real runs on an
Android phone with a Hexagon DSP (``benchmark_model --use_hexagon=true``).

The DSP runs only 8-bit quantized models; a float model maps nothing. Supported ops take every
partition they form. Rules: ``data/hexagon.json``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from edgekit.delegates import register
from edgekit.delegates.base import Availability
from edgekit.delegates.rules import StaticCoverageDelegate

__all__ = ["HEXAGON", "HexagonDelegate"]

REASON = (
    "needs an Android device (Qualcomm Hexagon DSP): connect one over adb; it will run with "
    "LiteRT's benchmark_model flag --use_hexagon=true; static coverage shown"
)


@dataclass(frozen=True)
class HexagonDelegate(StaticCoverageDelegate):
    def probe(self) -> Availability:
        """Never available on this host; says where it runs."""
        detail = {
            "runs_on": "android",
            "benchmark_flag": "--use_hexagon=true",
            "adb": shutil.which("adb"),
            "device_libraries": (
                "libhexagon_interface.so and libhexagon_nn_skel*.so pushed next to the binary"
            ),
        }
        return Availability(False, REASON, detail)


HEXAGON = register(HexagonDelegate("hexagon", "Qualcomm Hexagon DSP (LiteRT Hexagon delegate)", "hexagon"))
