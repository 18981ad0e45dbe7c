"""Accuracy in every bench run: the reference is chosen, every ok run is judged, verdicts reach
the result and the exit code."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.bench.run import bench
from edgekit.cli.main import main
from edgekit.errors import InputsError, UsageError
from tests import tflite_builder

FAST = dict(runs=2, min_seconds=0.0, max_seconds=2.0, warmup_runs=0, warmup_seconds=0.0)
FAST_ARGS = [
    "--runs",
    "2",
    "--min-seconds",
    "0",
    "--max-seconds",
    "2",
    "--warmup",
    "0",
    "--warmup-seconds",
    "0",
]


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return tflite_builder.add_chain(tmp_path_factory.mktemp("acc") / "chain.tflite", n_ops=2)


def test_default_reference_is_cpu_ref_and_judges_the_other_runs(chain):
    result = bench(chain, delegates=["cpu", "cpu-ref"], threads=[1, 2], **FAST)
    cpu1, cpu2, ref1, ref2 = result.runs
    assert ref1.is_reference and ref1.accuracy is None
    assert result.reference["label"] == "cpu-ref on the same file"
    for run in (cpu1, cpu2, ref2):
        assert run.accuracy.verdict == "pass" and run.accuracy.precision == "fp32"
        assert run.accuracy.outputs[0].max_abs == 0.0


def test_reference_run_is_added_when_cpu_ref_was_not_requested(chain):
    result = bench(chain, delegates=["cpu"], reference_cache=False, **FAST)
    assert result.reference["kind"] == "delegate" and result.reference["run"]["delegate"] == "cpu-ref"
    assert result.runs[0].accuracy.verdict == "pass"
    np.testing.assert_array_equal(result.reference_outputs["output"], result.runs[0].outputs["output"])


def test_expected_outputs_decide_the_verdict(chain, tmp_path):
    inputs = {"input": np.full((1, 8), 0.5, np.float32)}
    np.savez(tmp_path / "right.npz", output=np.full((1, 8), 2.0, np.float32))
    np.savez(tmp_path / "wrong.npz", output=np.full((1, 8), -2.0, np.float32))
    right = bench(chain, inputs=inputs, expected=tmp_path / "right.npz", **FAST)
    wrong = bench(chain, inputs=inputs, expected=tmp_path / "wrong.npz", **FAST)
    assert right.runs[0].accuracy.verdict == "pass"
    assert wrong.runs[0].accuracy.verdict == "fail"
    assert any("cosine" in reason for reason in wrong.runs[0].accuracy.reasons)


def test_no_accuracy_skips_the_reference(chain):
    result = bench(chain, accuracy=False, **FAST)
    assert result.reference is None and result.runs[0].accuracy is None


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        (dict(tolerance="cosine=0.9,speed=3"), UsageError, "unknown key 'speed'"),
        (dict(expected="/nonexistent/expected.npz"), InputsError, "expected-outputs file not found"),
    ],
)
def test_bad_accuracy_options_are_refused(chain, kwargs, error, text):
    with pytest.raises(error, match=text):
        bench(chain, **FAST, **kwargs)


def test_reference_and_expected_together_are_refused(chain, tmp_path):
    with pytest.raises(UsageError, match="either `reference` or `expected`"):
        bench(chain, reference=chain, expected=tmp_path / "x.npz", **FAST)


@pytest.mark.slow
def test_badly_calibrated_int8_fails_against_its_float_model_and_a_good_one_passes(cnn_models):
    bad = bench(cnn_models["bad"], reference=cnn_models["float"], reference_cache=False, **FAST)
    good = bench(cnn_models["well"], reference=cnn_models["float"], **FAST)
    assert bad.reference["kind"] == "model" and bad.reference["run"]["delegate"] == "cpu-ref"
    assert bad.runs[0].accuracy.precision == "int8"
    assert bad.runs[0].accuracy.verdict == "fail"
    assert good.runs[0].accuracy.verdict in ("pass", "warn")
    assert good.runs[0].accuracy.outputs[0].cosine > 0.98


@pytest.mark.slow
def test_integer_io_variant_gets_the_float_models_inputs_through_its_quantization(cnn_models):
    result = bench(cnn_models["int8_io"], reference=cnn_models["float"], **FAST)
    (run,) = result.runs
    assert run.status == "ok"
    (candidate_input,) = result.inputs.values()
    assert candidate_input.dtype == np.int8
    assert run.accuracy.verdict in ("pass", "warn"), run.accuracy.reasons


@pytest.mark.slow
def test_fail_on_accuracy_turns_a_fail_verdict_into_exit_1(cnn_models, capsys):
    args = ["bench", str(cnn_models["bad"]), "--reference", str(cnn_models["float"]), *FAST_ARGS]
    assert main(args) == 0
    assert "FAIL" in capsys.readouterr().out
    assert main([*args, "--fail-on-accuracy"]) == 1


@pytest.mark.slow
def test_selfie_reference_falls_back_to_cpu_and_says_why(zoo_model):
    result = bench(zoo_model("selfie-segmentation"), delegates=["cpu", "cpu-ref"], **FAST)
    assert result.runs[0].is_reference
    assert "cpu-ref cannot run it" in result.reference["label"]
