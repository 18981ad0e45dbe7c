"""bench on real models and real runtimes: statuses, inputs, outputs, settings."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.bench.events import RecordingListener
from edgekit.bench.run import bench
from edgekit.errors import InputsError, UnknownDelegate, UnsupportedModel, UsageError
from tests import tflite_builder

FAST = dict(runs=5, min_seconds=0.0, max_seconds=2.0, warmup_runs=1, warmup_seconds=0.0)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench-models")
    return {
        "chain": tflite_builder.add_chain(root / "chain.tflite", n_ops=2),
        "custom": tflite_builder.custom_op_model(root / "custom.tflite"),
        "int8": tflite_builder.quantized_model(root / "int8.tflite", dtype="int8"),
        "multi": tflite_builder.multi_input_model(root / "multi.tflite"),
    }


def test_every_run_gets_the_same_inputs_and_keeps_its_outputs(models):
    listener = RecordingListener()
    result = bench(
        models["chain"], delegates=["cpu", "cpu-ref"], threads=[1, 2], listeners=[listener], **FAST
    )
    assert [run.status for run in result.runs] == ["ok"] * 4
    (x,) = result.inputs.values()
    for run in result.runs:
        (y,) = run.outputs.values()
        np.testing.assert_allclose(y, x * 4, rtol=1e-6)  # two ADD(x, x)
        assert run.latency.count >= 5 and run.init_ms > 0 and run.first_ms > 0
        assert run.memory["peak_rss_after_run_bytes"] >= run.memory["peak_rss_after_load_bytes"] > 0
    assert len(listener.of_kind("run_end")) == 4
    assert any(event["event"] == "phase" for _, event in listener.of_kind("run_event"))


def test_seed_makes_inputs_reproducible_and_distinct(models):
    a = bench(models["multi"], seed=3, **FAST).inputs
    b = bench(models["multi"], seed=3, **FAST).inputs
    c = bench(models["multi"], seed=4, **FAST).inputs
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert any(not np.array_equal(a[name], c[name]) for name in a)


def test_quantized_model_runs_with_quantization_aware_inputs(models):
    result = bench(models["int8"], delegates=["cpu", "cpu-ref"], **FAST)
    assert [run.status for run in result.runs] == ["ok", "ok"]
    np.testing.assert_array_equal(*[next(iter(run.outputs.values())) for run in result.runs])


def test_user_inputs_from_npz_reach_the_model(models, tmp_path):
    data = {"input": np.full((1, 8), 0.25, dtype=np.float32)}
    np.savez(tmp_path / "in.npz", **data)
    result = bench(models["chain"], inputs=tmp_path / "in.npz", **FAST)
    np.testing.assert_allclose(next(iter(result.runs[0].outputs.values())), np.full((1, 8), 1.0))


def test_model_with_a_custom_op_nobody_implements_is_refused(models):
    with pytest.raises(UnsupportedModel, match="EdgekitMissingOp"):
        bench(models["custom"], delegates=["cpu", "cpu-ref"], **FAST)


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        (dict(delegates=["cpu", "gpu-typo"]), UnknownDelegate, "choose from: cpu, cpu-ref"),
        (dict(threads=[0]), UsageError, "not a thread count"),
        (dict(threads=[1, -2]), UsageError, "not a thread count"),
        (dict(runs=0), UsageError, "at least 1 run"),
        (dict(max_seconds=0.5, min_seconds=1.0), UsageError, "^max_seconds: .*at least `min_seconds`"),
        (dict(timeout=0), UsageError, "^timeout: "),
        (dict(inputs={"wrong": np.zeros((1, 8), np.float32)}), InputsError, "missing 'input'"),
        (
            dict(inputs={"input": np.zeros((1, 9), np.float32)}),
            InputsError,
            "shape 1x9, the model expects 1x8",
        ),
        (dict(inputs={"input": np.zeros((1, 8), np.complex64)}), InputsError, "do not convert exactly"),
    ],
)
def test_bad_options_are_refused_before_anything_runs(models, kwargs, error, text):
    options = {**FAST, **kwargs}
    with pytest.raises(error, match=text):
        bench(models["chain"], **options)


@pytest.mark.slow
def test_pose_landmark_full_runs_on_both_cpu_delegates_with_close_outputs(zoo_model):
    result = bench(zoo_model("pose-landmark-full"), delegates=["cpu", "cpu-ref"], threads=[1, 2], **FAST)
    assert [(run.delegate, run.threads, run.status) for run in result.runs] == [
        ("cpu", 1, "ok"), ("cpu", 2, "ok"), ("cpu-ref", 1, "ok"), ("cpu-ref", 2, "ok"),
    ]
    assert len(result.runs[0].outputs) == 5
    xnnpack, reference = result.runs[0].outputs, result.runs[2].outputs
    for name in xnnpack:
        a, b = xnnpack[name].ravel().astype(np.float64), reference[name].ravel().astype(np.float64)
        cosine = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
        assert cosine > 0.9999, name


@pytest.mark.slow
def test_selfie_segmentation_is_unsupported_on_reference_kernels_naming_the_op(zoo_model):
    result = bench(zoo_model("selfie-segmentation"), delegates=["cpu", "cpu-ref"], **FAST)
    cpu, ref = result.runs
    assert cpu.status == "ok"
    assert ref.status == "unsupported"
    assert "Convolution2DTransposeBias" in ref.reason
    assert ref.coverage["unsupported"][0]["op"] == "Convolution2DTransposeBias"
    assert result.failed_runs == []
