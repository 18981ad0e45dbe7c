"""Contracts of real models, both formats, and the runtime checks made before rendering."""

from __future__ import annotations

import pytest

from edgekit.scaffold.binding import BindingError
from edgekit.scaffold.contract import load_contract
from edgekit.scaffold.runtimes import runtime_for, tfjs_graph_ops


def test_tflite_contract_uses_signature_keys_and_producers(zoo_model):
    zoo_model("pose-landmark-full")
    contract = load_contract("pose-landmark-full")
    assert contract.format == "tflite" and contract.display_name == "pose-landmark-full"
    assert [t.key for t in contract.outputs][:2] == ["Identity", "Identity_1"]
    assert contract.outputs[0].shape_signature == (1, 195) and contract.inputs[0].shape == (1, 256, 256, 3)
    assert contract.hints["keypoints"] == "33x5"  # from the zoo catalog, not guessed
    assert runtime_for("pose-web", "web", contract).name == "tfjs-tflite"
    assert runtime_for("pose-android", "android", contract).name == "litert"


def test_graph_contract_strips_tensor_suffixes(zoo_model):
    zoo_model("movenet-lightning-tfjs")
    contract = load_contract("movenet-lightning-tfjs")
    assert (
        contract.format == "tfjs-graph"
        and contract.inputs[0].key == "input"
        and contract.inputs[0].name == "input:0"
    )
    assert [p.name for p in contract.files] == ["movenet-lightning.json", "movenet-lightning.bin"]
    assert runtime_for("pose-web", "web", contract).name == "tfjs"


def test_custom_op_is_refused_on_the_web_with_an_alternative(zoo_model):
    zoo_model("selfie-segmentation")
    with pytest.raises(BindingError) as caught:
        runtime_for("bodypix-web", "web", load_contract("selfie-segmentation"))
    assert str(caught.value) == (
        "bodypix-web cannot use selfie-segmentation: the model uses custom op "
        "Convolution2DTransposeBias, which the web TFLite runtime (@tensorflow/tfjs-tflite) "
        "does not implement; use selfie-segmentation-tfjs instead"
    )


def test_graph_model_is_refused_on_android(zoo_model):
    zoo_model("selfie-segmentation-tfjs")
    with pytest.raises(BindingError, match="Android apps run .tflite models with LiteRT"):
        runtime_for("bodypix-android", "android", load_contract("selfie-segmentation-tfjs"))


def test_graph_op_unknown_to_tfjs_is_named(zoo_model, tmp_path):
    import json

    source = zoo_model("selfie-segmentation-tfjs")
    document = json.loads(source.read_text(encoding="utf-8"))
    document["modelTopology"]["node"].append({"name": "x", "op": "MadeUpOp", "input": []})
    (tmp_path / "model.json").write_text(json.dumps(document), encoding="utf-8")
    (tmp_path / "selfie.bin").write_bytes((source.parent / "selfie.bin").read_bytes())
    with pytest.raises(BindingError, match="the graph uses op MadeUpOp, which TF.js does not implement"):
        runtime_for("bodypix-web", "web", load_contract(tmp_path))
    assert {"Conv2D", "_FusedConv2D", "FusedDepthwiseConv2dNative"} <= tfjs_graph_ops()


def _graph_copy(source_json, folder, stem: str):
    """The graph model at SOURCE_JSON copied into FOLDER as STEM.json (its weight file keeps its name)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for part in source_json.parent.glob("*.bin"):
        shutil.copyfile(part, folder / part.name)
    shutil.copyfile(source_json, folder / f"{stem}.json")
    return folder / f"{stem}.json"


@pytest.mark.parametrize(("layout", "expected"), [
    ("models/movenet-thunder.json", "movenet-thunder"),  # a folder of models: the file names the model
    ("pose-model/model.json", "pose-model"),  # the conventional TF.js layout: the folder names it
])
def test_graph_model_is_named_by_its_file_not_its_folder(zoo_model, tmp_path, layout, expected):
    source = next(zoo_model("movenet-lightning-tfjs").parent.glob("*.json"))
    folder_name, file_name = layout.split("/")
    model_json = _graph_copy(source, tmp_path / folder_name, file_name.removesuffix(".json"))
    assert load_contract(model_json.parent).display_name == expected
    assert load_contract(model_json).display_name == expected


def test_a_folder_of_several_graph_models_asks_for_one(zoo_model, tmp_path):
    from edgekit.errors import ModelFormatError

    source = next(zoo_model("movenet-lightning-tfjs").parent.glob("*.json"))
    for stem in ("movenet-thunder", "movenet-lightning"):
        _graph_copy(source, tmp_path / "models", stem)
    (tmp_path / "models" / "labels.json").write_text('["person"]')  # not a model: not named
    with pytest.raises(ModelFormatError) as caught:
        load_contract(tmp_path / "models")
    assert str(caught.value) == (
        f"{tmp_path / 'models'}: not one TF.js graph model: it holds 2 (movenet-lightning.json, "
        f"movenet-thunder.json); pass the .json file of the one to use, e.g. "
        f"{tmp_path / 'models' / 'movenet-lightning.json'}")
    assert load_contract(tmp_path / "models" / "movenet-thunder.json").display_name == "movenet-thunder"
