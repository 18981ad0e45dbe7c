"""The golden-file comparison the scaffold tests share: fails on a difference, rewrites only on request."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden_files import UPDATE_VARIABLE, assert_matches_golden, stored_path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src/contract.ts").write_text("export const SIZE = 192; // edgekit 1.2.3\n", encoding="utf-8")
    (root / ".gitignore").write_text("node_modules/\n", encoding="utf-8")
    return root


def _store(golden: Path, relative: str, text: str) -> None:
    path = stored_path(golden, relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_equal_files_pass_after_normalizing(project, tmp_path, monkeypatch):
    monkeypatch.delenv(UPDATE_VARIABLE, raising=False)
    golden = tmp_path / "golden"
    _store(golden, "src/contract.ts", "export const SIZE = 192; // edgekit <version>\n")
    _store(golden, ".gitignore", "node_modules/\n")
    assert_matches_golden(project, ["src/contract.ts", ".gitignore"], golden,
                          lambda text: text.replace("1.2.3", "<version>"))


def test_every_difference_and_missing_file_is_reported_at_once_with_a_diff(project, tmp_path, monkeypatch):
    monkeypatch.delenv(UPDATE_VARIABLE, raising=False)
    golden = tmp_path / "golden"
    _store(golden, "src/contract.ts", "export const SIZE = 256; // edgekit 1.2.3\n")
    with pytest.raises(AssertionError) as caught:
        assert_matches_golden(project, ["src/contract.ts", ".gitignore"], golden)
    message = str(caught.value)
    assert "-export const SIZE = 256;" in message and "+export const SIZE = 192;" in message
    assert f"no golden file {golden / 'gitignore'}; run with {UPDATE_VARIABLE}=1" in message


def test_update_variable_rewrites_the_stored_copies_without_leading_dots(project, tmp_path, monkeypatch):
    monkeypatch.setenv(UPDATE_VARIABLE, "1")
    golden = tmp_path / "golden"
    _store(golden, "src/contract.ts", "stale\n")
    assert_matches_golden(project, ["src/contract.ts", ".gitignore"], golden)
    rendered = (project / "src/contract.ts").read_text(encoding="utf-8")
    assert (golden / "src/contract.ts").read_text(encoding="utf-8") == rendered
    assert (golden / "gitignore").read_text(encoding="utf-8") == "node_modules/\n"
    assert not (golden / ".gitignore").exists()  # a stored .gitignore would act on the repository
