"""The TF.js converter in its own environment (the tfjs variant); TF.js graph models as sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgekit.convert import tfjs_tools
from edgekit.convert.matrix import convert
from edgekit.errors import ModelFormatError, ToolMissing

FAST = dict(runs=3, min_seconds=0.0, max_seconds=2.0)


@pytest.fixture(scope="session")
def tfjs_environment(zoo_cache) -> Path:
    """Installed once per test cache (pinned set, about a minute); reused by later runs."""
    return tfjs_tools.install()


def test_pins_keep_the_tensorflow_family_together():
    pins = dict(pin.split("==") for pin in tfjs_tools.pins())
    assert pins["tensorflow"] == "2.19.0" and pins["tensorflow-decision-forests"] == "1.12.0"
    assert pins["ydf"] == "0.11.0"  # newer ydf needs protobuf >= 6, which tensorflow 2.19 refuses


def test_missing_converter_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissing, match="edgekit tools install tfjs"):
        tfjs_tools.converter("tensorflowjs_converter", "for the tfjs variant")


def test_an_environment_holding_every_pin_serves_even_with_more(monkeypatch, tmp_path):
    # The test cache's environment was installed when tfjs-graph-converter was still pinned.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "tensorflowjs_converter").write_text("")
    monkeypatch.setenv("EDGEKIT_TFJS_TOOLS_DIR", str(venv))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    (venv / "edgekit-pins.json").write_text(json.dumps([*tfjs_tools.pins(), "tfjs-graph-converter==1.6.3"]))
    assert tfjs_tools.environment_dir() == venv
    assert tfjs_tools.converter("tensorflowjs_converter", "for the tfjs variant") == str(
        venv / "bin" / "tensorflowjs_converter")
    assert tfjs_tools.install() == venv  # nothing to do
    (venv / "edgekit-pins.json").write_text(json.dumps(tfjs_tools.pins()[:-1]))
    with pytest.raises(ToolMissing, match="edgekit tools install tfjs"):
        tfjs_tools.converter("tensorflowjs_converter", "for the tfjs variant")


def test_reading_graph_models_needs_no_converter_pinned():
    assert not [pin for pin in tfjs_tools.pins() if pin.startswith("tfjs-graph-converter")]


def test_json_that_is_not_a_graph_model_is_refused(tmp_path):
    from edgekit.sources.tf_source import open_source

    (tmp_path / "layers.json").write_text(
        json.dumps({"format": "layers-model", "modelTopology": {}, "weightsManifest": []})
    )
    with pytest.raises(ModelFormatError, match="only graph models convert"):
        open_source(tmp_path / "layers.json")


@pytest.mark.slow
def test_tfjs_variant_and_back_to_tflite(tfjs_environment, tmp_path):
    from tests import tf_models

    keras_file = tmp_path / "cnn.keras"
    tf_models.keras_cnn(0).save(keras_file)
    first = convert(keras_file, out=tmp_path / "out", variants=["fp32", "tfjs"], **FAST)
    tfjs = first.variants[1]
    assert tfjs.status == "ok", tfjs.reason
    model_json = Path(tfjs.path)
    assert json.loads(model_json.read_text())["format"] == "graph-model"
    # The TF.js graph model is itself a source: back to .tflite, judged against its own TF execution.
    second = convert(model_json, out=tmp_path / "back", variants=["fp32", "dynamic-int8"], **FAST)
    assert second.source["kind"] == "tfjs"
    for variant in second.variants:
        assert variant.status == "ok" and variant.verdict in ("pass", "warn"), variant.reason
