"""Edge TPU: static coverage with the compiler's prefix rule, the probe on this machine (no
libedgetpu, no edgetpu_compiler), and the compiler-log parser on documented-format logs."""

from __future__ import annotations

import ctypes
import shutil

import numpy as np
import pytest

from edgekit.delegates import edgetpu, get
from edgekit.delegates.base import RunOptions
from edgekit.delegates.rules import RuleSet
from edgekit.errors import DelegateUnavailable, ToolMissing, UnsupportedModel, UsageError
from edgekit.model.model import Model
from tests import tflite_builder
from tests.tflite_builder import INT8_MOBILENET_OPS, ModelBuilder

EDGETPU = get("edgetpu")


def _has_runtime() -> bool:
    try:
        ctypes.CDLL("libedgetpu.so.1")
    except OSError:
        return False
    return True


def mobilenet(tmp_path, **kwargs) -> Model:
    return Model.open(tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite", **kwargs))


def test_fully_int8_mobilenet_maps_completely(tmp_path):
    model = mobilenet(tmp_path)
    assert [op.name for op in model.ops] == list(INT8_MOBILENET_OPS)
    coverage = EDGETPU.coverage(model)
    assert coverage.fully_mapped and coverage.runnable and not coverage.partially_mapped
    assert coverage.mapped_ops == 8 and coverage.first_break is None and coverage.partitions == 1
    assert coverage.summary() == "all 8 ops would map to the Edge TPU"


def test_float_op_in_the_middle_breaks_the_graph_there(tmp_path):
    """DEQUANTIZE -> TANH (float32) -> QUANTIZE after the ADD: the graph breaks at the DEQUANTIZE
    (op 4), and every later op runs on the CPU, supported or not."""
    model = mobilenet(tmp_path, middle="float")
    assert [op.name for op in model.ops][3:7] == ["ADD", "DEQUANTIZE", "TANH", "QUANTIZE"]
    coverage = EDGETPU.coverage(model)
    assert coverage.first_break.index == 4 and coverage.first_break.op == "DEQUANTIZE"
    assert coverage.mapped_ops == 4 and coverage.partially_mapped and not coverage.runnable
    assert [u.index for u in coverage.unsupported] == list(range(4, 11))
    by_index = {u.index: u.why for u in coverage.unsupported}
    assert "tensor 'middle/dequantized' is float32" in by_index[5]  # TANH and QUANTIZE keep their own
    assert "tensor 'middle/tanh' is float32" in by_index[6]  # reasons (float32 inputs)
    for index in (7, 8, 9, 10):  # AVERAGE_POOL_2D ... SOFTMAX are supported, yet after the break
        assert by_index[index].startswith("after the graph break at op 4 (DEQUANTIZE)")
    assert coverage.summary() == (
        "4 of 11 ops would map to the Edge TPU; the graph breaks at op 4 (DEQUANTIZE): operation is "
        "working on an unsupported data type: DEQUANTIZE produces float, which the Edge TPU does not take"
    )


@pytest.mark.parametrize(
    ("middle", "name", "reason"),
    [
        ("SIN", "SIN", "SIN is not among the ops the Edge TPU supports"),
        ("custom", "EdgekitMissingOp", "custom op EdgekitMissingOp does not run on the Edge TPU"),
    ],
)
def test_unsupported_op_in_the_middle_breaks_the_graph_there(tmp_path, middle, name, reason):
    coverage = EDGETPU.coverage(mobilenet(tmp_path, middle=middle))
    assert (coverage.first_break.index, coverage.first_break.op) == (4, name)
    assert coverage.mapped_ops == 4 and coverage.total_ops == 9
    assert [u.op for u in coverage.unsupported] == [
        name,
        "AVERAGE_POOL_2D",
        "RESHAPE",
        "FULLY_CONNECTED",
        "SOFTMAX",
    ]
    assert all(u.why.startswith(f"after the graph break at op 4 ({name})") for u in coverage.unsupported[1:])
    assert coverage.summary().startswith(
        f"4 of 9 ops would map to the Edge TPU; the graph breaks at op 4 ({name}): {reason}"
    )


def test_float_model_is_not_fully_integer_quantized(tmp_path):
    model = Model.open(tflite_builder.conv_model(tmp_path / "conv.tflite"))
    coverage = EDGETPU.coverage(model)
    reason = (
        "not fully integer-quantized: tensor 'input' is float32; "
        "Edge TPU needs full integer quantization (int8-full)"
    )
    assert coverage.model_reason == reason and coverage.mapped_ops == 0
    assert all(u.why == reason for u in coverage.unsupported)
    assert coverage.summary() == f"{reason}; 0 of 1 ops would map to the Edge TPU"


def test_dynamic_shape_is_refused_with_reason(tmp_path):
    coverage = EDGETPU.coverage(mobilenet(tmp_path, dynamic_batch=True))
    assert coverage.mapped_ops == 0
    assert coverage.model_reason.startswith(
        "dynamic shape: tensor 'input' has shape signature [-1, 8, 8, 3]; "
        "the Edge TPU needs tensor sizes fixed"
    )


def test_float_input_and_output_conversions_run_on_cpu_without_breaking_the_graph(tmp_path):
    """Full int8 with float I/O, as TF writes it: QUANTIZE first and DEQUANTIZE last stay on the
    CPU; everything between maps."""
    coverage = EDGETPU.coverage(mobilenet(tmp_path, float_io=True))
    assert [(u.index, u.op) for u in coverage.unsupported] == [(0, "QUANTIZE"), (9, "DEQUANTIZE")]
    assert coverage.first_break is None and coverage.mapped_ops == 8 and coverage.partitions == 1
    assert coverage.summary().startswith(
        "8 of 10 ops would map to the Edge TPU; "
        "op 0 (QUANTIZE) runs on the CPU: quantizes the float model input"
    )


def test_tensors_beyond_three_nontrivial_dimensions_do_not_map(tmp_path):
    """Coral: a tensor may have more than 3 dimensions only if all but the 3 innermost are 1 (batch 1)."""
    model = Model.open(
        tflite_builder.add_chain(tmp_path / "b2.tflite", n_ops=1, shape=(2, 4, 4, 8), dtype="int8")
    )
    coverage = EDGETPU.coverage(model)
    assert coverage.first_break.index == 0
    assert coverage.first_break.why.startswith(
        "tensors may have more than 3 dimensions only if all but the 3 innermost are 1"
    )
    single = Model.open(
        tflite_builder.add_chain(tmp_path / "b1.tflite", n_ops=1, shape=(1, 4, 4, 8), dtype="int8")
    )
    assert EDGETPU.coverage(single).fully_mapped


def _int8_softmax(path, width: int) -> Model:
    mb = ModelBuilder("softmax")
    g = mb.subgraph()
    x = g.tensor("logits", (1, width), "int8", scale=0.1, zero_point=0)
    y = g.tensor("probabilities", (1, width), "int8", scale=1 / 256, zero_point=-128)
    g.op("SOFTMAX", [x], [y])
    g.io([x], [y])
    return Model.open(mb.save(path))


def test_softmax_limit_from_the_docs(tmp_path):
    """Coral: Softmax supports only a 1-D input with at most 16,000 elements."""
    assert EDGETPU.coverage(_int8_softmax(tmp_path / "small.tflite", 16000)).fully_mapped
    big = EDGETPU.coverage(_int8_softmax(tmp_path / "big.tflite", 16001))
    assert big.first_break.why.startswith("SOFTMAX supports at most 16,000 elements")


def test_rules_state_the_documented_facts():
    rules = RuleSet.load("edgetpu")
    for op in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX", "ADD", "AVERAGE_POOL_2D",
               "MAX_POOL_2D", "CONCATENATION", "RESHAPE", "MEAN", "LOGISTIC", "RELU6", "RESIZE_BILINEAR"):
        assert "source" in rules.ops[op] and "why" not in rules.ops[op], op
    assert rules.data["activation_types"] == ["int8", "uint8"]
    assert "SIN" not in rules.ops and "CUMSUM" not in rules.ops
    assert "coral.ai/docs/edgetpu/models-intro" in rules.source


def test_an_already_compiled_model_maps(tmp_path):
    mb = ModelBuilder("compiled")
    g = mb.subgraph()
    x = g.tensor("input", (1, 8), "uint8", scale=0.5, zero_point=128)
    y = g.tensor("output", (1, 8), "uint8", scale=0.5, zero_point=128)
    g.op(edgetpu.COMPILED_OP, [x], [y], custom=True)
    g.io([x], [y])
    assert EDGETPU.coverage(Model.open(mb.save(tmp_path / "compiled_edgetpu.tflite"))).fully_mapped


def test_pose_landmark_full_is_not_fully_integer_quantized(zoo_model):
    coverage = EDGETPU.coverage(Model.open(zoo_model("pose-landmark-full")))
    assert coverage.mapped_ops == 0 and coverage.total_ops == 332
    assert coverage.summary().startswith(
        "not fully integer-quantized: tensor 'input_1' is float32; "
        "Edge TPU needs full integer quantization (int8-full)"
    )


@pytest.fixture(scope="module")
def tf_int8_models(tmp_path_factory):
    """Real full-int8 conversions with TensorFlow.

    One with a fixed batch (float I/O), one with Keras' default dynamic batch.
    """
    pytest.importorskip("tensorflow")
    from tests import tf_models

    tf = tf_models._tensorflow()
    directory = tmp_path_factory.mktemp("tf_int8")
    layers = tf.keras.layers
    inputs = tf.keras.Input(shape=(16, 16, 3), batch_size=1, name="image")
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation=tf.nn.relu6)(inputs)
    x = layers.DepthwiseConv2D(3, padding="same", activation=tf.nn.relu6)(x)
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(16, 1, activation=tf.nn.relu6)(x))
    fixed = tf.keras.Model(inputs, layers.Softmax()(layers.Dense(4)(x)))
    calibration = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 3)).astype(np.float32)
    return {
        "fixed": tf_models.convert_int8(fixed, directory / "fixed.tflite", calibration, integer_io=False),
        "dynamic": tf_models.well_calibrated_int8(directory),
    }


@pytest.mark.slow
def test_tensorflow_full_int8_conversion(tf_int8_models):
    fixed = EDGETPU.coverage(Model.open(tf_int8_models["fixed"]))
    assert [u.op for u in fixed.unsupported] == ["QUANTIZE", "DEQUANTIZE"]  # float I/O boundary only
    assert fixed.first_break is None and fixed.mapped_ops == fixed.total_ops - 2
    dynamic = EDGETPU.coverage(Model.open(tf_int8_models["dynamic"]))
    assert dynamic.model_reason.startswith(
        "dynamic shape: tensor 'serving_default_image:0' has shape signature [-1, 32, 32, 3]"
    )


@pytest.mark.skipif(_has_runtime(), reason="this machine has libedgetpu.so.1")
def test_probe_here_says_how_to_get_the_runtime():
    availability = EDGETPU.probe()
    assert not availability.available
    assert availability.reason == (
        "libedgetpu.so.1 not found: install the Edge TPU runtime (Coral 'libedgetpu1-std' package) "
        "and plug in a Coral device; static coverage shown"
    )
    assert availability.detail["compiler"] == shutil.which("edgetpu_compiler")
    with pytest.raises(DelegateUnavailable, match="libedgetpu.so.1 not found"):
        EDGETPU.open("model.tflite", RunOptions())


def test_probe_with_runtime_but_no_device(monkeypatch):
    """Test double at the hardware boundary: no Coral runtime or device exists on this machine."""
    monkeypatch.setattr(edgetpu, "_runtime_loads", lambda: True)
    monkeypatch.setattr(edgetpu, "_coral_devices", lambda: [])
    availability = EDGETPU.probe()
    assert not availability.available and "no Coral device is attached" in availability.reason
    monkeypatch.setattr(edgetpu, "_coral_devices", lambda: ["usb 18d1:9302 (2-1)"])
    assert EDGETPU.probe().available


def test_open_refuses_an_uncompiled_model(monkeypatch, tmp_path):
    """Test double at the hardware boundary: pretend a runtime and device exist."""
    monkeypatch.setattr(edgetpu, "_runtime_loads", lambda: True)
    monkeypatch.setattr(edgetpu, "_coral_devices", lambda: ["/dev/apex_0"])
    path = tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite")
    with pytest.raises(UnsupportedModel, match="not compiled for the Edge TPU"):
        EDGETPU.open(str(path), RunOptions())


@pytest.mark.skipif(shutil.which("edgetpu_compiler") is not None, reason="edgetpu_compiler is installed")
def test_compile_without_compiler_says_what_to_install(tmp_path):
    path = tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite")
    with pytest.raises(ToolMissing, match="edgetpu-compiler"):
        edgetpu.compile_with_edgetpu_compiler(path, tmp_path / "out")


# The compiler cannot run here (x86-64 Linux package, not installed). These logs follow the format
# Coral documents for `edgetpu_compiler --show_operations` (https://coral.ai/docs/edgetpu/compiler/)
# and that real compiler runs print: a per-type "Operator  Count  Status" table.
FLOAT_MIDDLE_LOG = """\
Edge TPU Compiler version 16.0.384591198
Input: m.tflite
Output: m_edgetpu.tflite

Operator                       Count      Status

CONV_2D                        2          Mapped to Edge TPU
DEPTHWISE_CONV_2D              1          Mapped to Edge TPU
ADD                            1          Mapped to Edge TPU
DEQUANTIZE                     1          Operation is working on an unsupported data type
TANH                           1          Operation is working on an unsupported data type
QUANTIZE                       1          More than one subgraph is not supported
AVERAGE_POOL_2D                1          More than one subgraph is not supported
RESHAPE                        1          More than one subgraph is not supported
FULLY_CONNECTED                1          More than one subgraph is not supported
SOFTMAX                        1          More than one subgraph is not supported
"""

FLOAT_IO_LOG = """\
Edge TPU Compiler version 15.0.340273435
Input: m.tflite
Output: m_edgetpu.tflite

Operator                       Count      Status

QUANTIZE                       1          Operation is otherwise supported, \
but not mapped due to some unspecified limitation
DEQUANTIZE                     1          Operation is working on an unsupported data type
CONV_2D                        2          Mapped to Edge TPU
DEPTHWISE_CONV_2D              1          Mapped to Edge TPU
ADD                            1          Mapped to Edge TPU
AVERAGE_POOL_2D                1          Mapped to Edge TPU
RESHAPE                        1          Mapped to Edge TPU
FULLY_CONNECTED                1          Mapped to Edge TPU
SOFTMAX                        1          Mapped to Edge TPU
"""


def test_compiler_log_gives_the_same_coverage_shape(tmp_path):
    """Parser test on a documented-format sample (the compiler cannot run here)."""
    coverage = edgetpu.parse_compiler_log(FLOAT_MIDDLE_LOG, mobilenet(tmp_path, middle="float"))
    assert coverage.source == "edgetpu_compiler 16.0.384591198 operation log"
    assert coverage.mapped_ops == 4 and coverage.first_break.index == 4
    assert coverage.summary() == (
        "4 of 11 ops would map to the Edge TPU; the graph breaks at op 4 (DEQUANTIZE): "
        "Operation is working on an unsupported data type"
    )


def test_compiler_log_with_float_io_keeps_boundary_ops_off_the_break(tmp_path):
    """Parser test on a documented-format sample (the compiler cannot run here)."""
    coverage = edgetpu.parse_compiler_log(FLOAT_IO_LOG, mobilenet(tmp_path, float_io=True))
    assert [(u.index, u.op) for u in coverage.unsupported] == [(0, "QUANTIZE"), (9, "DEQUANTIZE")]
    assert coverage.first_break is None and coverage.mapped_ops == 8


def test_compiler_log_for_another_model_is_refused(tmp_path):
    with pytest.raises(UsageError, match="lists 11 ops"):
        edgetpu.parse_compiler_log(FLOAT_MIDDLE_LOG, mobilenet(tmp_path))
    with pytest.raises(UsageError, match="no 'Operator  Count  Status' table"):
        edgetpu.parse_compiler_log("Edge TPU Compiler version 16\n", mobilenet(tmp_path))
