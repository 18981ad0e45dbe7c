"""Latency and instruction gates end to end through the CLI, with the engines stood in for.

Every test here installs ``tests.gate.stand_ins`` (``fake_latency_decision``, a MAC ratio, nothing
timed) because the statistics engine is built in parallel and absent from this tree; the real
engine's end-to-end test is ``test_real_engine.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from edgekit.gate.result import GateResult
from tests.gate.conftest import write_config
from tests.gate.stand_ins import install_stand_ins

LATENCY_CONFIG = """
[models.pose]
model = "{model}"
baseline = "pose-landmark-lite"

[models.pose.checks]
size = {{ max_bytes = 5000000 }}
latency = {{ max_slowdown = "{slowdown}", max_seconds = 60 }}
"""


def test_a_slower_candidate_fails_with_ratio_and_interval(project, cli, monkeypatch):
    install_stand_ins(monkeypatch)
    config = write_config(project, LATENCY_CONFIG.format(model="pose_heavier.tflite", slowdown="5%"))
    code, out, err = cli(
        "gate",
        "--config",
        str(config),
        "--junit",
        "gate.xml",
        "--markdown",
        "gate.md",
        "--json",
        "gate.json",
        "--pytest-benchmark-json",
        "bench.json",
        "--quiet",
    )
    assert code == 1, err
    assert ("latency cpu x1 fail: latency x1.906 [1.887, 1.925] by thread CPU time (wall time x1.816) "
            "(99% CI, 4 workers") in out
    suite = ET.parse(project / "gate.xml").getroot().find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"size", "latency cpu x1"} and suite.get("failures") == "1"
    failure = cases["latency cpu x1"].find("failure")
    assert "x1.906 [1.887, 1.925]" in failure.get("message") and "allowed x1.05" in failure.get("message")
    assert cases["size"].find("failure") is None
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert properties["pose[latency cpu x1].ratio_cpu"] == "1.9064"
    assert properties["pose[latency cpu x1].ratio_wall"] == "1.81576"
    assert float(suite.get("time")) >= float(cases["latency cpu x1"].get("time")) >= 0
    markdown = (project / "gate.md").read_text()
    assert ("| pose | latency cpu x1 | ❌ fail | ratio 1.906 [1.887, 1.925] at 99% by thread CPU time, "
            "wall 1.816, 4 workers |") in markdown
    assert "  - rounds: 4" in markdown and "  - low: 1.887" in markdown
    assert "  - ratio\\_cpu: 1.906" in markdown and "  - ratio\\_wall: 1.816" in markdown  # Markdown-escaped
    document = GateResult.load(project / "gate.json")
    assert document.verdict == "fail" and document.checks[1].evidence["ratio"] == pytest.approx(
        1.906, abs=1e-3
    )


def _git(project, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_pytest_benchmark_export_reads_in_pytest_benchmark_compare(project, cli, monkeypatch):
    install_stand_ins(monkeypatch)
    config = write_config(project, LATENCY_CONFIG.format(model="pose_heavier.tflite", slowdown="5%"))
    _git(project, "init", "-q", "-b", "trunk")
    _git(project, "add", "edgekit.toml", "pose.tflite", "pose_heavier.tflite")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "models")
    cli("gate", "--config", str(config), "--pytest-benchmark-json", "bench.json", "--quiet")
    document = json.loads((project / "bench.json").read_text())
    commit = document["commit_info"]
    assert commit["id"] == _git(project, "rev-parse", "HEAD") and commit["branch"] == "trunk"
    assert commit["dirty"] is False and commit["project"] == project.name and commit["time"]
    entries = document["benchmarks"]
    assert [e["param"] for e in entries] == ["baseline", "candidate"]
    # one value per worker process, the decision's unit: 4 workers, not 8 runs
    assert entries[0]["stats"]["median"] == pytest.approx(0.010) and entries[0]["stats"]["rounds"] == 4
    extra = entries[1]["extra_info"]
    assert extra["figure"] == "thread CPU time" and extra["ratio_cpu"] == pytest.approx(1.906, abs=1e-3)
    assert extra["ratio_wall"] == pytest.approx(1.816, abs=1e-3) and extra["wall_median_s"] > 0
    (project / "edgekit.toml").write_text(config.read_text() + "\n# changed\n")
    cli("gate", "--config", str(config), "--pytest-benchmark-json", "bench.json", "--quiet")
    assert json.loads((project / "bench.json").read_text())["commit_info"]["dirty"] is True
    command = "from pytest_benchmark.cli import main; main()"  # the `pytest-benchmark` command itself
    done = subprocess.run(
        [sys.executable, "-c", command, "compare", "bench.json", "--columns", "min,max,mean,median,rounds"],
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "pose[latency cpu x1][candidate]" in done.stdout and "pose[latency cpu x1][baseline]" in done.stdout
    )


def test_the_same_model_as_candidate_passes(project, cli, monkeypatch):
    install_stand_ins(monkeypatch)
    config = write_config(project, LATENCY_CONFIG.format(model="pose.tflite", slowdown="5%"))
    code, out, _ = cli("gate", "--config", str(config), "--quiet")
    assert code == 0
    assert "gate: pass (0 of 2 checks failed)" in out


@pytest.mark.parametrize("policy, code, verdict", [("warn", 0, "warn"), ("fail", 1, "fail")])
def test_inconclusive_counts_as_configured(project, cli, monkeypatch, policy, code, verdict):
    install_stand_ins(monkeypatch)
    text = LATENCY_CONFIG.format(model="pose_heavier.tflite", slowdown="90%")  # 1.90 inside [1.887, 1.925]
    config = write_config(project, f'[gate]\ninconclusive = "{policy}"\n' + text)
    result_code, out, _ = cli("gate", "--config", str(config), "--quiet")
    assert result_code == code
    assert f"latency cpu x1 {verdict}: " in out and f"inconclusive counts as {policy}" in out


def test_github_step_summary_gets_the_markdown(project, cli, monkeypatch):
    install_stand_ins(monkeypatch)
    summary = project / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    config = write_config(project, LATENCY_CONFIG.format(model="pose.tflite", slowdown="5%"))
    assert cli("gate", "--config", str(config), "--quiet")[0] == 0
    text = summary.read_text()
    assert (
        text.startswith("earlier step\n## edgekit gate: ✅ pass")
        and "| pose | latency cpu x1 | ✅ pass |" in text
    )


INSTRUCTIONS_CONFIG = """
[models.pose]
model = "pose_heavier.tflite"
baseline = "pose.tflite"

[models.pose.checks]
instructions = {{ max_growth = "2%"{optional} }}
"""


def test_instruction_growth_fails_the_gate(project, cli, monkeypatch):
    install_stand_ins(monkeypatch)
    config = write_config(project, INSTRUCTIONS_CONFIG.format(optional=""))
    code, out, _ = cli("gate", "--config", str(config), "--quiet", "--pytest-benchmark-json", "bench.json")
    assert code == 1
    assert (
        "instructions x1 fail: 754,257,408 instructions per inference vs baseline 395,644,416 (+90.64%" in out
    )
    units = {e["extra_info"]["unit"] for e in json.loads((project / "bench.json").read_text())["benchmarks"]}
    assert units == {"instructions per inference"}


def test_without_valgrind_the_instructions_check_exits_3_unless_optional(project, cli, monkeypatch):
    install_stand_ins(monkeypatch, valgrind=False)
    config = write_config(project, INSTRUCTIONS_CONFIG.format(optional=""))
    code, out, err = cli("gate", "--config", str(config), "--quiet")
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "valgrind" in err and "apt-get install -y valgrind" in err
    config = write_config(project, INSTRUCTIONS_CONFIG.format(optional=", optional = true"))
    code, out, _ = cli("gate", "--config", str(config), "--quiet")
    assert code == 0 and "instructions x1  skip" in out


def test_an_absolute_budget_needs_its_device_class_and_is_labelled_noisy(project, cli, monkeypatch):
    config = write_config(
        project,
        """
        [models.pose]
        model = "pose.tflite"

        [models.pose.checks]
        latency_budget = { p50_ms = 10000, device_class = "github-ubuntu-2core", runs = 3 }
        """,
    )
    monkeypatch.delenv("EDGEKIT_DEVICE_CLASS", raising=False)
    code, out, _ = cli("gate", "--config", str(config), "--quiet", "--markdown", "gate.md")
    assert code == 0 and "skip" in out and "(noisy)" in out
    assert (
        "noisy: an absolute budget for device class github-ubuntu-2core" in (project / "gate.md").read_text()
    )
    monkeypatch.setenv("EDGEKIT_DEVICE_CLASS", "github-ubuntu-2core")
    code, out, _ = cli("gate", "--config", str(config), "--quiet", "--json", "gate.json")
    assert code == 0
    check = GateResult.load(project / "gate.json").checks[0]
    assert check.verdict == "pass" and check.noisy and "noisy" in check.line and check.evidence["p50_ms"] > 0
