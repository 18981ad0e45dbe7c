"""`edgekit.convert` is public API like the other verbs (the full call is in test_convert.py)."""

from __future__ import annotations

import importlib

import pytest

import edgekit
from edgekit.errors import UsageError


def test_convert_and_its_result_are_listed_and_resolve():
    assert {"convert", "ConvertResult"} <= set(edgekit.__all__)
    importlib.import_module("edgekit.convert.matrix")  # importing the subpackage must not hide the verb
    assert callable(edgekit.convert) and edgekit.ConvertResult.KIND == "convert"


def test_the_verb_runs_the_library_call(tmp_path):
    with pytest.raises(UsageError, match="unknown variant 'fp64'"):
        edgekit.convert(tmp_path / "missing", out=tmp_path / "out", variants=["fp64"])
