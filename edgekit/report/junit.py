"""JUnit XML for CI systems: one testcase per gate check, the verdict line as the failure message."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from edgekit.gate.result import GateResult

__all__ = ["render_junit"]


def render_junit(result: GateResult) -> str:
    """The gate as one ``testsuite`` (``edgekit gate``): classname = model, name = check.

    A failed check carries a ``failure`` whose message is its verdict line; a skipped one a
    ``skipped`` with the reason; a warning is a pass whose line is kept in ``system-out``.
    """
    failures = sum(check.verdict == "fail" for check in result.checks)
    skipped = sum(check.verdict == "skip" for check in result.checks)
    suite = ET.Element(
        "testsuite",
        name="edgekit gate",
        tests=str(len(result.checks)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
        timestamp=result.created,
    )
    for check in result.checks:
        case = ET.SubElement(suite, "testcase", classname=f"edgekit.gate.{check.model}", name=check.check)
        if check.verdict == "fail":
            failure = ET.SubElement(case, "failure", message=check.line, type=check.kind)
            failure.text = check.line
        elif check.verdict == "skip":
            ET.SubElement(case, "skipped", message=check.line)
        ET.SubElement(case, "system-out").text = check.line
    suites = ET.Element("testsuites", name="edgekit", tests=str(len(result.checks)), failures=str(failures))
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
