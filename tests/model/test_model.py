"""Tests for edgekit.model.model (with edgekit.model.formats.tflite and edgekit.model.macs)
and the inspect text report.

Real MediaPipe models are checked against what the LiteRT interpreter reports for the same file;
tiny models from ``tests.tflite_builder`` pin exact shapes, quantization and MAC counts; every
validation failure is produced from a real file damaged in a known way.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter, OpResolverType

from edgekit.errors import ModelFormatError, ModelNotFound, UsageError
from edgekit.model.model import Model, Quantization, TensorInfo
from edgekit.report.inspect_text import format_inspection, format_macs, format_quantization, format_shape
from tests import tflite_builder as tb

_ZOO_NAMES = {
    "pose_landmark_full.tflite": "pose-landmark-full",
    "pose_landmark_lite.tflite": "pose-landmark-lite",
    "selfie_segmentation.tflite": "selfie-segmentation",
}


@pytest.fixture(scope="session")
def real_model(zoo_model: Callable[[str], Path]) -> Callable[[str], Path]:
    """``real_model("pose_landmark_full.tflite")`` -> path of that real model from the zoo."""
    return lambda file_name: zoo_model(_ZOO_NAMES[file_name])


@pytest.fixture(scope="module")
def pose_full(real_model: Callable[[str], Path]) -> Model:
    return Model.open(real_model("pose_landmark_full.tflite"))


@pytest.fixture(scope="module")
def selfie(real_model: Callable[[str], Path]) -> Model:
    return Model.open(real_model("selfie_segmentation.tflite"))


def _interpreter(path: Path, resolver: OpResolverType = OpResolverType.AUTO) -> Interpreter:
    return Interpreter(model_path=str(path), experimental_op_resolver_type=resolver)


def _open_bad(path: Path) -> ModelFormatError:
    with pytest.raises(ModelFormatError) as caught:
        Model.open(path)
    assert caught.value.path == str(path)
    return caught.value


# --- real models ---------------------------------------------------------------------------------


def test_pose_landmark_full_inputs_and_outputs(pose_full: Model) -> None:
    assert [(t.name, t.shape, t.dtype, t.quantization) for t in pose_full.inputs] == [
        ("input_1", (1, 256, 256, 3), "float32", None)
    ]
    # Observed with ai-edge-litert 2.3.0's interpreter: five float32 outputs in this order.
    assert [(t.index, t.name, t.shape, t.dtype) for t in pose_full.outputs] == [
        (337, "Identity", (1, 195), "float32"),  # 39 landmarks x (x, y, z, visibility, presence)
        (342, "Identity_1", (1, 1), "float32"),  # pose presence
        (297, "Identity_2", (1, 256, 256, 1), "float32"),  # segmentation mask
        (298, "Identity_3", (1, 64, 64, 39), "float32"),  # heatmap
        (339, "Identity_4", (1, 117), "float32"),  # 39 world landmarks x xyz
    ]
    assert not any(t.is_dynamic for t in pose_full.inputs + pose_full.outputs)


def test_pose_landmark_full_summary(pose_full: Model) -> None:
    assert pose_full.version == 3
    assert pose_full.description == "MLIR Converted."
    assert pose_full.subgraph_count == 1
    assert pose_full.subgraphs[0].name == "main"
    assert pose_full.signatures == ()
    assert pose_full.custom_ops == ()
    assert pose_full.metadata_names == ("min_runtime_version", "reduced_precision_support")
    assert pose_full.min_runtime_version == "2.2.0"
    assert pose_full.metadata_bytes("reduced_precision_support") == b"fp16accfp32"
    assert pose_full.associated_files == ()
    assert len(pose_full.ops) == 332
    top3 = list(pose_full.op_histogram.items())[:3]
    assert top3 == [("DEQUANTIZE", 192), ("CONV_2D", 58), ("DEPTHWISE_CONV_2D", 38)]
    assert pose_full.sha256 == hashlib.sha256(pose_full.path.read_bytes()).hexdigest()
    assert pose_full.size_bytes == pose_full.path.stat().st_size


@pytest.mark.parametrize("file_name", ["pose_landmark_full.tflite", "selfie_segmentation.tflite"])
def test_tensors_and_ops_match_the_interpreter(real_model: Callable[[str], Path], file_name: str) -> None:
    path = real_model(file_name)
    model = Model.open(path)
    interpreter = _interpreter(path)
    details = sorted(interpreter.get_tensor_details(), key=lambda d: d["index"])
    tensors = model.tensors()
    assert len(details) == len(tensors)
    for detail, tensor in zip(details, tensors, strict=True):
        assert (tensor.index, tensor.name) == (detail["index"], detail["name"])
        assert tensor.shape == tuple(detail["shape"].tolist())
        assert tensor.shape_signature == tuple(detail["shape_signature"].tolist())
        assert tensor.dtype == np.dtype(detail["dtype"]).name
        scales = detail["quantization_parameters"]["scales"]
        assert (tensor.quantization.scale if tensor.quantization else ()) == tuple(scales.tolist())
    ops = interpreter._get_ops_details()  # LiteRT's own node list: an independent reading of the file
    assert [(op.name, op.inputs, op.outputs) for op in model.ops] == [
        (d["op_name"], tuple(d["inputs"].tolist()), tuple(d["outputs"].tolist())) for d in ops
    ]
    runtime_outputs = [(d["name"], d["index"]) for d in interpreter.get_output_details()]
    assert [(t.name, t.index) for t in model.outputs] == runtime_outputs


def test_pose_landmark_full_macs_equal_a_hand_sum_over_its_convolutions(pose_full: Model) -> None:
    tensors = pose_full.tensors()
    expected = {"CONV_2D": 0, "DEPTHWISE_CONV_2D": 0}
    for op in pose_full.ops:
        if op.name not in expected:
            continue
        out, filt = tensors[op.outputs[0]].shape, tensors[op.inputs[1]].shape
        if op.name == "CONV_2D":  # out N*H*W*Cout x kh*kw*Cin, filter [Cout, kh, kw, Cin]
            expected["CONV_2D"] += math.prod(out) * filt[1] * filt[2] * filt[3]
        else:  # DEPTHWISE_CONV_2D: out N*H*W*Cout x kh*kw, filter [1, kh, kw, Cout]
            expected["DEPTHWISE_CONV_2D"] += math.prod(out) * filt[1] * filt[2]
    assert pose_full.macs.by_op == expected
    assert pose_full.macs.total == sum(expected.values()) == 386_148_736
    assert pose_full.macs.skipped == 0


def test_selfie_segmentation_flags_its_custom_op(selfie: Model) -> None:
    assert selfie.custom_ops == ("Convolution2DTransposeBias",)
    custom = [op for op in selfie.ops if op.custom]
    assert [(op.index, op.name) for op in custom] == [(244, "Convolution2DTransposeBias")]
    assert selfie.op_histogram["Convolution2DTransposeBias"] == 1
    assert [(t.name, t.shape) for t in selfie.outputs] == [("activation_10", (1, 256, 256, 1))]
    # MediaPipe's transposed conv: input [1, 128, 128, 16], weights [1, 2, 2, 16] (OHWI) -> 1x256x256x1.
    assert selfie.macs.by_op["Convolution2DTransposeBias"] == 1 * 128 * 128 * 16 * 2 * 2 * 1
    assert "Convolution2DTransposeBias (custom)" in format_inspection(selfie)


def test_real_model_to_dict_is_json_and_labels_macs_as_estimate(pose_full: Model) -> None:
    document = json.loads(json.dumps(pose_full.to_dict()))
    assert document["schema_version"] == 3
    assert document["sha256"] == pose_full.sha256
    assert [o["name"] for o in document["outputs"]] == ["Identity"] + [f"Identity_{i}" for i in range(1, 5)]
    assert document["inputs"][0]["shape"] == [1, 256, 256, 3]
    assert document["macs_estimate"]["total"] == pose_full.macs.total
    assert "estimate" in document["macs_estimate"]["note"]
    assert document["metadata_names"] == ["min_runtime_version", "reduced_precision_support"]


def test_inspection_report_of_a_real_model(pose_full: Model) -> None:
    text = format_inspection(pose_full)
    assert "\x1b" not in text
    assert pose_full.sha256[:16] in text
    assert "Identity_3  1x64x64x39   float32  -" in text
    assert "~386.15 M MACs (estimate)" in text
    assert "min_runtime_version, reduced_precision_support" in text


# --- builder models: contract, and that they really run ------------------------------------------


@pytest.mark.parametrize("resolver", [OpResolverType.AUTO, OpResolverType.BUILTIN_REF])
@pytest.mark.parametrize("dtype", ["float32", "int32", "int64", "int8", "uint8", "int16"])
def test_add_chain_runs_and_parses(tmp_path: Path, dtype: str, resolver: OpResolverType) -> None:
    path = tb.add_chain(tmp_path / "chain.tflite", n_ops=2, shape=(1, 8), dtype=dtype)
    model = Model.open(path)
    assert [(t.name, t.shape, t.dtype) for t in model.inputs] == [("input", (1, 8), dtype)]
    assert [(t.name, t.shape, t.dtype) for t in model.outputs] == [("output", (1, 8), dtype)]
    assert model.op_histogram == {"ADD": 2}
    assert [op.inputs for op in model.ops] == [(0, 0), (1, 1)]
    interpreter = _interpreter(path, resolver)
    interpreter.allocate_tensors()
    x = np.arange(8, dtype=dtype).reshape(1, 8)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    np.testing.assert_array_equal(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]), x * 4)


def test_add_chain_defaults_and_dynamic_batch(tmp_path: Path) -> None:
    model = Model.open(tb.add_chain(tmp_path / "a.tflite"))
    assert len(model.ops) == 3 and model.inputs[0].dtype == "float32" and not model.inputs[0].is_dynamic
    dynamic = Model.open(tb.add_chain(tmp_path / "d.tflite", shape_signature=(-1, 8)))
    (x,) = dynamic.inputs
    assert (x.shape, x.shape_signature, x.is_dynamic) == ((1, 8), (-1, 8), True)
    assert format_shape(x) == "?x8"
    assert "\n  input  ?x8    float32  -\n" in format_inspection(dynamic)


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_quantized_model(tmp_path: Path, dtype: str) -> None:
    path = tb.quantized_model(tmp_path / "q.tflite", dtype)
    model = Model.open(path)
    in_scale, in_zp = tb.QUANTIZED_PARAMS[dtype]["input"]
    out_scale, out_zp = tb.QUANTIZED_PARAMS[dtype]["output"]
    (x,), (y,) = model.inputs, model.outputs
    assert (x.dtype, x.quantization) == (dtype, Quantization((in_scale,), (in_zp,), None))
    assert (y.dtype, y.quantization) == (dtype, Quantization((out_scale,), (out_zp,), None))
    assert not x.quantization.per_axis
    assert model.tensors()[1].quantization is None  # the float 'dequantized' tensor
    assert format_quantization(x.quantization) == f"scale=0.5 zp={in_zp}"
    interpreter = _interpreter(path)
    interpreter.allocate_tensors()
    q_in = np.array([[in_zp + k for k in range(8)]], dtype=dtype)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], q_in)
    interpreter.invoke()
    real = in_scale * (q_in.astype(np.float64) - in_zp)
    expected = np.round(real / out_scale) + out_zp
    output = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_array_equal(output, expected)


def test_per_axis_quantization_and_constants(tmp_path: Path) -> None:
    mb = tb.ModelBuilder()
    g = mb.subgraph()
    x = g.tensor("input", (1, 4))
    w = g.tensor(
        "weights", (3, 4), "int8", data=np.ones((3, 4), np.int8), scale=[0.1, 0.2, 0.3], zero_point=[0, 0, 0]
    )
    y = g.tensor("output", (1, 4))
    g.op("ADD", [x, x], [y])
    g.io([x], [y])
    model = Model.open(mb.save(tmp_path / "pa.tflite"))
    weights = model.tensors()[w]
    assert weights.quantization is not None and weights.quantization.per_axis
    assert weights.quantization.axis == 0
    assert weights.quantization.scale == pytest.approx((0.1, 0.2, 0.3))
    assert format_quantization(weights.quantization) == "per-axis(3) axis=0"
    assert weights.is_constant and not model.tensors()[x].is_constant


def test_multi_input_model(tmp_path: Path) -> None:
    path = tb.multi_input_model(tmp_path / "multi.tflite")
    model = Model.open(path)
    assert [(t.name, t.shape, t.dtype) for t in model.inputs] == [
        ("a", (1, 4), "float32"),
        ("b", (2, 4), "float32"),
        ("ids", (1, 8), "int32"),
    ]
    assert [(t.name, t.shape, t.dtype) for t in model.outputs] == [
        ("sum", (2, 4), "float32"),
        ("ids_float", (1, 8), "float32"),
    ]
    assert model.op_histogram == {"ADD": 1, "CAST": 1}
    runner = _interpreter(path)
    runner.allocate_tensors()
    values = (np.ones((1, 4)), np.full((2, 4), 2.0), np.arange(8).reshape(1, 8))
    for detail, value in zip(runner.get_input_details(), values, strict=True):
        runner.set_tensor(detail["index"], value.astype(detail["dtype"]))
    runner.invoke()
    out = {d["name"]: runner.get_tensor(d["index"]) for d in runner.get_output_details()}
    np.testing.assert_array_equal(out["sum"], np.full((2, 4), 3.0))
    np.testing.assert_array_equal(out["ids_float"], np.arange(8, dtype=np.float32).reshape(1, 8))


def test_signature_model_has_two_subgraphs(tmp_path: Path) -> None:
    path = tb.signature_model(tmp_path / "sig.tflite")
    model = Model.open(path)
    assert model.subgraph_count == 2
    summary = [(g.name, g.op_count, g.tensor_count) for g in model.subgraphs]
    assert summary == [("double", 1, 2), ("square", 1, 2)]
    assert [(s.key, s.subgraph, list(s.inputs), list(s.outputs)) for s in model.signatures] == [
        ("double", 0, ["x"], ["y"]),
        ("square", 1, ["x"], ["y"]),
    ]
    assert model.signatures[1].inputs["x"].name == "square_in"
    assert [t.name for t in model.tensors(1)] == ["square_in", "square_out"]
    assert [(op.subgraph, op.index, op.name) for op in model.ops] == [(0, 0, "ADD"), (1, 0, "MUL")]
    assert [t.name for t in model.inputs] == ["double_in"]  # inputs are subgraph 0's
    assert set(_interpreter(path).get_signature_list()) == {"double", "square"}
    with pytest.raises(UsageError, match="out of range"):
        model.tensors(2)
    text = format_inspection(model)
    assert "square (subgraph 1)  in   x     square_in" in text and "Inputs (subgraph 0)" in text


def test_metadata_and_associated_files(tmp_path: Path) -> None:
    path = tb.metadata_model(tmp_path / "meta.tflite")
    model = Model.open(path)
    assert model.metadata_names == ("min_runtime_version",)
    assert model.min_runtime_version == "1.5.0"
    assert model.metadata_bytes("missing") is None
    assert model.associated_files == ("labels.txt", "vocab.txt")
    assert model.to_dict()["associated_files"] == ["labels.txt", "vocab.txt"]
    assert "associated files: labels.txt, vocab.txt" in format_inspection(model)
    _interpreter(path).allocate_tensors()  # the appended zip does not disturb the runtime


def test_custom_op_model(tmp_path: Path) -> None:
    path = tb.custom_op_model(tmp_path / "custom.tflite", op_name="EdgekitMissingOp")
    model = Model.open(path)
    assert model.custom_ops == ("EdgekitMissingOp",)
    assert [(op.name, op.custom) for op in model.ops] == [("EdgekitMissingOp", True)]
    interpreter = _interpreter(path)  # building works; preparing the node does not
    with pytest.raises(RuntimeError, match="Encountered unresolved custom op: EdgekitMissingOp"):
        interpreter.allocate_tensors()


def test_op_names_follow_the_schema_rule_for_the_two_code_fields(tmp_path: Path) -> None:
    mb = tb.ModelBuilder()
    g = mb.subgraph()
    x = g.tensor("input", (1, 4))
    y = g.tensor("gelu", (1, 4))
    z = g.tensor("output", (1, 4))
    g.op("GELU", [x], [y])  # code 150: builtin_code 150, deprecated_builtin_code 127 (placeholder)
    g.op("RELU", [y], [z])
    g.io([x], [z])
    mb._opcodes[1].builtinCode = 0  # an old file: only deprecated_builtin_code (RELU = 19) is set
    model = Model.open(mb.save(tmp_path / "codes.tflite"))
    assert [(op.name, op.custom) for op in model.ops] == [("GELU", False), ("RELU", False)]


def test_tensor_to_dict() -> None:
    tensor = TensorInfo(3, "x", (1, 4), (-1, 4), "int8", Quantization((0.5,), (2,)))
    assert tensor.to_dict() == {
        "index": 3,
        "name": "x",
        "shape": [1, 4],
        "shape_signature": [-1, 4],
        "dtype": "int8",
        "quantization": {"scale": [0.5], "zero_point": [2], "axis": None},
        "is_dynamic": True,
        "key": "x",
    }


# --- MAC estimates against hand-computed numbers -------------------------------------------------


@pytest.mark.parametrize(
    ("build", "op_name", "expected"),
    [
        # CONV_2D SAME 3x3, 8x8x3 -> 8x8x4: N*H*W*Cout * kh*kw*Cin = 1*8*8*4 * 3*3*3
        (lambda p: tb.conv_model(p), "CONV_2D", 256 * 27),
        # CONV_2D VALID 3x3 stride 2, 9x7x2 -> 4x3x4: 1*4*3*4 * 3*3*2
        (
            lambda p: tb.conv_model(p, input_shape=(1, 9, 7, 2), stride=2, padding="valid"),
            "CONV_2D",
            48 * 18,
        ),
        # DEPTHWISE 3x3, 8x8x3, multiplier 2 -> 8x8x6: N*H*W*Cout * kh*kw = 384 * 9
        (lambda p: tb.depthwise_model(p), "DEPTHWISE_CONV_2D", 384 * 9),
        # FULLY_CONNECTED batch 2, 16 -> 10: prod(out) * depth = 20 * 16
        (lambda p: tb.fully_connected_model(p), "FULLY_CONNECTED", 320),
        (lambda p: tb.fully_connected_model(p, with_bias=False), "FULLY_CONNECTED", 320),
        # BATCH_MATMUL (2,3,5) x (2,5,4): prod(out) * K = 24 * 5
        (lambda p: tb.batch_matmul_model(p), "BATCH_MATMUL", 120),
        # adj_x: x is (2,5,3), K is x's second-to-last dim (5), not its last (3)
        (lambda p: tb.batch_matmul_model(p, adj_x=True), "BATCH_MATMUL", 120),
        # TRANSPOSE_CONV 4x4x3 -> 8x8x2, 3x3: N*Hin*Win*Cin * kh*kw * Cout = 48 * 9 * 2
        (lambda p: tb.transpose_conv_model(p), "TRANSPOSE_CONV", 864),
    ],
)
def test_mac_estimate(tmp_path: Path, build: Callable[[Path], Path], op_name: str, expected: int) -> None:
    path = build(tmp_path / "m.tflite")
    model = Model.open(path)
    assert model.macs.by_op == {op_name: expected}
    assert model.macs.total == expected
    assert model.macs.skipped == 0
    _interpreter(path, OpResolverType.BUILTIN_REF).allocate_tensors()  # the builder's model is valid


def test_optional_input_is_minus_one(tmp_path: Path) -> None:
    model = Model.open(tb.fully_connected_model(tmp_path / "fc.tflite", with_bias=False))
    assert model.ops[0].inputs[2] == -1


def test_mac_estimate_skips_ops_with_unknown_shapes(tmp_path: Path) -> None:
    mb = tb.ModelBuilder()
    g = mb.subgraph()
    x = g.tensor("input", (2, 16))
    w = g.tensor("weights", (10, 16), data=np.zeros((10, 16), np.float32))
    y = g.tensor("output", ())  # shape unknown
    g.op("FULLY_CONNECTED", [x, w, -1], [y])
    g.io([x], [y])
    macs = Model.open(mb.save(tmp_path / "unknown.tflite")).macs
    assert (macs.total, macs.by_op, macs.skipped) == (0, {}, 1)


def test_format_macs() -> None:
    assert format_macs(1_234_000_000) == "~1.23 G MACs (estimate)"
    assert format_macs(6912) == "~6.91 K MACs (estimate)"
    assert format_macs(12) == "~12 MACs (estimate)"


# --- validation ----------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="nope.tflite"):
        Model.open(tmp_path / "nope.tflite")


def test_directory(tmp_path: Path) -> None:
    assert _open_bad(tmp_path).reason == "is a directory; pass the .tflite file inside it"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.tflite"
    path.write_bytes(b"")
    assert "empty" in _open_bad(path).reason


def test_too_short(tmp_path: Path) -> None:
    path = tmp_path / "short.tflite"
    path.write_bytes(b"\x10\0\0\0TF")
    assert "too short" in _open_bad(path).reason


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "random.tflite"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    assert "not a TFLite flatbuffer" in _open_bad(path).reason


def test_renamed_text_file(tmp_path: Path) -> None:
    path = tmp_path / "model.tflite"
    path.write_text("# My model\n\nSee the README for how to train it.\n")
    reason = _open_bad(path).reason
    assert reason.startswith("not a TFLite flatbuffer (file identifier is b' mod', expected b'TFL3')")
    assert "text file" in reason


def test_zipped_model(tmp_path: Path) -> None:
    model = tb.add_chain(tmp_path / "a.tflite")
    path = tmp_path / "model.tflite"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(model, "a.tflite")
    assert "zip archive" in _open_bad(path).reason


def test_flipped_identifier(tmp_path: Path) -> None:
    data = bytearray(tb.add_chain(tmp_path / "a.tflite").read_bytes())
    data[4:8] = b"TFL2"
    path = tmp_path / "flipped.tflite"
    path.write_bytes(data)
    assert _open_bad(path).reason == "not a TFLite flatbuffer (file identifier is b'TFL2', expected b'TFL3')"


def test_real_model_truncated_at_half(real_model: Callable[[str], Path], tmp_path: Path) -> None:
    data = real_model("pose_landmark_full.tflite").read_bytes()
    path = tmp_path / "half.tflite"
    path.write_bytes(data[: len(data) // 2])
    reason = _open_bad(path).reason
    assert reason.startswith("truncated or corrupted: the flatbuffer refers to byte ")
    assert f"but the file has {len(data) // 2} bytes" in reason


@pytest.mark.parametrize("build", [tb.conv_model, tb.signature_model, tb.metadata_model])
def test_builder_model_truncated_at_half(tmp_path: Path, build: Callable[[Path], Path]) -> None:
    data = build(tmp_path / "m.tflite").read_bytes()
    path = tmp_path / "half.tflite"
    path.write_bytes(data[: len(data) // 2])
    assert _open_bad(path).reason.startswith("truncated")


def _conv_model_weights_vector(data: bytes) -> tuple[int, int]:
    """(start, length) of buffer 1's data vector in a conv_model file: the weights."""
    tab = schema.Model.GetRootAs(data, 0).Buffers(1)._tab
    slot = tab.Offset(4)
    return tab.Vector(slot), tab.VectorLen(slot)


def test_weights_running_past_the_end(tmp_path: Path) -> None:
    data = bytearray(tb.conv_model(tmp_path / "c.tflite").read_bytes())
    start, _ = _conv_model_weights_vector(bytes(data))
    data[start - 4 : start] = (len(data)).to_bytes(4, "little")  # the weights now claim the whole file
    path = tmp_path / "long.tflite"
    path.write_bytes(data)
    reason = _open_bad(path).reason
    size = len(data)
    assert reason == f"truncated: buffer 1 ends at byte {start + size} but the file has {size} bytes"


def test_external_buffer_past_the_end(tmp_path: Path) -> None:
    mb = tb.ModelBuilder()
    g = mb.subgraph()
    x = g.tensor("input", (1, 4))
    y = g.tensor("output", (1, 4))
    g.op("ADD", [x, x], [y])
    g.io([x], [y])
    external = schema.BufferT()
    external.offset, external.size = 1_000_000, 64  # weights stored after the flatbuffer (> 2 GB models)
    mb._buffers.append(external)
    data = mb.to_bytes()
    path = tmp_path / "external.tflite"
    path.write_bytes(data)
    reason = _open_bad(path).reason
    assert reason == f"truncated: buffer 1 ends at byte 1000064 but the file has {len(data)} bytes"


def test_no_subgraphs(tmp_path: Path) -> None:
    path = tmp_path / "none.tflite"
    path.write_bytes(tb.ModelBuilder().to_bytes())
    assert _open_bad(path).reason == "the model has no subgraphs, so there is nothing to run"


def _tensors_vector(data: bytes) -> tuple[int, int]:
    """(start, length) of subgraph 0's tensor-offset vector."""
    tab = schema.Model.GetRootAs(data, 0).Subgraphs(0)._tab
    slot = tab.Offset(4)
    return tab.Vector(slot), tab.VectorLen(slot)


def test_table_region_overwritten(real_model: Callable[[str], Path], tmp_path: Path) -> None:
    data = bytearray(real_model("selfie_segmentation.tflite").read_bytes())
    start, length = _tensors_vector(bytes(data))
    middle = start + 4 * (length // 2)
    data[middle : middle + 64] = b"\xff" * 64  # 16 tensor offsets in the middle of the table
    path = tmp_path / "garbled.tflite"
    path.write_bytes(data)
    assert "corrupted" in _open_bad(path).reason


def test_corrupted_vector_length(tmp_path: Path) -> None:
    data = bytearray(tb.conv_model(tmp_path / "c.tflite").read_bytes())
    start, _ = _tensors_vector(bytes(data))
    data[start - 4 : start] = (0x7FFFFFFF).to_bytes(4, "little")
    path = tmp_path / "long.tflite"
    path.write_bytes(data)
    assert "subgraph 0's tensors claims 2147483647 entries" in _open_bad(path).reason


def test_operator_refers_to_missing_tensor(tmp_path: Path) -> None:
    path = tb.conv_model(tmp_path / "c.tflite")
    data = bytearray(path.read_bytes())
    tab = schema.Model.GetRootAs(bytes(data), 0).Subgraphs(0).Operators(0)._tab
    slot = tab.Offset(6)  # Operator.inputs
    first_input = tab.Vector(slot)
    data[first_input : first_input + 4] = (9999).to_bytes(4, "little")
    path.write_bytes(data)
    reason = _open_bad(path).reason
    assert reason == "corrupted: operator 0 (CONV_2D) of subgraph 0 refers to tensor 9999 but there are 4"


@pytest.mark.slow
def test_every_single_byte_corruption_fails_cleanly(tmp_path: Path) -> None:
    """Overwrite each byte of small models: open() either works or raises ModelFormatError."""
    for build in (tb.signature_model, tb.quantized_model, tb.metadata_model, tb.batch_matmul_model):
        original = build(tmp_path / "m.tflite").read_bytes()
        for i in range(len(original)):
            for value in (0x00, 0xFF, original[i] ^ 0x01):
                data = bytearray(original)
                data[i] = value
                try:
                    model = Model.from_bytes(bytes(data), f"byte {i}")
                except ModelFormatError:
                    continue
                format_inspection(model)  # a model that opens must also report without error
                json.dumps(model.to_dict())


def test_model_module_stays_light(tmp_path: Path) -> None:
    """Opening a model imports neither TensorFlow nor the LiteRT interpreter."""
    code = (
        "import sys; from edgekit.model.model import Model; Model.open(sys.argv[1]); "
        "print([m for m in sys.modules if m.startswith('tensorflow') or m == 'ai_edge_litert.interpreter'])"
    )
    path = tb.add_chain(tmp_path / "a.tflite")
    repo_root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], cwd=repo_root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
