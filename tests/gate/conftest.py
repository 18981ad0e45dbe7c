"""Fixtures for the gate tests: a real zoo model and a slower twin, a temporary project, the CLI."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from edgekit.cli import main
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
