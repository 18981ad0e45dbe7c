"""What keeps a check from being judged stops the gate with its exit code and one line."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np

import edgekit
from tests.gate.conftest import write_config

STATIC = """
[models.pose]
model = "pose_heavier.tflite"
baseline = "{baseline}"
delegates = {delegates}

[models.pose.checks]
size = {{ max_growth = "2%" }}
ops = {{ max_growth = "0%" }}
custom_ops = {{}}
coverage = {{ gpu = {{ fully_mapped = true }}, cpu-ref = {{ no_regression = true }} }}
"""


def test_static_checks_judge_the_heavier_twin(project, cli):
    config = write_config(project, STATIC.format(baseline="pose.tflite", delegates='["cpu"]'))
    code, out, _ = cli("gate", "--config", str(config), "--quiet")
    assert code == 1
    assert "ops fail: grew +1.97% over the baseline 305 ops, more than 0.00%" in out
    assert "pose   size" in out and "custom ops        pass" in out and "coverage gpu      pass" in out


def test_a_required_delegate_that_cannot_run_here_exits_3(project, cli):
    config = write_config(project, STATIC.format(baseline="pose.tflite", delegates='["cpu", "hexagon"]'))
    code, out, err = cli("gate", "--config", str(config), "--quiet")
    assert code == 3 and out == "" and err.count("\n") == 1
    assert "delegate 'hexagon' is unavailable here" in err and "models.pose.delegates requires it" in err


def test_a_git_baseline_is_read_and_its_temporary_file_removed(project, cli):
    run = lambda *args: subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    run("add", "pose.tflite")
    run("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "baseline")
    before = set(Path(tempfile.gettempdir()).glob("edgekit-baseline-*"))
    config = write_config(project, STATIC.format(baseline="git:HEAD:pose.tflite", delegates='["cpu"]'))
    code, out, _ = cli("gate", "--config", str(config), "--quiet", "--json", "gate.json")
    assert code == 1 and "grew +1.97% over the baseline 305 ops" in out
    assert set(Path(tempfile.gettempdir()).glob("edgekit-baseline-*")) == before
    assert (
        json.loads((project / "gate.json").read_text())["models"]["pose"]["baseline"]
        == "git:HEAD:pose.tflite"
    )


GOLDEN = """
[gate]
runtime_mismatch = "{policy}"

[models.pose]
model = "pose_heavier.tflite"

[models.pose.checks]
accuracy = {{ golden = "pose.golden.npz" }}
"""


def _rewrite_runtime(path: Path, version: str) -> None:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(str(arrays["meta"]))
    meta["runtime"]["ai-edge-litert"] = version
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)


def test_golden_outputs_recorded_then_judged_and_a_runtime_mismatch_warns_or_fails(project, cli):
    config = write_config(project, GOLDEN.format(policy="warn"))
    code, out, _ = cli("gate", "--config", str(config), "--record", "--quiet")
    assert code == 0 and "golden outputs written to" in out
    code, out, _ = cli("gate", "--config", str(config), "--quiet")
    assert code == 0 and re.search(r"pose\s+accuracy\s+pass", out)  # the twin's outputs are the same
    _rewrite_runtime(project / "pose.golden.npz", "0.0.1")
    code, out, _ = cli("gate", "--config", str(config), "--quiet")
    assert code == 0 and "accuracy warn" in out and "recorded with ai-edge-litert 0.0.1" in out
    assert "re-record them with `edgekit gate --record`" in out
    config = write_config(project, GOLDEN.format(policy="fail"))
    code, out, _ = cli("gate", "--config", str(config), "--quiet")
    assert code == 1 and "accuracy fail: golden outputs were recorded with ai-edge-litert 0.0.1" in out


def test_the_python_api_mirrors_the_cli(project):
    config = write_config(project, STATIC.format(baseline="pose.tflite", delegates='["cpu"]'))
    result = edgekit.gate(config)
    assert isinstance(result, edgekit.GateResult) and result.exit_code == 1
    assert [c.check for c in result.failed_checks] == ["ops"]
    assert edgekit.gate(config, only=["pose"]).verdict == "fail"
