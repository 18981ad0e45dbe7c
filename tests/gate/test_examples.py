"""The README's gate section and the CI examples' edgekit commands work as written, in process.

The project is a clone, so ``git:origin/main:...`` resolves as in CI. The README's configuration
has a latency check: ``fake_latency_decision`` stands in for its measurement (a real decision takes
minutes here); every other check runs for real. ``test_ci_examples.py`` runs the examples' whole
jobs, installation included, in a fresh virtual environment.
"""

from __future__ import annotations

import shlex

from tests.gate import ci_examples
from tests.gate.stand_ins import install_stand_ins

GATE = ("edgekit gate --junit gate-junit.xml --markdown gate.md --json gate.json "
        "--pytest-benchmark-json gate-benchmark.json")


def test_the_ci_files_hold_edgekit_commands():
    assert ci_examples.edgekit_commands(ci_examples.github_job()) == [GATE]
    assert ci_examples.edgekit_commands(ci_examples.gitlab_job()) == [GATE]


def test_the_readme_section_and_the_ci_commands_run(clone, cli, monkeypatch):
    install_stand_ins(monkeypatch)
    (config,) = ci_examples.readme_blocks("toml")
    (clone / "edgekit.toml").write_text(config, encoding="utf-8")
    commands = ci_examples.readme_commands()
    commands += ci_examples.edgekit_commands(ci_examples.github_job())
    commands += ci_examples.edgekit_commands(ci_examples.gitlab_job())
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "edgekit"
        code, out, err = cli(*words[1:], "--quiet")
        assert code == 0, f"{command}: {out}{err}"
    assert {"gate-junit.xml", "gate.md", "gate.json", "gate-benchmark.json", "pose.golden.npz"} <= {
        p.name for p in clone.iterdir()
    }
    assert "| pose | latency cpu x1 | ✅ pass |" in (clone / "gate.md").read_text()
