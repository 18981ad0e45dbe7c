"""The pytest plugin in a temporary project: one item per check, failing items say the verdict.

The plugin is loaded with ``-p edgekit.gate.pytest_plugin`` and entry-point autoloading is off:
where this checkout is the installed edgekit, the ``pytest11`` entry point would register the same
module a second time under another name (pytest refuses that); where another copy is installed,
the entry point would load that copy rather than the code under test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.gate.conftest import write_config

REPO = Path(__file__).resolve().parents[2]
#: The xunit2 schema pytest's own tests validate ``junit_family=xunit2`` output against.
JUNIT_XSD = REPO / "tests" / "report" / "data" / "junit-10.xsd"
CONFIG = """
[models.pose]
model = "pose_heavier.tflite"
baseline = "pose.tflite"

[models.pose.checks]
size = { max_bytes = 5000000 }
ops = { max_growth = "0%" }
custom_ops = {}
"""


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PYTEST_ADDOPTS": "",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "edgekit.gate.pytest_plugin",
            "-p",
            "no:cacheprovider",
            "-rA",
            *args,
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_each_check_is_an_item_and_a_failing_one_says_its_verdict(project):
    write_config(project, CONFIG)
    collected = _pytest(project, "--collect-only", "-q")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    items = [line for line in collected.stdout.splitlines() if line.startswith("edgekit.toml::")]
    assert items == ["edgekit.toml::pose[size]", "edgekit.toml::pose[ops]", "edgekit.toml::pose[custom ops]"]
    done = _pytest(project)
    assert done.returncode == 1
    assert "2 passed" in done.stdout and "1 failed" in done.stdout
    assert "pose: ops fail: grew +1.97% over the baseline 305 ops, more than 0.00%" in done.stdout


def test_a_pyproject_table_is_collected_too(project):
    text = "[project]\nname = 'demo'\n\n" + CONFIG.replace("[models.", "[tool.edgekit.models.")
    write_config(project, text, "pyproject.toml")
    done = _pytest(project, "--collect-only", "-q")
    assert "pyproject.toml::pose[ops]" in done.stdout


def test_the_fixture_writes_gates_in_python(project):
    (project / "test_model_gate.py").write_text(
        textwrap.dedent("""
        def test_small_enough(edgekit_gate):
            result = edgekit_gate.check_size("pose.tflite", max_bytes=5_000_000)
            assert result.verdict == "pass" and result.evidence["value"] > 0

        def test_fully_on_the_gpu(edgekit_gate):
            assert edgekit_gate.check_coverage("pose.tflite", "gpu", fully_mapped=True).verdict == "pass"

        def test_no_more_ops(edgekit_gate):
            edgekit_gate.check_ops("pose_heavier.tflite", baseline="pose.tflite", max_growth="0%")
        """)
    )
    done = _pytest(project, "test_model_gate.py")
    assert done.returncode == 1 and "2 passed" in done.stdout and "1 failed" in done.stdout
    assert "ops fail: grew +1.97% over the baseline 305 ops" in done.stdout


def test_the_entry_point_names_the_plugin_module():
    """Installed edgekit loads the plugin on its own: pyproject's pytest11 entry names this module."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib
    import importlib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    target = project["project"]["entry-points"]["pytest11"]["edgekit"]
    plugin = importlib.import_module(target)
    assert hasattr(plugin, "pytest_collect_file")


def _schema():
    xmlschema = pytest.importorskip("xmlschema", reason="the test extra installs xmlschema")
    return xmlschema.XMLSchema(JUNIT_XSD)


FIXTURE_TESTS = """
def test_small_enough(edgekit_gate):
    edgekit_gate.check_size("pose.tflite", max_bytes=5_000_000)

def test_no_more_ops(edgekit_gate):
    edgekit_gate.check_ops("pose_heavier.tflite", baseline="pose.tflite", max_growth="0%")
"""


def test_junitxml_is_valid_xunit2_with_the_figures_as_suite_properties(project):
    write_config(project, CONFIG)
    (project / "test_model_gate.py").write_text(textwrap.dedent(FIXTURE_TESTS))
    done = _pytest(project, "--junitxml=junit.xml")
    assert done.returncode == 1, done.stdout + done.stderr
    schema = _schema()
    schema.validate(project / "junit.xml")  # raises with the offending element when invalid
    suite = ET.parse(project / "junit.xml").getroot().find("testsuite")
    assert all(case.find("properties") is None for case in suite.iter("testcase"))
    names = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert names["pose[ops].verdict"] == "fail" and names["pose[size].verdict"] == "pass"
    assert names["pose[ops].summary"] == "311 ops (+1.97%)"
    assert names["python[ops].verdict"] == "fail"  # from the edgekit_gate fixture
    assert all(float(case.get("time")) >= 0 for case in suite.iter("testcase"))


def test_pytest_record_property_under_xunit2_is_what_the_schema_refuses(project):
    """Why the plugin does not use testcase properties: pytest writes them there anyway, and warns."""
    (project / "test_plain.py").write_text("def test_it(record_property):\n    record_property('k', 'v')\n")
    done = _pytest(project, "test_plain.py", "--junitxml=plain.xml")
    assert done.returncode == 0
    assert "record_property is incompatible with junit_family 'xunit2'" in done.stdout
    assert not _schema().is_valid(project / "plain.xml")


def test_under_xunit1_the_figures_stay_on_the_testcase(project):
    write_config(project, CONFIG)
    done = _pytest(project, "--junitxml=junit.xml", "-o", "junit_family=xunit1", "edgekit.toml")
    assert done.returncode == 1
    cases = {c.get("name"): c for c in ET.parse(project / "junit.xml").getroot().iter("testcase")}
    properties = {p.get("name"): p.get("value") for p in cases["pose[size]"].find("properties")}
    assert properties["pose[size].verdict"] == "pass"


def test_gate_items_are_collected_when_testpaths_leaves_the_rootdir_out(project):
    write_config(project, CONFIG)
    (project / "tests").mkdir()
    (project / "tests" / "test_unit.py").write_text("def test_unit():\n    pass\n")
    (project / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    collected = _pytest(project, "--collect-only", "-q")
    items = [line for line in collected.stdout.splitlines() if "::" in line]
    assert items == ["tests/test_unit.py::test_unit", "edgekit.toml::pose[size]", "edgekit.toml::pose[ops]",
                     "edgekit.toml::pose[custom ops]"], collected.stdout
    explicit = _pytest(project, "--collect-only", "-q", "tests")  # paths given: only those
    assert "edgekit.toml" not in explicit.stdout


def test_a_bad_option_in_the_fixture_is_one_line_without_traceback(project):
    (project / "test_bad_option.py").write_text(textwrap.dedent("""
        def test_latency(edgekit_gate):
            edgekit_gate.check_latency("pose_heavier.tflite", "pose.tflite", max_slowdown="5")

        def test_missing_model(edgekit_gate):
            edgekit_gate.check_size("nothere.tflite", max_bytes=10)
        """))
    done = _pytest(project, "test_bad_option.py")
    assert done.returncode == 1 and "2 failed" in done.stdout
    assert "Traceback" not in done.stdout and "edgekit_gate:" not in done.stdout
    assert "/edgekit_gate" not in done.stdout  # no made-up file name
    lines = [line for line in done.stdout.splitlines() if line.startswith("edgekit_gate.check_")]
    assert lines[0].startswith("edgekit_gate.check_latency: max_slowdown: '5' is not a percentage")
    assert lines[1].startswith("edgekit_gate.check_size: model: 'nothere.tflite' is neither a file")
