"""JUnit XML for CI systems: one testcase per gate check, the verdict line as the failure message.

Written to validate against the xunit2 schema (junit-10.xsd, the one pytest's ``junit_family =
xunit2`` follows): ``time`` on every testcase and suite, and the checks' figures as ``property``
elements of the testsuite, named ``MODEL[CHECK].FIGURE``; that schema allows no properties
inside a testcase. Model names, check names and verdict lines come from configs and models: every
one goes through :func:`edgekit.text.escape.xml.xml_text` (XML 1.0 cannot hold most control
characters, and one would make CI drop the whole report); ElementTree escapes the markup characters.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from edgekit.gate.properties import check_properties
from edgekit.gate.result import GateResult
from edgekit.text.escape.xml import xml_text

__all__ = ["junit_time", "render_junit"]

def junit_time(seconds: float) -> str:
    """Seconds as junit-10.xsd's SUREFIRE_TIME wants them: plain digits, at most three decimals."""
    return f"{max(seconds, 0.0):.3f}"


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
        timestamp=xml_text(result.created),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in [p for check in result.checks for p in check_properties(check)]:
        ET.SubElement(properties, "property", name=xml_text(name), value=xml_text(value))
    for text in result.warnings:
        ET.SubElement(properties, "property", name="warning", value=xml_text(text))
    for check in result.checks:
        line = xml_text(check.line)
        case = ET.SubElement(suite, "testcase", classname=xml_text(f"edgekit.gate.{check.model}"),
                             name=xml_text(check.check), time=junit_time(check.seconds))
        if check.verdict == "fail":
            failure = ET.SubElement(case, "failure", message=line, type=xml_text(check.kind))
            failure.text = line
        elif check.verdict == "skip":
            ET.SubElement(case, "skipped", message=line)
        ET.SubElement(case, "system-out").text = line
    suites = ET.Element("testsuites", name="edgekit", tests=str(len(result.checks)), failures=str(failures),
                        time=total)
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
