"""The table of document kinds: every kind edgekit writes is in it, and it reads each as its class."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import edgekit
from edgekit.errors import ResultFormatError, UsageError
from edgekit.gate.result import CheckResult, GateResult
from edgekit.report.kinds import KINDS
from edgekit.results.bench_result import BenchResult
from edgekit.results.document import ResultDocument
from tests.report.documents import tiny_bench

PACKAGE = Path(edgekit.__file__).parent


def _kinds_in_the_source() -> dict[str, str]:
    """``KIND`` -> class name of every class in the package that sets ``KIND`` (read, not imported)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            for statement in node.body:
                if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.value, ast.Constant):
                    continue
                if isinstance(statement.target, ast.Name) and statement.target.id == "KIND":
                    found[statement.value.value] = node.name
    return found


def test_every_kind_the_package_defines_is_in_the_table():
    defined = _kinds_in_the_source()
    assert {kind: cls.__name__ for kind, cls in KINDS.items()} == {k: v for k, v in defined.items() if k}
    assert {"bench", "convert", "merged", "profile", "bisect", "gate"} <= set(KINDS)


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("kinds")
    check = CheckResult("m", "size", "size", "pass", "size pass: 1 KB", "1 KB", {"value": 1024})
    gate = GateResult(config="edgekit.toml", checks=[check], environment={}).save(folder / "gate.json")
    return {"bench": tiny_bench(folder, "bench"), "gate": gate}


def test_load_document_reads_each_kind_as_its_class(documents):
    bench, gate = edgekit.load_document(documents["bench"]), edgekit.load_document(documents["gate"])
    assert type(bench) is BenchResult and bench.runs[0].status == "ok"
    assert type(gate) is GateResult and gate.checks[0].evidence == {"value": 1024}


def test_a_class_reads_its_own_kind_and_refuses_another(documents):
    assert GateResult.load(documents["gate"]).checks[0].check == "size"
    with pytest.raises(ResultFormatError, match="is a 'bench' document, not a gate document"):
        GateResult.load(documents["bench"])


def test_the_base_class_points_at_load_document(documents):
    with pytest.raises(UsageError, match=r"use edgekit.load_document\(path\) to read a document of any kind"):
        ResultDocument.load(documents["gate"])


def test_an_unknown_kind_names_the_known_ones(documents, tmp_path):
    document = {**json.loads(documents["gate"].read_text()), "kind": "nonsense"}
    (tmp_path / "x.json").write_text(json.dumps(document))
    with pytest.raises(ResultFormatError, match="unknown document kind 'nonsense'; known: bench, bisect, "
                                                "convert, gate, merged, profile"):
        edgekit.load_document(tmp_path / "x.json")
