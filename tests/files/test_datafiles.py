"""edgekit.files.datafiles: shipped data files are read once, and a broken one says so in one line."""

from __future__ import annotations

import pytest

from edgekit.errors import EXIT_INTERNAL, DataFileError
from edgekit.files.datafiles import load_json


def test_a_shipped_file_is_parsed_once_and_shared():
    rules = load_json("edgekit.delegates", "data/cpu.json")
    assert isinstance(rules, dict)
    assert load_json("edgekit.delegates", "data/cpu.json") is rules


def test_a_missing_file_is_a_broken_installation():
    with pytest.raises(DataFileError, match=r"missing.json cannot be read .*reinstall") as info:
        load_json("edgekit.delegates", "data/missing.json")
    assert info.value.exit_code == EXIT_INTERNAL and "\n" not in str(info.value)


def test_a_corrupt_file_names_the_json_error(tmp_path, monkeypatch):
    (tmp_path / "brokenpkg").mkdir()
    (tmp_path / "brokenpkg" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "brokenpkg" / "rules.json").write_text("{not json", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(DataFileError, match=r"brokenpkg:rules.json is not valid JSON \(Expecting"):
        load_json("brokenpkg", "rules.json")
