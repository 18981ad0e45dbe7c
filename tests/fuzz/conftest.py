"""Fixtures of the data-surface corpora (their totals are in pytest's summary: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edgekit.cli.main import main
from tests.fuzz.harness import children
from tests.fuzz.surfaces import FAST, Workspace, build_workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return build_workspace(tmp_path_factory.mktemp("surfaces"))


@pytest.fixture(scope="module")
def documents(workspace: Workspace) -> Path:
    """A real bench document (and its sidecar) of the project's model, in a folder of its own."""
    folder = workspace.root / "documents"
    folder.mkdir()
    code = main(["bench", str(workspace.project / "model.tflite"), *FAST[:-2], "--runs", "5", "--quiet",
                 "--json", str(folder / "base.json")])
    assert code == 0
    return folder


@pytest.fixture(autouse=True)
def _no_leftover_processes() -> Iterator[None]:
    yield
    assert children() == []
