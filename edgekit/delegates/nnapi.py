"""Android NNAPI (LiteRT's NNAPI delegate): static coverage here, real runs on an Android phone
(``benchmark_model --use_nnapi=true``). NNAPI is deprecated from Android 15.

Which ops map depends on the device's Android API level (NNAPI feature level); coverage assumes
the level in ``data/nnapi.json`` (API 30, NNAPI 1.3) unless the delegate is built with another.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

from edgekit.delegates import register
from edgekit.delegates.base import Availability, Coverage
from edgekit.delegates.rules import RuleSet, StaticCoverageDelegate, partitioned_coverage

if TYPE_CHECKING:
    from edgekit.model.model import Model

__all__ = ["NNAPI", "NnapiDelegate"]

REASON = (
    "needs an Android device (NNAPI driver): connect one over adb; it will run with LiteRT's "
    "benchmark_model flag --use_nnapi=true (NNAPI is deprecated from Android 15); static coverage shown"
)


@dataclass(frozen=True)
class NnapiDelegate(StaticCoverageDelegate):
    #: Android API level the coverage assumes; None takes the rule file's default.
    android_api: int | None = None

    def probe(self) -> Availability:
        """Never available on this host; says where it runs."""
        detail = {"runs_on": "android", "benchmark_flag": "--use_nnapi=true", "adb": shutil.which("adb")}
        return Availability(False, REASON, detail)

    def coverage(self, model: Model) -> Coverage:
        """Ops NNAPI would take on a device at ``android_api``."""
        rules = RuleSet.load(self.rules_name)
        level = self.android_api if self.android_api is not None else rules.data["default_level"]
        return partitioned_coverage(self.name, rules, model, level)


NNAPI = register(NnapiDelegate("nnapi", "Android NNAPI (LiteRT NNAPI delegate)", "nnapi"))
