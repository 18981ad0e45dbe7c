"""A gate check's figures as (name, value) pairs, for CI systems that show properties.

The JUnit report puts them on its testsuite and the pytest plugin records them the same way, named
``MODEL[CHECK].FIGURE``; values are plain text (``null`` for a missing or infinite number).
"""

from __future__ import annotations

import math
from typing import Any

from edgekit.gate.result import CheckResult

__all__ = ["check_properties"]

#: Latency evidence worth a property, in this order: both clocks' ratios always appear.
_LATENCY_FIGURES = ("outcome", "figure_words", "ratio", "low", "high", "ratio_cpu", "ratio_wall",
                    "confidence", "threshold", "rounds", "seconds", "confirmed")


def check_properties(check: CheckResult) -> list[tuple[str, str]]:
    """(name, value) of the figures behind one check, for suite-level JUnit properties."""
    prefix = f"{check.model}[{check.check}]"
    properties = [(f"{prefix}.verdict", check.verdict), (f"{prefix}.summary", check.summary)]
    evidence = check.evidence
    if check.kind == "latency":
        properties += [(f"{prefix}.{key}", _text(evidence[key]))
                       for key in _LATENCY_FIGURES if key in evidence]
        load = evidence.get("load") or {}
        if load.get("max") is not None:
            properties.append((f"{prefix}.load_max", _text(load["max"])))
    elif check.kind == "instructions" and "growth" in evidence:
        properties.append((f"{prefix}.growth", _text(evidence["growth"])))
    properties += [(f"{prefix}.warning", text) for text in check.warnings]
    return properties


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else "null"
    return "null" if value is None else str(value)
