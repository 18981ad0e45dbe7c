"""JUnit XML for CI systems: one testcase per gate check, the verdict line as the failure message.

Written to validate against the xunit2 schema (junit-10.xsd, the one pytest's ``junit_family =
xunit2`` follows): ``time`` on every testcase and suite, and the checks' figures as ``property``
elements of the testsuite, named ``MODEL[CHECK].FIGURE``; that schema allows no properties
inside a testcase.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

from edgekit.gate.result import CheckResult, GateResult

__all__ = ["check_properties", "junit_time", "render_junit"]

#: Latency evidence worth a property, in this order: both clocks' ratios always appear.
_LATENCY_FIGURES = ("outcome", "figure_words", "ratio", "low", "high", "ratio_cpu", "ratio_wall",
                    "confidence", "threshold", "rounds", "seconds", "confirmed")


def junit_time(seconds: float) -> str:
    """Seconds as junit-10.xsd's SUREFIRE_TIME wants them: plain digits, at most three decimals."""
    return f"{max(seconds, 0.0):.3f}"


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


def render_junit(result: GateResult) -> str:
    """The gate as one ``testsuite`` (``edgekit gate``): classname = model, name = check.

    A failed check carries a ``failure`` whose message is its verdict line; a skipped one a
    ``skipped`` with the reason; a warning is a pass whose line is kept in ``system-out``.
    """
    failures = sum(check.verdict == "fail" for check in result.checks)
    skipped = sum(check.verdict == "skip" for check in result.checks)
    total = junit_time(result.seconds)
    suite = ET.Element(
        "testsuite",
        name="edgekit gate",
        tests=str(len(result.checks)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
        time=total,
        timestamp=result.created,
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in [p for check in result.checks for p in check_properties(check)]:
        ET.SubElement(properties, "property", name=name, value=value)
    for text in result.warnings:
        ET.SubElement(properties, "property", name="warning", value=text)
    for check in result.checks:
        case = ET.SubElement(suite, "testcase", classname=f"edgekit.gate.{check.model}", name=check.check,
                             time=junit_time(check.seconds))
        if check.verdict == "fail":
            failure = ET.SubElement(case, "failure", message=check.line, type=check.kind)
            failure.text = check.line
        elif check.verdict == "skip":
            ET.SubElement(case, "skipped", message=check.line)
        ET.SubElement(case, "system-out").text = check.line
    suites = ET.Element("testsuites", name="edgekit", tests=str(len(result.checks)), failures=str(failures),
                        time=total)
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
