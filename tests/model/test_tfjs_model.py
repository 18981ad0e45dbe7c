"""TF.js graph model contracts from model.json: real zoo graph models and broken files."""

from __future__ import annotations

import json

import pytest

from edgekit.errors import ModelFormatError
from edgekit.model.formats.tfjs_graph import is_graph_model
from edgekit.model.model import Model


def test_movenet_signature_ops_and_producer(zoo_model):
    graph = Model.open(zoo_model("movenet-lightning-tfjs"))
    (image,), (points,) = graph.inputs, graph.outputs
    assert graph.format == "tfjs-graph"
    assert (image.name, image.key, image.shape, image.dtype) == (
        "input:0",
        "input",
        (1, 192, 192, 3),
        "int32",
    )
    assert (points.name, points.shape, points.dtype) == ("Identity:0", (1, 1, 17, 3), "float32")
    assert "FusedDepthwiseConv2dNative" in graph.op_histogram
    assert [p.name for p in graph.files[1:]] == ["movenet-lightning.bin"]
    assert points.producer == "ConcatV2"  # looks through the Identity node
    assert graph.to_dict()["op_histogram"]["Const"] > 100
    assert graph.signatures[0].inputs["input"] == image


def test_selfie_output_is_made_by_a_sigmoid(zoo_model):
    graph = Model.open(zoo_model("selfie-segmentation-tfjs").parent)  # the folder works too
    assert graph.outputs[0].producer == "Sigmoid"


def test_missing_weight_file_is_named(tmp_path, zoo_model):
    source = zoo_model("selfie-segmentation-tfjs")
    (tmp_path / "model.json").write_bytes(source.read_bytes())
    with pytest.raises(ModelFormatError, match="weight file selfie.bin named in model.json is missing"):
        Model.open(tmp_path / "model.json")


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not readable JSON"),
    (json.dumps({"format": "layers-model", "modelTopology": {}}), "format is 'layers-model'"),
    (json.dumps({"format": "graph-model", "modelTopology": {"node": []}}), "no signature"),
])
def test_broken_model_json_is_refused(tmp_path, text, reason):
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelFormatError, match=reason):
        Model.open(path)
    assert is_graph_model(tmp_path) and is_graph_model(path)
