"""Gate documents read by the rest of edgekit: ``edgekit report gate.json``, and JUnit that validates."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgekit.gate.result import CheckResult, GateResult
from edgekit.report.junit import render_junit
from tests.gate.conftest import write_config
from tests.gate.stand_ins import install_stand_ins

JUNIT_XSD = Path(__file__).resolve().parents[1] / "report" / "data" / "junit-10.xsd"
CONFIG = """
[models.pose]
model = "pose_heavier.tflite"
baseline = "pose.tflite"

[models.pose.checks]
size = { max_bytes = 5000000 }
ops = { max_growth = "0%" }
latency = { max_slowdown = "5%", max_seconds = 60 }
"""


@pytest.fixture
def gate_document(project, cli, monkeypatch) -> Path:
    install_stand_ins(monkeypatch)
    config = write_config(project, CONFIG)
    code, _, _ = cli("gate", "--config", str(config), "--quiet", "--json", "gate.json")
    assert code == 1
    return project / "gate.json"


def test_report_renders_a_gate_document_as_markdown_and_html(gate_document, cli):
    code, _, err = cli("report", str(gate_document), "--md", "gate-report.md", "--html", "gate-report.html")
    assert code == 0, err
    markdown = (gate_document.parent / "gate-report.md").read_text()
    assert "## gate: " in markdown and ": fail" in markdown
    assert "| pose | size | ✅ pass |" in markdown and "| pose | ops | ❌ fail |" in markdown
    assert "  - ratio\\_cpu: 1.906" in markdown and "  - ratio\\_wall: 1.816" in markdown  # Markdown-escaped
    page = (gate_document.parent / "gate-report.html").read_text()
    assert 'data-section="gate-checks"' in page and 'data-section="gate-evidence"' in page
    assert "latency x1.906 [1.887, 1.925] by thread CPU time (wall time x1.816)" in page
    assert "<script" not in page


def test_a_hostile_check_line_stays_text_in_the_page(tmp_path):
    check = CheckResult("m<script>", "size", "size", "fail", 'size fail: <img src=x onerror="alert(1)">', "s")
    document = GateResult(config="edgekit.toml", checks=[check], environment={})
    path = document.save(tmp_path / "gate.json")
    from edgekit.report.render import render_report

    page = render_report([path]).html
    assert "<img" not in page and "<script>" not in page and "&lt;img" in page


def _schema():
    xmlschema = pytest.importorskip("xmlschema", reason="the test extra installs xmlschema")
    return xmlschema.XMLSchema(JUNIT_XSD)


def test_gate_junit_is_valid_xunit2_with_times_and_suite_properties(gate_document):
    document = GateResult.load(gate_document)
    skipped = CheckResult("pose", "instructions x1", "instructions", "skip",
                          "instructions x1 skip: no valgrind", "no valgrind", seconds=0.25)
    document.checks.append(skipped)
    text = render_junit(document)
    schema = _schema()
    schema.validate(text)
    import xml.etree.ElementTree as ET

    suite = ET.fromstring(text).find("testsuite")
    times = {case.get("name"): float(case.get("time")) for case in suite.iter("testcase")}
    assert times["instructions x1"] == 0.25
    assert float(suite.get("time")) == pytest.approx(sum(times.values()), abs=0.002)
    names = {p.get("name") for p in suite.find("properties")}
    assert {"pose[latency cpu x1].ratio_cpu", "pose[latency cpu x1].ratio_wall", "pose[ops].verdict"} <= names
