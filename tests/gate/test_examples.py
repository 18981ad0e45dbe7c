"""The README's gate section and the CI examples work as written, in a temporary project.

The project is a clone, so ``git:origin/main:...`` resolves as in CI. The README's configuration
has a latency check: ``fake_latency_decision`` stands in for its measurement (the engine is not in
this tree yet); every other check runs for real.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.gate.stand_ins import install_stand_ins

REPO = Path(__file__).resolve().parents[2]
SECTION = re.compile(r"^## Gate your model in CI\n(.*?)(?=^## )", re.S | re.M)


def _section() -> str:
    return SECTION.search((REPO / "README.md").read_text(encoding="utf-8")).group(1)


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.S | re.M)


def ci_commands(path: Path) -> list[str]:
    """The edgekit commands of a CI file: ``run:`` values (folded ``>-`` joined) and ``script:`` items."""
    commands, lines = [], path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^\s*-\s+run:\s+>-\s*$", line):
            indent = len(line) - len(line.lstrip()) + 2
            folded = []
            for following in lines[number + 1 :]:
                if len(following) - len(following.lstrip()) <= indent:
                    break
                folded.append(following.strip())
            line = "- run: " + " ".join(folded)
        match = re.match(r"^\s*(?:-\s+run:|-)\s+(edgekit\s.*?)\s*(?:#.*)?$", line)
        if match:
            commands.append(match.group(1))
    return commands


@pytest.fixture
def clone(tmp_path: Path, pose_pair, monkeypatch: pytest.MonkeyPatch) -> Path:
    def git(*args: str, cwd: Path) -> None:
        identity = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
        subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True)

    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git("init", "-q", "-b", "main", cwd=upstream)
    shutil.copy(pose_pair["baseline"], upstream / "pose.tflite")
    git("add", "pose.tflite", cwd=upstream)
    git("commit", "-qm", "model", cwd=upstream)
    git("clone", "-q", str(upstream), "project", cwd=tmp_path)
    monkeypatch.chdir(tmp_path / "project")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path / "project"


def test_the_ci_files_hold_edgekit_commands():
    assert ci_commands(REPO / "examples/ci/github-actions.yml") == [
        "edgekit gate --junit gate-junit.xml --markdown gate.md --json gate.json "
        "--pytest-benchmark-json gate-benchmark.json"
    ]
    assert ci_commands(REPO / "examples/ci/gitlab-ci.yml") == [
        "edgekit gate --junit gate-junit.xml --markdown gate.md --json gate.json"
    ]


def test_the_readme_section_and_the_ci_commands_run(clone, cli, monkeypatch):
    install_stand_ins(monkeypatch)
    section = _section()
    (config,) = _blocks(section, "toml")
    (clone / "edgekit.toml").write_text(config, encoding="utf-8")
    commands = [line for block in _blocks(section, "sh") for line in block.splitlines() if line.strip()]
    commands += ci_commands(REPO / "examples/ci/github-actions.yml") + ci_commands(
        REPO / "examples/ci/gitlab-ci.yml"
    )
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "edgekit"
        code, out, err = cli(*words[1:], "--quiet")
        assert code == 0, f"{command}: {out}{err}"
    assert {"gate-junit.xml", "gate.md", "gate.json", "gate-benchmark.json", "pose.golden.npz"} <= {
        p.name for p in clone.iterdir()
    }
    assert "| pose | latency cpu x1 | ✅ pass |" in (clone / "gate.md").read_text()
