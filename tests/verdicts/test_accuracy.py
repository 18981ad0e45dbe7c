"""edgekit.verdicts.accuracy: every metric against numbers computed by hand on tiny arrays, matching,
verdicts at the preset boundaries, tolerance parsing, dequantization and the JSON round trip."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest

from edgekit.errors import UsageError
from edgekit.model.model import Model, Quantization, TensorInfo
from edgekit.verdicts import accuracy
from edgekit.verdicts.accuracy import (
    PRESETS,
    AccuracyReport,
    Preset,
    Tolerance,
    compare_outputs,
    dequantize,
    output_metrics,
    parse_tolerance,
    precision_for,
)
from tests import tflite_builder


def tensor(name: str, shape: tuple[int, ...], dtype: str = "float32", quantization=None) -> TensorInfo:
    return TensorInfo(0, name, shape, shape, dtype, quantization)


def compare(candidate, reference, precision="fp32", **kwargs) -> AccuracyReport:
    kwargs.setdefault("reference_label", "test reference")
    return compare_outputs(candidate, reference, precision=precision, **kwargs)


def test_all_names_exist():
    assert all(hasattr(accuracy, name) for name in accuracy.__all__)


# --- metrics, by hand -------------------------------------------------------------------------


def test_metrics_of_one_wrong_element():
    # ref = [1, -2, 2], cand = [1, -2, 3]: diff = [0, 0, 1]
    # max_abs = 1; mean_abs = 1/3; rmse = sqrt(1/3) = 0.577350...
    # max|ref| = 2 -> max_abs_rel = 1/2
    # cosine = (1 + 4 + 6) / (|cand| |ref|) = 11 / (sqrt(14) * 3) = 11 / 11.224972 = 0.979958...
    # SNR = 10 log10(sum ref^2 / sum diff^2) = 10 log10(9 / 1) = 9.542425 dB
    m = output_metrics(np.array([1.0, -2.0, 3.0]), np.array([1.0, -2.0, 2.0]))
    assert m.max_abs == 1.0
    assert m.mean_abs == pytest.approx(1 / 3)
    assert m.rmse == pytest.approx(math.sqrt(1 / 3))
    assert m.max_abs_rel == 0.5
    assert m.cosine == pytest.approx(11 / (3 * math.sqrt(14)))
    assert m.cosine == pytest.approx(0.979958, abs=1e-6)
    assert m.snr_db == pytest.approx(9.542425, abs=1e-6)
    assert (m.nan_count, m.inf_count, m.all_zero, m.reference_all_zero) == (0, 0, False, False)
    assert m.shape == m.reference_shape == (3,)
    assert m.top1_agreement is None and m.top5_agreement is None  # rank 1: not class scores


def test_metrics_of_a_scaled_output_cosine_blind_snr_not():
    # cand = 2 * ref: cosine = 1 exactly, but diff = ref so SNR = 10 log10(1) = 0 dB
    ref = np.array([3.0, 4.0])
    m = output_metrics(2 * ref, ref)
    assert m.cosine == pytest.approx(1.0)
    assert m.snr_db == pytest.approx(0.0, abs=1e-12)
    # max_abs = 4 (at the 4), max|ref| = 4 -> 1.0; rmse = sqrt((9 + 16) / 2) = sqrt(12.5)
    assert (m.max_abs, m.max_abs_rel) == (4.0, 1.0)
    assert m.rmse == pytest.approx(math.sqrt(12.5))


def test_identical_outputs():
    ref = np.array([[0.5, -1.5, 2.0]])
    m = output_metrics(ref.copy(), ref)
    assert (m.max_abs, m.mean_abs, m.rmse, m.max_abs_rel) == (0.0, 0.0, 0.0, 0.0)
    assert m.cosine == pytest.approx(1.0)
    assert m.snr_db == math.inf


def test_cosine_and_snr_when_outputs_are_all_zero():
    zeros, ones = np.zeros(3), np.ones(3)
    both = output_metrics(zeros, zeros)
    assert (both.cosine, both.snr_db, both.all_zero, both.reference_all_zero) == (1.0, math.inf, True, True)
    # candidate zero, reference ones: cosine 0; diff = -ref so SNR = 10 log10(3/3) = 0 dB
    cand_zero = output_metrics(zeros, ones)
    assert (cand_zero.cosine, cand_zero.snr_db, cand_zero.all_zero) == (0.0, 0.0, True)
    # reference zero: cosine 0, SNR 10 log10(0 / 3) = -inf; max_abs_rel divides by 1, not 0
    ref_zero = output_metrics(ones * 2, zeros)
    assert (ref_zero.cosine, ref_zero.snr_db, ref_zero.max_abs_rel) == (0.0, -math.inf, 2.0)


def test_nan_and_inf_are_counted_and_errors_use_the_finite_elements():
    cand = np.array([np.nan, np.inf, -np.inf, 1.0, 2.0])
    ref = np.array([1.0, 1.0, 1.0, 1.0, 4.0])
    m = output_metrics(cand, ref)
    assert (m.nan_count, m.inf_count, m.reference_nonfinite_count) == (1, 2, 0)
    # finite in both: cand [1, 2] vs ref [1, 4]: max_abs 2, max|ref| 4 -> 0.5, mean_abs 1
    assert (m.max_abs, m.max_abs_rel, m.mean_abs) == (2.0, 0.5, 1.0)
    assert not m.all_zero


def test_nothing_finite_gives_nan_metrics():
    m = output_metrics(np.array([np.nan, np.nan]), np.array([1.0, 2.0]))
    assert m.nan_count == 2
    assert all(math.isnan(getattr(m, key)) for key in ("max_abs", "rmse", "cosine", "snr_db"))


def test_shape_mismatch_gives_nan_metrics():
    m = output_metrics(np.zeros((1, 4)), np.zeros((1, 5)))
    assert (m.shape, m.reference_shape) == ((1, 4), (1, 5))
    assert math.isnan(m.cosine) and m.top1_agreement is None


# --- top-1 / top-5 ------------------------------------------------------------------------------

REFERENCE_SCORES = np.array(
    [
        [0.9, 0.1, 0.2, 0.3, 0.4, 0.5],  # reference top-1: class 0
        [0.0, 0.1, 0.2, 0.3, 0.4, 0.9],  # reference top-1: class 5
    ]
)


def test_top1_and_top5_agreement():
    cand = np.array(
        [
            [0.8, 0.1, 0.2, 0.3, 0.4, 0.5],  # top-1 class 0: agrees
            [0.1, 0.2, 0.9, 0.3, 0.4, 0.5],  # top-1 class 2 (disagrees); top-5 = 2, 5, 4, 3, 1 holds 5
        ]
    )
    m = output_metrics(cand, REFERENCE_SCORES)
    assert (m.top1_agreement, m.top5_agreement) == (0.5, 1.0)


def test_top5_misses_when_the_reference_class_ranks_sixth():
    cand = np.array(
        [
            [0.8, 0.1, 0.2, 0.3, 0.4, 0.5],  # agrees
            [0.1, 0.2, 0.9, 0.3, 0.4, 0.05],  # top-5 = 2, 4, 3, 1, 0: class 5 is last
        ]
    )
    m = output_metrics(cand, REFERENCE_SCORES)
    assert (m.top1_agreement, m.top5_agreement) == (0.5, 0.5)


@pytest.mark.parametrize(
    ("shape", "has_top1", "has_top5"),
    [
        ((2, 6), True, True),  # [batch, classes]
        ((1, 1, 1, 6), True, True),  # [batch, 1, 1, classes] (old MobileNet heads)
        ((1, 4), True, False),  # fewer than 5 classes: no top-5
        ((1, 1), False, False),  # one "class": a score, not a choice
        ((6,), False, False),  # rank 1
        ((1, 2, 2, 6), False, False),  # a feature map
        ((1, 2, 3), False, False),
    ],
)
def test_class_score_shape_rule(shape, has_top1, has_top5):
    values = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    m = output_metrics(values, values)
    assert (m.top1_agreement is not None, m.top5_agreement is not None) == (has_top1, has_top5)
    if has_top1:
        assert m.top1_agreement == 1.0


# --- dequantize ---------------------------------------------------------------------------------


def test_dequantize_per_tensor():
    # real = 0.5 * (q - (-128)): -128 -> 0, 0 -> 64, 127 -> 127.5
    q = np.array([-128, 0, 127], dtype=np.int8)
    real = dequantize(q, Quantization((0.5,), (-128,)))
    assert real.dtype == np.float64
    np.testing.assert_array_equal(real, [0.0, 64.0, 127.5])


def test_dequantize_per_axis_last_axis():
    # column j: scale (0.1, 1, 10)[j], zero point (0, 1, 2)[j]
    # row 0: 0.1*(1-0)=0.1, 1*(2-1)=1, 10*(3-2)=10; row 1: 0.4, 4, 40
    q = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int8)
    real = dequantize(q, Quantization((0.1, 1.0, 10.0), (0, 1, 2), axis=1))
    np.testing.assert_allclose(real, [[0.1, 1.0, 10.0], [0.4, 4.0, 40.0]])


def test_dequantize_per_axis_first_axis_with_one_zero_point():
    # row i: scale (2, 3)[i], zero point 0 for all: [[2, 4, 6], [12, 15, 18]]
    q = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)
    real = dequantize(q, Quantization((2.0, 3.0), (0,), axis=0))
    np.testing.assert_array_equal(real, [[2, 4, 6], [12, 15, 18]])


def test_dequantize_without_zero_point_and_without_quantization():
    np.testing.assert_array_equal(dequantize(np.array([4], np.int16), Quantization((0.25,), ())), [1.0])
    plain = dequantize(np.array([1, 2], dtype=np.int32), None)
    assert plain.dtype == np.float64 and plain.tolist() == [1.0, 2.0]


def test_dequantize_leaves_floats_and_zero_scales_alone():
    values = np.array([1.5, -2.0], dtype=np.float32)
    assert dequantize(values, Quantization((0.5,), (3,))).tolist() == [1.5, -2.0]
    # a scale of 0 is how some converters write "not quantized"
    assert dequantize(np.array([7], np.int8), Quantization((0.0,), (0,))).tolist() == [7.0]


def test_dequantize_rejects_parameters_that_do_not_fit():
    q = np.zeros((2, 3), dtype=np.int8)
    with pytest.raises(ValueError, match="do not fit shape"):
        dequantize(q, Quantization((1.0, 2.0), (0,), axis=1))
    with pytest.raises(ValueError, match="zero points"):
        dequantize(q, Quantization((1.0, 2.0, 3.0), (0, 0), axis=1))


def test_dequantize_a_real_quantized_models_output(tmp_path):
    # quantized_model: input int8 (scale 0.5, zp -3) -> DEQUANTIZE -> QUANTIZE -> output int8
    # (scale 0.25, zp 5). Inputs q in [-10, 10) are reals 0.5 * (q + 3) in [-3.5, 6]; every
    # multiple of 0.5 is exact at scale 0.25, so output and input dequantize to the same reals.
    from ai_edge_litert.interpreter import Interpreter

    path = tflite_builder.quantized_model(tmp_path / "q.tflite")
    model = Model.open(path)
    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    q = np.arange(-10, -2, dtype=np.int8).reshape(1, 8)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], q)
    interpreter.invoke()
    out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    expected = 0.5 * (q.astype(np.float64) + 3)
    np.testing.assert_array_equal(dequantize(out, model.outputs[0].quantization), expected)
    report = compare({"output": out}, {"output": expected}, candidate_tensors=model.outputs)
    assert report.verdict == "pass" and report.outputs[0].max_abs == 0.0


# --- compare_outputs: matching and structural failures -----------------------------------------


def test_outputs_match_by_name_whatever_the_order():
    cand = {"b": np.array([1.0, 2.0]), "a": np.array([5.0])}
    ref = {"a": np.array([5.0]), "b": np.array([1.0, 2.0])}
    report = compare(cand, ref)
    assert report.verdict == "pass" and report.reasons == ()
    assert [(m.name, m.reference_name) for m in report.outputs] == [("b", "b"), ("a", "a")]


def test_tensor_order_decides_the_output_order():
    cand = {"b": np.array([1.0]), "a": np.array([2.0])}
    report = compare(cand, dict(cand), candidate_tensors=[tensor("a", (1,)), tensor("b", (1,))])
    assert [m.name for m in report.outputs] == ["a", "b"]


def test_outputs_with_different_names_match_by_position():
    # float model names vs its int8 variant's: matched 1st-1st, 2nd-2nd
    cand = {"StatefulPartitionedCall:0": np.array([1.0, 2.0]), "StatefulPartitionedCall:1": np.array([3.0])}
    ref = {"Identity": np.array([1.0, 2.0]), "Identity_1": np.array([3.0])}
    report = compare(cand, ref)
    assert report.verdict == "pass"
    assert [(m.name, m.reference_name) for m in report.outputs] == [
        ("StatefulPartitionedCall:0", "Identity"),
        ("StatefulPartitionedCall:1", "Identity_1"),
    ]


def test_positional_matching_refuses_different_counts():
    report = compare({"x": np.ones(2)}, {"y": np.ones(2), "z": np.ones(1)})
    assert report.verdict == "fail" and report.outputs == ()
    assert report.reasons == (
        "cannot match outputs: names differ (x vs reference y, z) and so do counts (1 vs 2)",
    )


def test_positional_matching_refuses_different_element_counts():
    report = compare({"x": np.ones((1, 4))}, {"y": np.ones((1, 5))})
    assert report.verdict == "fail"
    assert report.reasons == ("x (reference y): shape (1, 4) differs from the reference's (1, 5)",)


def test_shape_mismatch_by_name_fails_even_with_equal_element_counts():
    report = compare({"out": np.ones((2, 3))}, {"out": np.ones((3, 2))})
    assert report.verdict == "fail"
    assert report.reasons == ("out: shape (2, 3) differs from the reference's (3, 2)",)


def test_no_outputs_fails():
    assert compare({}, {"a": np.ones(1)}).reasons == ("the candidate has no outputs to compare",)
    assert compare({"a": np.ones(1)}, {}).reasons == ("the reference has no outputs to compare",)


def test_nan_inf_in_the_candidate_fails():
    report = compare({"out": np.array([np.nan, np.inf, 1.0])}, {"out": np.array([1.0, 1.0, 1.0])})
    assert report.verdict == "fail"
    assert report.reasons == ("out: 1 NaN and 1 Inf values in the output",)


def test_nan_in_the_reference_fails_as_an_unusable_reference():
    report = compare({"out": np.ones(2)}, {"out": np.array([np.nan, 1.0])})
    assert report.verdict == "fail"
    assert report.reasons == ("out: the reference has 1 NaN/Inf values; it cannot serve as a reference",)


def test_all_zero_candidate_fails_but_all_zero_on_both_sides_passes():
    report = compare({"out": np.zeros(4)}, {"out": np.array([0.0, 1.0, 0.0, 0.0])})
    assert report.verdict == "fail"
    assert report.reasons[0] == "out: all-zero output (the reference peaks at 1)"
    assert compare({"out": np.zeros(4)}, {"out": np.zeros(4)}).verdict == "pass"


def test_quantized_candidate_is_dequantized_with_its_own_parameters():
    # int8 output q = [-1, 1, 3], scale 0.5, zero point 1 -> reals [-1, 0, 1] = the float reference
    quant = Quantization((0.5,), (1,))
    cand = {"Identity_int8": np.array([[-1, 1, 3]], dtype=np.int8)}
    ref = {"Identity": np.array([[-1.0, 0.0, 1.0]], dtype=np.float32)}
    report = compare(
        cand,
        ref,
        candidate_tensors=[tensor("Identity_int8", (1, 3), "int8", quant)],
        reference_tensors=[tensor("Identity", (1, 3))],
        precision="int8",
    )
    assert report.verdict == "pass"
    assert report.outputs[0].max_abs == 0.0 and report.outputs[0].reference_name == "Identity"


def test_parameters_that_cannot_dequantize_fail_with_the_reason():
    bad = Quantization((1.0, 2.0), (0,), axis=1)
    report = compare(
        {"out": np.zeros((1, 3), dtype=np.int8)},
        {"out": np.zeros((1, 3))},
        candidate_tensors=[tensor("out", (1, 3), "int8", bad)],
    )
    assert report.verdict == "fail" and report.outputs == ()
    assert report.reasons[0].startswith("out: cannot read as numbers: 2 per-axis scales on axis 1")


def test_unknown_precision_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown precision 'bf16'; choose from: fp32, fp16, int8"):
        compare({"a": np.ones(1)}, {"a": np.ones(1)}, precision="bf16")


# --- verdicts against the presets ---------------------------------------------------------------

REF = np.array([1.0, -2.0, 2.0])  # |ref|^2 = 9, max|ref| = 2


def verdict_for(last: float, precision: str) -> AccuracyReport:
    """``REF`` with its last element replaced by ``last``: the error is ``last - 2`` on one element."""
    return compare({"out": np.array([1.0, -2.0, last])}, {"out": REF}, precision=precision)


def test_fp32_passes_a_tiny_error():
    # diff 0.001: max_abs_rel = 5e-4 (< 3e-3), SNR = 10 log10(9 / 1e-6) = 69.5 dB (> 50),
    # cosine = 9.002 / (3 sqrt(9.004001)) = 0.99999997 (> 0.99999)
    report = verdict_for(2.001, "fp32")
    assert (report.verdict, report.reasons) == ("pass", ())


def test_fp32_warns_between_warn_and_fail_thresholds():
    # diff 0.01: max_abs_rel 0.005 in (3e-3, 1e-2]; SNR 10 log10(9 / 1e-4) = 49.54 dB in [40, 50);
    # cosine = 9.02 / (3 sqrt(9.0401)) = 9.02 / 9.020028 = 0.9999969, still >= 0.99999
    report = verdict_for(2.01, "fp32")
    assert report.outputs[0].cosine == pytest.approx(0.9999969, abs=1e-7)
    assert report.verdict == "warn"
    assert report.reasons == (
        "out: snr_db 49.54 < 50 (fp32 preset, warn)",
        "out: max_abs_rel 0.005 > 0.003 (fp32 preset, warn)",
    )


def test_fp16_fails_where_fp32_would_and_int8_does_not():
    # diff 0.5: cosine = (1 + 4 + 5) / (3 sqrt(11.25)) = 0.993808; SNR = 10 log10(9 / 0.25) = 15.56 dB;
    # max_abs_rel = 0.25
    fp16 = verdict_for(2.5, "fp16")
    assert fp16.verdict == "fail"
    assert fp16.reasons == (
        "out: cosine 0.9938 < 0.999 (fp16 preset)",
        "out: snr_db 15.56 < 25 (fp16 preset)",
        "out: max_abs_rel 0.25 > 0.05 (fp16 preset)",
    )
    int8 = verdict_for(2.5, "int8")  # cosine >= 0.99 and SNR >= 15 pass; max_abs_rel 0.25 > 0.2 warns
    assert int8.verdict == "warn"
    assert int8.reasons == ("out: max_abs_rel 0.25 > 0.2 (int8 preset, warn)",)


def test_int8_fails_just_below_its_cosine_threshold():
    # diff 1: cosine 0.979958 < 0.98 and SNR 9.54 dB < 10 dB (see test_metrics_of_one_wrong_element)
    report = verdict_for(3.0, "int8")
    assert report.verdict == "fail"
    assert report.reasons[:2] == (
        "out: cosine 0.97996 < 0.98 (int8 preset)",  # 4 digits would print 0.98 < 0.98
        "out: snr_db 9.542 < 10 (int8 preset)",
    )
    assert report.reasons[2] == "out: max_abs_rel 0.5 > 0.2 (int8 preset, warn)"


def test_fail_reasons_come_before_warn_reasons():
    report = compare(
        {"a": np.array([1.0, -2.0, 2.5]), "b": np.array([1.0, -2.0, 3.0])},
        {"a": REF, "b": REF},
        precision="int8",
    )
    assert [reason.split(":")[0] for reason in report.reasons] == ["b", "b", "a", "b"]


@pytest.mark.parametrize(
    ("max_abs", "verdict"),
    [(0.5, "pass"), (0.75, "warn"), (1.0, "warn"), (1.5, "fail")],
)
def test_thresholds_are_inclusive(max_abs, verdict):
    # fail when max_abs > 1, warn when > 0.5: the limits themselves pass (exact binary fractions)
    preset = Preset("custom", fail=Tolerance(max_abs=1.0), warn=Tolerance(max_abs=0.5))
    report = compare({"o": np.array([max_abs])}, {"o": np.array([0.0])}, tolerance=preset)
    assert report.verdict == verdict


def test_top1_is_a_warn_threshold_in_the_presets():
    # a near-tie flips: classes 0 and 1 differ by 1e-5 and swap. Every other metric is tiny:
    # max_abs_rel = 1e-5 / 0.50001 = 2e-5, SNR = 10 log10(0.52 / 2e-10) = 94 dB.
    ref = np.array([[0.5, 0.50001, 0.1, 0.0, 0.0]])
    cand = np.array([[0.50001, 0.5, 0.1, 0.0, 0.0]])
    report = compare({"scores": cand}, {"scores": ref})
    assert report.outputs[0].top1_agreement == 0.0 and report.outputs[0].top5_agreement == 1.0
    assert (report.verdict, report.reasons) == ("warn", ("scores: top1 0 < 1 (fp32 preset, warn)",))
    strict = compare({"scores": cand}, {"scores": ref}, tolerance=parse_tolerance("top1=1", PRESETS["fp32"]))
    assert (strict.verdict, strict.reasons) == ("fail", ("scores: top1 0 < 1 (your tolerance)",))


def test_presets_are_ordered_from_strict_to_loose():
    fp32, fp16, int8 = (PRESETS[name] for name in ("fp32", "fp16", "int8"))
    assert fp32.fail.cosine_min > fp16.fail.cosine_min > int8.fail.cosine_min
    assert fp32.fail.snr_db_min > fp16.fail.snr_db_min > int8.fail.snr_db_min
    for preset in (fp32, fp16, int8):
        # every warn threshold is at least as strict as the fail one it sits behind
        assert preset.warn.cosine_min >= preset.fail.cosine_min
        assert preset.warn.snr_db_min >= preset.fail.snr_db_min
        if preset.fail.max_abs_rel is not None:
            assert preset.warn.max_abs_rel <= preset.fail.max_abs_rel


@pytest.mark.parametrize(
    ("cosine", "verdict"),
    [(0.2, "fail"), (0.3, "fail"), (0.979, "fail"), (0.985, "warn"), (0.995, "pass")],
)
def test_int8_preset_on_the_calibration_facts(cosine, verdict):
    # ref = e1 and cand = cos e1 + sin e2 (unit vectors) have exactly the chosen cosine.
    # SNR = 10 log10(1 / |cand - ref|^2) = 10 log10(1 / (2 - 2 cos)): 0.995 -> 20 dB,
    # 0.985 -> 15.2 dB, 0.979 -> 13.8 dB, all above 10 dB, so the cosine decides;
    # max_abs_rel = sin: 0.0999 at 0.995 and 0.173 at 0.985, under int8's 0.2 warn line.
    # A broken full-int8 BERT (cosine 0.2-0.3) fails; a dynamic-range one (>= 0.99) passes.
    ref = np.array([1.0, 0.0])
    cand = np.array([cosine, math.sqrt(1 - cosine**2)])
    report = compare({"o": cand}, {"o": ref}, precision="int8")
    assert report.outputs[0].cosine == pytest.approx(cosine)
    assert report.verdict == verdict, report.reasons


# --- parse_tolerance ----------------------------------------------------------------------------


def test_parse_tolerance_overrides_fail_thresholds_only():
    before = copy.deepcopy(PRESETS["fp16"])
    preset = parse_tolerance("cosine=0.995, max_abs=1e-3", PRESETS["fp16"])
    assert preset.fail.cosine_min == 0.995 and preset.fail.max_abs == 1e-3
    assert preset.fail.snr_db_min == PRESETS["fp16"].fail.snr_db_min  # untouched
    assert preset.warn == PRESETS["fp16"].warn
    assert (preset.name, preset.overrides) == ("fp16", ("cosine", "max_abs"))
    assert PRESETS["fp16"] == before  # the preset itself is unchanged


def test_parse_tolerance_every_key_and_none():
    preset = parse_tolerance(
        "cosine=0.5,snr_db=-3,max_abs=2,max_abs_rel=0.1,rmse=0.25,top1=0.9", PRESETS["int8"]
    )
    assert preset.fail == Tolerance(0.5, -3.0, 2.0, 0.1, 0.25, 0.9)
    disabled = parse_tolerance("cosine=none,snr_db=OFF", PRESETS["fp32"])
    assert disabled.fail.cosine_min is None and disabled.fail.snr_db_min is None


def test_parse_tolerance_overrides_accumulate():
    twice = parse_tolerance("rmse=0.1", parse_tolerance("cosine=0.9", PRESETS["fp32"]))
    assert twice.overrides == ("cosine", "rmse")


def test_parse_tolerance_unknown_key_lists_the_valid_ones():
    with pytest.raises(UsageError) as info:
        parse_tolerance("cosine=0.99,x=1", PRESETS["fp32"])
    assert info.value.parameter == "tolerance"
    assert (
        str(info.value)
        == "tolerance: unknown key 'x'; valid keys: cosine, snr_db, max_abs, max_abs_rel, rmse, top1"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cosine=abc", "cosine='abc' is not a number; e.g. cosine=0.01, or cosine=none to skip it"),
        ("max_abs=nan", "max_abs='nan' is not a number"),
        ("cosine=1.5", "cosine=1.5 is outside [-1, 1]"),
        ("max_abs=-1", "max_abs=-1 is outside [0, inf]"),
        ("top1=2", "top1=2 is outside [0, 1]"),
        ("cosine", "'cosine' is not KEY=VALUE"),
        ("cosine=0.9,cosine=0.8", "'cosine' is given twice"),
        ("", "no thresholds given"),
        (" , ", "no thresholds given"),
    ],
)
def test_parse_tolerance_rejects_bad_text(text, message):
    with pytest.raises(UsageError, match="^tolerance: ") as info:
        parse_tolerance(text, PRESETS["fp32"])
    assert message in str(info.value)


# --- serialisation ------------------------------------------------------------------------------


def test_report_round_trips_through_json():
    report = compare(
        {"same": np.array([[0.1, 0.9]]), "worse": np.array([1.0, -2.0, 3.0]), "zero": np.zeros(2)},
        {"same": np.array([[0.1, 0.9]]), "worse": REF, "zero": np.zeros(2)},
        precision="fp16",
        tolerance=parse_tolerance("rmse=0.1", PRESETS["fp16"]),
        reference_label="cpu-ref (reference kernels) on the same file",
    )
    text = json.dumps(report.to_dict(), allow_nan=False)  # strict JSON: inf is written as "inf"
    document = json.loads(text)
    assert document["outputs"][0]["snr_db"] == "inf"
    assert document["verdict"] == "fail"
    assert document["tolerance"]["overrides"] == ["rmse"]
    again = AccuracyReport.from_dict(document)
    assert again == report
    assert again.outputs[0].snr_db == math.inf and again.outputs[0].top1_agreement == 1.0


def test_report_from_dict_refuses_an_unknown_verdict():
    document = compare({"a": np.ones(1)}, {"a": np.ones(1)}).to_dict()
    document["verdict"] = "maybe"
    with pytest.raises(ValueError, match="verdict 'maybe'"):
        AccuracyReport.from_dict(document)


# --- choosing the preset ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantized", "fp16_weights", "delegate", "gpu_fp32", "expected"),
    [
        (set(), False, "cpu", False, "fp32"),
        (set(), False, "cpu-ref", False, "fp32"),
        (set(), False, "gpu", False, "fp16"),  # LiteRT GPU computes in fp16 by default
        (set(), False, "gpu", True, "fp32"),
        (set(), True, "cpu", False, "fp16"),  # fp16-quantized weights
        ({"int8"}, False, "cpu", False, "int8"),
        ({"uint8"}, False, "gpu", False, "int8"),  # quantization dominates fp16
        ({"int16"}, True, "cpu", False, "int8"),
        ({"int32"}, False, "cpu", False, "fp32"),  # not a quantized type
    ],
)
def test_precision_for(quantized, fp16_weights, delegate, gpu_fp32, expected):
    assert (
        precision_for(
            quantized_dtypes=quantized, has_fp16_weights=fp16_weights, delegate=delegate, gpu_fp32=gpu_fp32
        )
        == expected
    )


def test_precision_facts_from_tensors():
    q = Quantization((0.1,), (0,))
    weights = TensorInfo(1, "w", (4,), (4,), "int8", q, is_constant=True)  # dynamic-range: weights only
    activation = tensor("x", (1, 4))
    assert accuracy.quantized_tensor_dtypes([weights, activation]) == {"int8"}
    assert accuracy.quantized_tensor_dtypes([tensor("ids", (1, 4), "int32")]) == set()
    assert accuracy.quantized_tensor_dtypes([tensor("z", (1,), "int8", Quantization((0.0,), (0,)))]) == set()
    fp16 = TensorInfo(2, "w16", (4,), (4,), "float16", None, is_constant=True)
    assert accuracy.has_float16_constants([fp16]) and not accuracy.has_float16_constants([activation])


def test_precision_for_model(tmp_path):
    assert (
        accuracy.precision_for_model(Model.open(tflite_builder.add_chain(tmp_path / "f.tflite")), "cpu")
        == "fp32"
    )
    assert (
        accuracy.precision_for_model(Model.open(tflite_builder.add_chain(tmp_path / "g.tflite")), "gpu")
        == "fp16"
    )
    quantized = Model.open(tflite_builder.quantized_model(tmp_path / "q.tflite"))
    assert accuracy.precision_for_model(quantized, "gpu") == "int8"


def test_reasons_show_enough_digits_near_one():
    # cosine 0.999984 against 0.99999: 4 significant digits would print "1 < 0.99999"
    cosine = 0.999984
    preset = Preset("strict", fail=Tolerance(cosine_min=0.99999), warn=Tolerance())
    report = compare(
        {"o": np.array([cosine, math.sqrt(1 - cosine**2)])}, {"o": np.array([1.0, 0.0])}, tolerance=preset
    )
    assert report.reasons == ("o: cosine 0.99998 < 0.99999 (strict preset)",)
