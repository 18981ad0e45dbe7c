"""The CI examples and the README's gate section, read the way their runners and readers read them.

``examples/ci/github-actions.yml`` is one job of steps (``run:`` shell commands and ``uses:``
actions); ``examples/ci/gitlab-ci.yml`` is one job whose ``before_script`` and ``script`` lines run
in one shell. Both are parsed with PyYAML (the test extra), never with patterns over their text.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
GITHUB = REPO / "examples/ci/github-actions.yml"
GITLAB = REPO / "examples/ci/gitlab-ci.yml"
_SECTION = re.compile(r"^## Gate your model in CI\n(.*?)(?=^## )", re.S | re.M)


@dataclass(frozen=True)
class Step:
    """One step in the order the runner takes it: a shell COMMAND, or an ACTION with its inputs."""

    command: str | None = None
    action: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """A CI file's one job: its steps and the environment its shell commands see (unexpanded)."""

    steps: list[Step]
    env: dict[str, str]

    @property
    def commands(self) -> list[str]:
        return [step.command for step in self.steps if step.command is not None]

    def action(self, name: str) -> Step:
        (step,) = [step for step in self.steps if (step.action or "").split("@")[0] == name]
        return step


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def github_job(path: Path = GITHUB) -> Job:
    """The workflow's one job; its env is the workflow's ``env`` under the job's own."""
    workflow = load(path)
    ((_, job),) = workflow["jobs"].items()
    steps = [(Step(command=step["run"]) if "run" in step
              else Step(action=step["uses"], inputs=step.get("with", {})))
             for step in job["steps"]]
    return Job(steps, {**workflow.get("env", {}), **job.get("env", {})})


def gitlab_job(path: Path = GITLAB) -> Job:
    """The file's one job; ``before_script`` then ``script`` lines, with its ``variables`` as env."""
    (job,) = [value for value in load(path).values() if isinstance(value, dict) and "script" in value]
    lines = [*job.get("before_script", []), *job["script"]]
    variables = {name: str(value) for name, value in job.get("variables", {}).items()}
    return Job([Step(command=line) for line in lines], variables)


def edgekit_commands(job: Job) -> list[str]:
    """The commands that run edgekit itself (folded ``>-`` blocks arrive as one line)."""
    return [command.strip() for command in job.commands if shlex.split(command)[0] == "edgekit"]


def apt_packages(command: str) -> list[str] | None:
    """The packages an ``apt-get install`` in COMMAND names, or None if it installs none."""
    found = None
    for part in re.split(r"&&|;|\|\|", command):
        words = [w for w in shlex.split(part) if w != "sudo"]
        if words[:1] == ["apt-get"] and "install" in words:
            found = (found or []) + [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
    return found


def readme_gate_section() -> str:
    return _SECTION.search((REPO / "README.md").read_text(encoding="utf-8")).group(1)


def readme_blocks(language: str) -> list[str]:
    """The README gate section's fenced blocks in LANGUAGE (``toml``: the configuration; ``sh``)."""
    return re.findall(rf"^```{language}\n(.*?)^```", readme_gate_section(), re.S | re.M)


def readme_commands() -> list[str]:
    return [line for block in readme_blocks("sh") for line in block.splitlines() if line.strip()]
