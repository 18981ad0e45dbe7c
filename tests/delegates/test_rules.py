"""The shared rule evaluator, the rule files' shape, and the Coverage value."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from ai_edge_litert import schema_py_generated as schema

from edgekit.delegates import get
from edgekit.delegates.base import Coverage, UnsupportedOp
from edgekit.delegates.rules import RuleSet, count_partitions
from edgekit.model.model import Model
from tests import tflite_builder

RULE_FILES = ("edgetpu", "hexagon", "nnapi", "coreml")
BUILTINS = {name for name in vars(schema.BuiltinOperator) if name.isupper()}
CHECKS = {"constant", "present", "max_rank", "rank", "leading_ones", "max_elements", "same_dims",
          "dim_equals", "broadcast_4d", "any_of"}


@pytest.mark.parametrize("name", RULE_FILES)
def test_every_rule_has_a_source_and_a_real_op_name(name):
    data = json.loads(resources.files("edgekit.delegates").joinpath(f"data/{name}.json").read_text())
    assert data["source"] and data["accelerator"]
    for op, rule in data["ops"].items():
        assert op in BUILTINS, f"{name}: {op} is not a TFLite builtin op"
        assert rule["source"], f"{name}: {op} has no source"
        for constraint in rule.get("constraints", []):
            assert constraint["check"] in CHECKS and constraint["why"]
    for constraint in data.get("constraints", []):
        assert constraint["source"] and constraint["check"] in CHECKS
    if "model" in data:
        assert data["model"]["source"]


def test_legacy_coverage_keeps_its_behaviour():
    """cpu and gpu build Coverage with the first four fields only."""
    ok = Coverage("cpu", 3)
    assert ok.runnable and ok.fully_mapped and ok.mapped_ops == 3 and ok.summary() == "all 3 ops supported"
    missing = UnsupportedOp(1, 0, "Custom", "no kernel")
    partial = Coverage("cpu", 3, (missing,), "src")
    assert not partial.runnable and partial.partially_mapped and partial.mapped_ops == 2
    assert partial.first_break == missing
    assert partial.summary() == "1 of 3 ops unsupported (Custom); first at op 1: no kernel"
    document = partial.to_dict()
    assert document["unsupported"] == [{"index": 1, "subgraph": 0, "op": "Custom", "why": "no kernel"}]
    assert {"delegate", "total_ops", "runnable", "source"} <= set(document)
    assert document["mapped_ops"] == 2 and document["first_break"]["index"] == 1
    json.dumps(document)


def test_unknown_partitioning_is_refused():
    with pytest.raises(ValueError, match="partitioning"):
        Coverage("x", 1, partitioning="sometimes")


def test_ops_outside_the_main_graph_are_named_with_their_subgraph():
    assert UnsupportedOp(2, 1, "WHILE", "x").where == "op 2 of subgraph 1 (WHILE)"
    assert UnsupportedOp(2, 0, "ADD", "x").where == "op 2 (ADD)"


def test_partitions_are_runs_of_supported_ops_per_subgraph(tmp_path):
    model = Model.open(tflite_builder.signature_model(tmp_path / "two.tflite"))  # one op per subgraph
    assert count_partitions(model, [None, None]) == 2
    chain = Model.open(tflite_builder.add_chain(tmp_path / "chain.tflite", n_ops=5))
    assert count_partitions(chain, [None, "x", None, None, "x"]) == 2
    assert count_partitions(chain, ["x"] * 5) == 0


def test_every_accelerator_reports_partial_coverage_consistently(tmp_path):
    model = Model.open(tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite", middle="custom"))
    for name in RULE_FILES:
        coverage = get(name).coverage(model)
        assert coverage.mapped_ops + len(coverage.unsupported) == coverage.total_ops
        assert coverage.to_dict()["summary"] == coverage.summary()
        assert coverage.source == RuleSet.load(name).source
