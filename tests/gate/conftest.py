"""Fixtures for the gate tests: a real zoo model and a slower twin, a temporary project, the CLI."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from edgekit.cli.main import main
from tests.gate.heavier import heavier_copy


@pytest.fixture(scope="session")
def pose_pair(zoo_model: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``pose-landmark-lite`` from the zoo and its slower twin (same outputs, about 1.4x the time)."""
    baseline = zoo_model("pose-landmark-lite")
    heavy = heavier_copy(baseline, tmp_path_factory.mktemp("pose-pair") / "pose_heavier.tflite")
    return {"baseline": baseline, "heavier": heavy}


@pytest.fixture
def project(tmp_path: Path, pose_pair: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary project folder holding the two pose models, as the working directory."""
    shutil.copy(pose_pair["baseline"], tmp_path / "pose.tflite")
    shutil.copy(pose_pair["heavier"], tmp_path / "pose_heavier.tflite")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


@pytest.fixture
def clone(tmp_path: Path, pose_pair: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of a one-commit repository holding ``pose.tflite``, as the working directory.

    A clone, so that ``git:origin/main:...`` baselines resolve as in a CI checkout.
    """

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


def write_config(directory: Path, text: str, name: str = "edgekit.toml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """``cli("gate", "--config", ...)`` -> (exit code, stdout, stderr), in process."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
