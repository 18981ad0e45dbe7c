"""NNAPI: static coverage from the delegate's per-op checks and the NNAPI op reference."""

from __future__ import annotations

import pytest

from edgekit.delegates import get
from edgekit.delegates.base import RunOptions
from edgekit.delegates.nnapi import NnapiDelegate
from edgekit.delegates.rules import RuleSet
from edgekit.errors import DelegateUnavailable
from edgekit.model.model import Model
from tests import tflite_builder
from tests.tflite_builder import ModelBuilder

NNAPI = get("nnapi")


def test_int8_and_float_models_both_map(tmp_path):
    int8 = NNAPI.coverage(
        Model.open(tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite", float_io=True))
    )
    assert int8.fully_mapped and int8.summary() == "all 10 ops supported; 1 partition"
    float_conv = NNAPI.coverage(Model.open(tflite_builder.conv_model(tmp_path / "conv.tflite")))
    assert float_conv.fully_mapped


def test_pose_landmark_full_maps_with_its_fp16_weights(zoo_model):
    """fp16 weights behind DEQUANTIZE go to NNAPI with the convolutions that read them."""
    model = Model.open(zoo_model("pose-landmark-full"))
    coverage = NNAPI.coverage(model)
    assert model.op_histogram["DEQUANTIZE"] == 192
    assert coverage.fully_mapped and coverage.partitions == 1


def test_float_only_op_on_int8_is_refused_with_types(tmp_path):
    model = Model.open(tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite", middle="SIN"))
    coverage = NNAPI.coverage(model)
    assert coverage.summary() == (
        "8 of 9 ops supported; 2 partitions; first unsupported op 4 (SIN): unsupported data type: "
        "tensor 'residual' is int8; NNAPI takes float32 for SIN"
    )


def _float_unary(path, op: str) -> Model:
    mb = ModelBuilder(op)
    g = mb.subgraph()
    x = g.tensor("input", (1, 8))
    y = g.tensor("output", (1, 8))
    g.op(op, [x], [y])
    g.io([x], [y])
    return Model.open(mb.save(path))


def test_android_api_level_decides_newer_ops(tmp_path):
    """ELU arrived with NNAPI 1.3 (Android 11, API 30)."""
    model = _float_unary(tmp_path / "elu.tflite", "ELU")
    assert NNAPI.coverage(model).fully_mapped  # default target: API 30
    older = NnapiDelegate("nnapi", "NNAPI on Android 10", "nnapi", android_api=29).coverage(model)
    assert older.first_break.why == "ELU needs Android API level 30 (target: 29)"


def test_rules_state_the_documented_facts():
    rules = RuleSet.load("nnapi")
    for op in ("ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED",
               "LOGISTIC", "MAX_POOL_2D", "MUL", "RELU", "RESHAPE", "RESIZE_BILINEAR", "SOFTMAX", "TANH"):
        assert rules.ops[op].get("min_level", 27) == 27, op  # NNAPI 1.0 (Android 8.1) operations
    assert rules.ops["DIV"]["types"] == ["float32"] and rules.ops["DIV"]["min_level"] == 28
    assert rules.ops["TRANSPOSE_CONV"]["min_level"] == 29
    assert "deprecated from Android 15" in rules.source


def test_probe_here_points_to_an_android_device():
    availability = NNAPI.probe()
    assert not availability.available
    assert availability.reason == (
        "needs an Android device (NNAPI driver): connect one over adb; it will run with LiteRT's "
        "benchmark_model flag --use_nnapi=true (NNAPI is deprecated from Android 15); static coverage shown"
    )
    with pytest.raises(DelegateUnavailable, match="--use_nnapi=true"):
        NNAPI.open("model.tflite", RunOptions())
