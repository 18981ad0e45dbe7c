"""How bench plans browser delegates and graph models, without starting a browser.

A delegate that does not run the model's format gets an `unsupported` row naming the ones that do;
`all` means the delegates that run the model's format; a GPU delegate is offered only the
precisions it has.
"""

from __future__ import annotations

import pytest

from edgekit import delegates
from edgekit.bench.run import _expand_all, bench
from edgekit.errors import ModelFormatError
from tests import tflite_builder

FAST = dict(runs=2, min_seconds=0.0, max_seconds=1.0, warmup_runs=0, warmup_seconds=0.0)


def test_a_tflite_model_on_a_tfjs_delegate_is_unsupported_and_the_others_run(tmp_path):
    model = tflite_builder.add_chain(tmp_path / "m.tflite", n_ops=1)
    result = bench(model, delegates=["cpu", "tfjs-wasm"], accuracy=False, **FAST)
    cpu, tfjs = result.runs
    assert cpu.status == "ok"
    assert tfjs.status == "unsupported" and tfjs.device == "browser"
    assert "tfjs-wasm runs TF.js graph models" in tfjs.reason and "tflite-wasm" in tfjs.reason


def test_a_graph_model_on_host_delegates_only_points_at_convert_and_the_browser(zoo_model):
    with pytest.raises(ModelFormatError) as raised:
        bench(zoo_model("movenet-lightning-tfjs"), delegates=["cpu"], accuracy=False, **FAST)
    assert "edgekit convert" in str(raised.value) and "tfjs-wasm" in str(raised.value)


def test_webgpu_is_offered_fp32_only(zoo_model):
    result = bench(zoo_model("movenet-lightning-tfjs"), delegates=["tfjs-webgpu"], gpu_precision=["fp16"],
                   accuracy=False, **FAST)
    (run,) = result.runs
    if run.status == "unavailable":
        pytest.skip(f"tfjs-webgpu cannot run here: {run.reason}")
    assert run.status == "unsupported" and run.precision == "fp16"
    assert "fp32 only" in run.reason and "--gpu-precision fp32" in run.reason


def test_all_means_the_delegates_that_run_the_models_format():
    graph = _expand_all(["all"], "tfjs-graph")
    assert graph == ["tf-ref", "tfjs-wasm", "tfjs-webgl", "tfjs-webgpu"]
    tflite = _expand_all(["all"], "tflite")
    assert "tflite-wasm" in tflite and "cpu" in tflite and not {"tf-ref", "tfjs-wasm"} & set(tflite)
    assert tflite == [n for n in delegates.names() if n in tflite]


def test_graph_models_are_judged_against_tensorflow():
    from edgekit.bench.reference import reference_delegate
    from edgekit.model.model import Model

    class Graph:
        format = "tfjs-graph"

    assert reference_delegate(Graph()) == ("tf-ref", "")  # type: ignore[arg-type]
    assert isinstance(Model, type)
