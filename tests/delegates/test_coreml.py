"""Core ML: static coverage from the delegate's documented op list and its own checks."""

from __future__ import annotations

import sys

import pytest

from edgekit.delegates import coreml, get
from edgekit.delegates.base import RunOptions
from edgekit.delegates.rules import RuleSet
from edgekit.errors import DelegateUnavailable
from edgekit.model.model import Model
from tests import tflite_builder
from tests.tflite_builder import ModelBuilder

COREML = get("coreml")


def test_pose_landmark_full_is_mostly_supported(zoo_model):
    """fp16 weights fold into their convolutions; RESIZE_BILINEAR version 3 and RESHAPE (Core ML 3)
    fall back to the CPU."""
    coverage = COREML.coverage(Model.open(zoo_model("pose-landmark-full")))
    assert coverage.mapped_ops == 324 and coverage.total_ops == 332 and coverage.partitions == 8
    assert sorted({u.op for u in coverage.unsupported}) == ["RESHAPE", "RESIZE_BILINEAR"]
    assert [u.index for u in coverage.unsupported] == [185, 187, 189, 197, 213, 322, 326, 331]
    assert coverage.summary() == (
        "324 of 332 ops supported; 8 partitions; first unsupported op 185 (RESIZE_BILINEAR): "
        "RESIZE_BILINEAR version 3 is not supported (only version 1)"
    )


def test_int8_model_is_not_supported(tmp_path):
    """The documentation: Core ML delegate supports float (FP32 and FP16) models."""
    coverage = COREML.coverage(Model.open(tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite")))
    assert coverage.mapped_ops == 0
    assert coverage.summary() == (
        "integer-quantized model: tensor 'input' is int8; the Core ML delegate runs only float models "
        "(float32, or float16 weights); 0 of 8 ops supported"
    )


def test_float_models_map(tmp_path):
    for path in (
        tflite_builder.conv_model(tmp_path / "conv.tflite"),
        tflite_builder.depthwise_model(tmp_path / "dw.tflite"),
        tflite_builder.transpose_conv_model(tmp_path / "tconv.tflite"),
        tflite_builder.fully_connected_model(tmp_path / "fc.tflite", batch=1),
    ):
        assert COREML.coverage(Model.open(path)).fully_mapped, path.name


def test_fully_connected_is_single_batch_only(tmp_path):
    model = Model.open(tflite_builder.fully_connected_model(tmp_path / "fc.tflite", batch=2))
    coverage = COREML.coverage(model)
    assert coverage.first_break.why.startswith("only single-batch FULLY_CONNECTED")


def _float_add(path, a: tuple, b: tuple) -> Model:
    mb = ModelBuilder("add")
    g = mb.subgraph()
    x, y = g.tensor("a", a), g.tensor("b", b)
    out = g.tensor("sum", tuple(max(p, q) for p, q in zip(a, b, strict=True)))
    g.op("ADD", [x, y], [out])
    g.io([x, y], [out])
    return Model.open(mb.save(path))


def test_add_broadcasts_only_the_documented_shapes(tmp_path):
    assert COREML.coverage(_float_add(tmp_path / "same.tflite", (1, 4, 4, 8), (1, 4, 4, 8))).fully_mapped
    assert COREML.coverage(_float_add(tmp_path / "chan.tflite", (1, 4, 4, 8), (1, 1, 1, 8))).fully_mapped
    refused = COREML.coverage(_float_add(tmp_path / "row.tflite", (1, 4, 4, 8), (1, 1, 4, 8)))
    assert refused.first_break.why.startswith("Core ML broadcasts only")


def _fp16_weights_into(path, consumer: str) -> Model:
    """float16 constant -> DEQUANTIZE -> ``consumer`` (ADD, or SIN which Core ML lacks) with the input."""
    mb = ModelBuilder("fp16")
    g = mb.subgraph()
    x = g.tensor("input", (1, 4, 4, 8))
    half = g.tensor("w16", (1, 4, 4, 8), "float16", data=[[[[0.5] * 8] * 4] * 4])
    w = g.tensor("w", (1, 4, 4, 8))
    y = g.tensor("output", (1, 4, 4, 8))
    g.op("DEQUANTIZE", [half], [w])
    g.op(consumer, [x, w] if consumer == "ADD" else [w], [y])
    g.io([x], [y])
    return Model.open(mb.save(path))


def test_fp16_weight_dequantize_goes_with_its_consumer(tmp_path):
    assert COREML.coverage(_fp16_weights_into(tmp_path / "add.tflite", "ADD")).fully_mapped
    coverage = COREML.coverage(_fp16_weights_into(tmp_path / "sin.tflite", "SIN"))
    assert [u.op for u in coverage.unsupported] == ["DEQUANTIZE", "SIN"]
    assert coverage.unsupported[0].why.startswith(
        "float16 weight DEQUANTIZE is delegated only with the ops that read it"
    )


def test_rules_state_the_documented_facts():
    rules = RuleSet.load("coreml")
    documented = (
        "ADD",
        "AVERAGE_POOL_2D",
        "CONCATENATION",
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "HARD_SWISH",
        "LOGISTIC",
        "MAX_POOL_2D",
        "MIRROR_PAD",
        "MUL",
        "PAD",
        "PADV2",
        "RELU",
        "RELU_N1_TO_1",
        "RELU6",
        "RESHAPE",
        "RESIZE_BILINEAR",
        "SOFTMAX",
        "TANH",
        "TRANSPOSE_CONV",
    )
    assert set(documented) <= set(rules.ops)
    assert rules.data["model"]["activation_types"] == ["float32"]  # no int8-quantized models
    assert "Core ML 2" in rules.ops["RESHAPE"]["unsupported"]


@pytest.mark.skipif(sys.platform == "darwin", reason="the non-Apple message")
def test_probe_here_points_to_apple_hardware():
    availability = COREML.probe()
    assert not availability.available
    assert availability.reason == (
        "needs Apple hardware (macOS/iOS with the Neural Engine): it runs with LiteRT's benchmark_model "
        "flag --use_coreml=true on an iOS device; static coverage shown"
    )
    with pytest.raises(DelegateUnavailable, match="--use_coreml=true"):
        COREML.open("model.tflite", RunOptions())


def test_probe_on_macos_says_python_has_no_core_ml_delegate(monkeypatch):
    monkeypatch.setattr(coreml.sys, "platform", "darwin")
    assert "LiteRT's Python runtime has no Core ML delegate" in COREML.probe().reason
