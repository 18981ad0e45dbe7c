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
from pathlib import Path

from tests.gate.conftest import write_config

REPO = Path(__file__).resolve().parents[2]
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
