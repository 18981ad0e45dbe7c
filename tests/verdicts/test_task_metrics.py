"""Task metrics against numbers worked out by hand, and the roles that choose them."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.errors import UsageError
from edgekit.model.contract import TensorInfo
from edgekit.verdicts.accuracy import compare_outputs
from edgekit.verdicts.roles import OutputRole, parse_output_roles, parse_role, roles_for
from edgekit.verdicts.task_metrics import judge_role


def test_mask_counts_flipped_pixels_and_iou():
    ref = np.zeros((1, 10, 10, 1))
    ref[0, :5, :4] = 0.9  # 20 pixels in
    cand = ref.copy()
    cand[0, 0, 0] = 0.1  # one pixel out
    cand[0, 9, 9] = 0.8  # one pixel in
    decision = judge_role("m", OutputRole("mask"), cand, ref, precision="int8")
    assert decision.values["flipped"] == 2 and decision.values["iou"] == pytest.approx(19 / 21)
    assert decision.verdict == "warn"  # 2% of pixels: over int8's 1% warn line, under its 5% fail line
    assert decision.text.startswith("m (mask): 2 of 100 pixels flip (2.00%) at threshold 0.5")


def test_mask_threshold_follows_probability_or_logits():
    logits = np.array([[-3.0, 2.0, -0.1, 0.2]])
    assert judge_role("m", OutputRole("mask"), logits, logits, precision="fp32").values["threshold"] == 0.0
    probabilities = np.array([[0.1, 0.7]])
    assert (
        judge_role("m", OutputRole("mask"), probabilities, probabilities, precision="fp32").values[
            "threshold"
        ]
        == 0.5
    )
    assert judge_role("m", OutputRole("mask"), logits, logits, precision="fp32", producer="LOGISTIC") \
        .values["threshold"] == 0.5


def test_movenet_keypoints_are_measured_in_input_pixels():
    ref = np.zeros((1, 1, 17, 3))
    ref[..., 0], ref[..., 1] = 0.5, 0.5
    cand = ref.copy()
    cand[0, 0, 3, 0] += 6 / 192  # 6 px down on a 192 px input
    decision = judge_role(
        "k", parse_role("keypoints:17x3"), cand, ref, precision="fp16", image_size=(192, 192)
    )
    assert decision.values["max_px"] == pytest.approx(6.0)
    assert decision.values["pck_2pct"] == pytest.approx(16 / 17)  # 2% of 192 = 3.84 px
    assert decision.verdict == "warn"  # 3.1% of the image: over fp16's 2% warn line, under its 5% fail line


def test_blazepose_keypoints_use_x_y_pixels_and_ignore_other_values():
    ref = np.zeros((1, 10))  # 2 keypoints x 5 values
    cand = ref.copy()
    cand[0, 2:5] = 100.0  # z, visibility, presence of the first point: not a position
    cand[0, 5] = 3.0  # x of the second point
    decision = judge_role(
        "k", parse_role("keypoints:2x5"), cand, ref, precision="fp32", image_size=(256, 256)
    )
    assert decision.values["max_px"] == pytest.approx(3.0) and decision.verdict == "fail"  # > 1% of 256


def test_points3d_probabilities_logits_embedding_and_span():
    points = np.zeros((1, 6))
    moved = points.copy()
    moved[0, 3:6] = [0.03, 0.0, 0.04]  # 5 cm
    assert judge_role("w", parse_role("points3d:2x3"), moved, points, precision="fp16").values["max_m"] == \
        pytest.approx(0.05)
    assert judge_role("p", OutputRole("probabilities"), np.array([0.52]), np.array([0.5]),
                      precision="fp16").verdict == "warn"
    scores = np.array([[0.1, 0.5, 0.4, 0.0, 0.0, 0.0]])
    swapped = np.array([[0.1, 0.4, 0.5, 0.0, 0.0, 0.0]])
    assert judge_role("l", OutputRole("logits"), swapped, scores, precision="fp32").verdict == "warn"
    assert judge_role("e", OutputRole("embedding"), np.array([1.0, 0.0]), np.array([0.0, 1.0]),
                      precision="int8").verdict == "fail"
    span = judge_role(
        "s",
        OutputRole("span_logits"),
        np.array([[0.0, 1.0, 0.0]]),
        np.array([[0.0, 0.0, 1.0]]),
        precision="fp32",
    )
    assert span.verdict == "fail" and "a different answer span" in span.text


def test_an_underflowed_score_without_a_role_passes_at_fp16_and_fails_at_fp32():
    tensors = [TensorInfo(0, "presence", (1, 1), (1, 1), "float32", None)]
    reference, underflowed = {"presence": np.array([[6.3e-10]])}, {"presence": np.array([[0.0]])}
    fp16 = compare_outputs(
        underflowed, reference, candidate_tensors=tensors, precision="fp16", reference_label="r"
    )
    assert fp16.verdict == "pass" and "below what fp16 tells from zero" in fp16.decisions[0].text
    fp32 = compare_outputs(
        underflowed, reference, candidate_tensors=tensors, precision="fp32", reference_label="r"
    )
    assert fp32.verdict == "fail" and "all-zero output (the reference peaks at 6.3e-10)" in fp32.reasons[0]


def test_role_parsing_refuses_what_it_cannot_use():
    assert parse_role("mask:0.3").threshold == 0.3 and parse_role("keypoints:33x5").layout == (33, 5)
    for text, message in [("heatmap", "unknown role 'heatmap'"), ("keypoints", "needs a layout"),
                          ("mask:high", "a mask threshold is a finite number"),
                          ("mask:nan", "a mask threshold is a finite number"),
                          ("logits:3", "takes no detail")]:
        with pytest.raises(UsageError, match=message):
            parse_role(text)
    with pytest.raises(UsageError, match="is not NAME=ROLE"):
        parse_output_roles(["mask"])


def test_your_role_wins_over_the_catalog_and_keys_match_too():
    outputs = [TensorInfo(0, "serving_default_out:0", (1, 4), (1, 4), "float32", None, key="out")]
    roles = roles_for(outputs, {"out": "probabilities"}, "catalog", parse_output_roles(["out=logits"]))
    assert roles["serving_default_out:0"].role == "logits"
    assert (
        roles_for(outputs, {"out": "probabilities"}, "catalog", {})["serving_default_out:0"].source
        == "catalog"
    )
