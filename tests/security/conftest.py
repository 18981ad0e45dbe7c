"""Fixtures for the hostile-input tests: a project folder, the real CLI in a subprocess, canaries.

Every reproduction runs ``python -m edgekit`` in a child process with a timeout, so a hang fails
the test instead of stopping the suite, and reports the exit code and stderr exactly as a user
sees them. ``files_under`` lists every path below a folder, so a test can prove that nothing
appeared outside the outputs it named.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import tflite_builder

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ran:
    """What one CLI run left: exit code, stdout, stderr."""

    code: int
    out: str
    err: str

    def refused(self, *words: str, code: int = 2) -> None:
        """Exit CODE, one line on stderr, no traceback, each of WORDS in that line."""
        assert self.code == code, (self.code, self.out, self.err)
        assert self.err.count("\n") == 1 and self.err.endswith("\n"), self.err
        assert "Traceback" not in self.err and "internal error" not in self.err, self.err
        for word in words:
            assert word in self.err, (word, self.err)


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 90,
            limit_memory: int | None = None) -> Ran:
    """``python -m edgekit ARGS`` in CWD; LIMIT_MEMORY caps its address space (bytes)."""
    environment = {key: value for key, value in os.environ.items() if key != "GITHUB_STEP_SUMMARY"}
    environment.update({"PYTHONPATH": str(REPO_ROOT), **(env or {})})
    command = [sys.executable, "-m", "edgekit", *args]
    if limit_memory is not None:
        command = [sys.executable, "-c", _LIMITED, str(limit_memory), *args]
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout)
    return Ran(done.returncode, done.stdout, done.stderr)


_LIMITED = """
import resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from edgekit.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def files_under(folder: Path) -> set[Path]:
    """Every path below FOLDER (links not followed)."""
    return {Path(root) / name for root, dirs, files in os.walk(folder) for name in [*dirs, *files]}


def write_config(folder: Path, text: str) -> Path:
    path = folder / "edgekit.toml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``tmp_path/repo``: a tiny real model and its slightly heavier twin; files may appear only inside."""
    repo = tmp_path / "repo"
    repo.mkdir()
    tflite_builder.conv_model(repo / "model.tflite")
    tflite_builder.conv_model(repo / "twin.tflite", filters=5)
    return repo


@pytest.fixture
def cli(project: Path) -> Callable[..., Ran]:
    """``cli("gate", ...)``: the CLI run in the project folder."""

    def run(*args: str, **options: object) -> Ran:
        return run_cli(*args, cwd=project, **options)  # type: ignore[arg-type]

    return run
