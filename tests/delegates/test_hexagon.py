"""Hexagon DSP: static coverage from the delegate's documented op list, and the probe here."""

from __future__ import annotations

import pytest

from edgekit.delegates import get
from edgekit.delegates.base import RunOptions
from edgekit.delegates.rules import RuleSet
from edgekit.errors import DelegateUnavailable
from edgekit.model.model import Model
from tests import tflite_builder
from tests.tflite_builder import ModelBuilder

HEXAGON = get("hexagon")


def test_fully_int8_mobilenet_is_supported_in_one_partition(tmp_path):
    coverage = HEXAGON.coverage(Model.open(tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite")))
    assert coverage.fully_mapped and coverage.partitions == 1
    assert coverage.summary() == "all 8 ops supported; 1 partition"


def test_float_model_maps_nothing(tmp_path):
    coverage = HEXAGON.coverage(Model.open(tflite_builder.conv_model(tmp_path / "conv.tflite")))
    assert coverage.mapped_ops == 0 and coverage.partitions == 0
    assert coverage.summary() == (
        "float model: tensor 'input' is float32; the Hexagon delegate runs only 8-bit quantized models "
        "(full integer quantization, int8 or uint8); 0 of 1 ops supported"
    )


def test_unsupported_op_splits_into_partitions_and_the_rest_still_maps(tmp_path):
    model = Model.open(tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite", middle="custom"))
    coverage = HEXAGON.coverage(model)
    assert [u.index for u in coverage.unsupported] == [4]
    assert coverage.summary() == (
        "8 of 9 ops supported; 2 partitions; first unsupported op 4 (EdgekitMissingOp): custom op "
        "EdgekitMissingOp does not run on the Hexagon DSP; it falls back to the CPU"
    )


def test_float_input_quantize_stays_on_cpu(tmp_path):
    """The README: Quantize takes 8-bit inputs and outputs only."""
    model = Model.open(tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite", float_io=True))
    coverage = HEXAGON.coverage(model)
    assert [(u.index, u.op) for u in coverage.unsupported] == [(0, "QUANTIZE"), (9, "DEQUANTIZE")]
    assert coverage.partitions == 1


def test_more_than_four_dimensions_is_not_supported(tmp_path):
    path = tflite_builder.add_chain(tmp_path / "5d.tflite", n_ops=1, shape=(1, 1, 2, 2, 2), dtype="int8")
    coverage = HEXAGON.coverage(Model.open(path))
    assert coverage.first_break.why.startswith(
        "Hexagon only supports ops whose inputs and outputs have at most 4 dimensions"
    )


def _int8_depthwise(path, channels: int, multiplier: int) -> Model:
    mb = ModelBuilder("dw")
    g = mb.subgraph()
    out = channels * multiplier
    x = g.tensor("input", (1, 4, 4, channels), "int8", scale=0.1, zero_point=0)
    w = g.tensor("w", (1, 3, 3, out), "int8", data=[[[[1] * out] * 3] * 3], scale=0.1)
    b = g.tensor("b", (out,), "int32", data=[0] * out, scale=0.01)
    y = g.tensor("output", (1, 4, 4, out), "int8", scale=0.1, zero_point=0)
    g.op("DEPTHWISE_CONV_2D", [x, w, b], [y])
    g.io([x], [y])
    return Model.open(mb.save(path))


def test_depthwise_multiplier_rule_from_the_delegate(tmp_path):
    """utils.cc: depth_multiplier must be 1, unless the input has a single channel."""
    assert HEXAGON.coverage(_int8_depthwise(tmp_path / "a.tflite", 8, 1)).fully_mapped
    assert HEXAGON.coverage(_int8_depthwise(tmp_path / "b.tflite", 1, 4)).fully_mapped
    refused = HEXAGON.coverage(_int8_depthwise(tmp_path / "c.tflite", 3, 2))
    assert refused.first_break.why.startswith("depth_multiplier must be 1")


def test_rules_state_the_documented_facts():
    rules = RuleSet.load("hexagon")
    readme_ops = (
        "ADD",
        "ARG_MAX",
        "AVERAGE_POOL_2D",
        "CONCATENATION",
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "HARD_SWISH",
        "LOGISTIC",
        "MAX_POOL_2D",
        "MEAN",
        "MUL",
        "PAD",
        "QUANTIZE",
        "RELU",
        "RELU6",
        "RESHAPE",
        "RESIZE_BILINEAR",
        "SOFTMAX",
        "TANH",
        "TRANSPOSE_CONV",
    )
    assert set(readme_ops) <= set(rules.ops)
    assert "DEQUANTIZE" not in rules.ops and "BATCH_MATMUL" not in rules.ops
    assert rules.data["model"]["activation_types"] == ["int8", "uint8"]  # quantized models only
    assert rules.ops["RELU"]["min_version"] == 2  # CheckOpVersion: Relu == 2 (the int8 kernel)


def test_pose_landmark_full_is_a_float_model(zoo_model):
    coverage = HEXAGON.coverage(Model.open(zoo_model("pose-landmark-full")))
    assert coverage.mapped_ops == 0
    assert coverage.model_reason.startswith("float model: tensor 'input_1' is float32")


def test_probe_here_points_to_an_android_device():
    availability = HEXAGON.probe()
    assert not availability.available
    assert availability.reason == (
        "needs an Android device (Qualcomm Hexagon DSP): connect one over adb; it will run with "
        "LiteRT's benchmark_model flag --use_hexagon=true; static coverage shown"
    )
    with pytest.raises(DelegateUnavailable, match="--use_hexagon=true"):
        HEXAGON.open("model.tflite", RunOptions())
