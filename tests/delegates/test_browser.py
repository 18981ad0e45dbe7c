"""Browser delegates: listed with availability and the install line when missing; static coverage."""

from __future__ import annotations

import pytest

from edgekit import delegates
from edgekit.model.model import Model
from tests import tflite_builder

BROWSER = ("tflite-wasm", "tfjs-wasm", "tfjs-webgl", "tfjs-webgpu")


def test_browser_delegates_and_tf_ref_are_registered_after_the_host_ones():
    names = delegates.names()
    assert names[:7] == ["cpu", "cpu-ref", "gpu", "edgetpu", "hexagon", "nnapi", "coreml"]
    assert [n for n in names if n in (*BROWSER, "tf-ref")] == ["tf-ref", *BROWSER]
    for name in BROWSER:
        assert delegates.get(name).device == "browser"


def test_delegates_listing_shows_each_browser_delegate(capsys):
    from edgekit.cli.main import main

    assert main(["delegates"]) == 0
    out = capsys.readouterr().out
    for name in (*BROWSER, "tf-ref"):
        line = next(line for line in out.splitlines() if line.startswith(name + " "))
        assert "runs here" in line or "not here" in line


def test_without_chromium_the_delegate_is_unavailable_with_the_apt_line(monkeypatch, tmp_path):
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-chromium"))
    availability = delegates.get("tflite-wasm").probe()
    assert not availability.available
    assert "apt-get install -y chromium" in availability.reason


def test_without_npm_an_uncached_runtime_is_unavailable_with_the_apt_line(monkeypatch, tmp_path):
    if delegates.get("tfjs-wasm").probe().reason.startswith("no Chromium"):
        pytest.skip("no Chromium here: the probe stops there")
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr("shutil.which", lambda name, *args, **kwargs: None)
    availability = delegates.get("tfjs-wasm").probe()
    assert not availability.available
    assert "@tensorflow/tfjs@4.22.0" in availability.reason
    assert "apt-get install -y npm" in availability.reason


def test_tflite_wasm_coverage_flags_custom_ops_the_web_runtime_lacks(tmp_path):
    model = Model.open(tflite_builder.custom_op_model(tmp_path / "c.tflite", "Convolution2DTransposeBias"))
    coverage = delegates.get("tflite-wasm").coverage(model)
    assert not coverage.runnable
    assert "tfjs-tflite" in coverage.summary()
    plain = Model.open(tflite_builder.add_chain(tmp_path / "a.tflite", n_ops=2))
    assert delegates.get("tflite-wasm").coverage(plain).runnable


def test_tfjs_coverage_checks_the_graph_ops_against_tfjs(zoo_model):
    model = Model.open(zoo_model("movenet-lightning-tfjs"))
    for name in ("tfjs-wasm", "tfjs-webgl", "tfjs-webgpu"):
        assert delegates.get(name).coverage(model).runnable, name


def test_each_delegate_names_the_formats_it_runs():
    assert delegates.get("tflite-wasm").formats == ("tflite",)
    assert delegates.get("tfjs-webgl").formats == ("tfjs-graph",)
    refusal = delegates.get("tfjs-wasm").format_refusal("tflite")
    assert "tflite-wasm" in refusal
    assert delegates.get("tfjs-webgpu").precisions == ("fp32",)
    assert delegates.get("tfjs-webgl").precisions == ("fp16", "fp32")
