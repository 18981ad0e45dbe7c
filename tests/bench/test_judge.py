"""Re-judging saved documents: the real-GPU fixtures' false alarms go, the real divergence stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgekit.bench.judge import judge
from edgekit.cli.main import main
from edgekit.errors import ResultFormatError, UsageError
from edgekit.results.bench_result import BenchResult

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "h200-gpu"
needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"the real-GPU fixtures are not at {FIXTURES}"
)


def _run(result: BenchResult, label: str):
    return next(run for run in result.runs if run.label == label)


@needs_fixtures
def test_the_presence_score_underflow_is_no_longer_a_failure():
    pose = judge(FIXTURES / "pose_landmark_full.json")
    before = BenchResult.load(FIXTURES / "pose_landmark_full.json")
    assert _run(before, "gpu fp16").accuracy.verdict == "fail"  # what the fixtures recorded
    presence = next(d for d in _run(pose, "gpu fp16").accuracy.decisions if d.output == "Identity_1")
    assert (presence.basis, presence.metric, presence.verdict) == (
        "probabilities",
        "max absolute error",
        "pass",
    )
    assert presence.text.startswith("Identity_1 (probabilities): max absolute error 6.28e-10")


@needs_fixtures
def test_the_pose_segmentation_divergence_is_reported_as_what_it_is():
    run = _run(judge(FIXTURES / "pose_landmark_full.json"), "gpu fp16")
    mask = next(d for d in run.accuracy.decisions if d.output == "Identity_2")
    assert mask.verdict == "warn" and mask.values["flipped"] == 383
    assert "383 of 65,536 pixels flip (0.58%) at threshold 0" in mask.text
    assert run.accuracy.verdict == "warn" and "inputs not recorded" in run.accuracy.judged_on
    landmarks = next(d for d in run.accuracy.decisions if d.output == "Identity")
    assert landmarks.verdict == "pass" and "3.11 px off" in landmarks.text


@needs_fixtures
def test_the_selfie_mask_false_alarm_passes_on_its_deciding_metric():
    run = _run(judge(FIXTURES / "selfie_segmentation.json"), "gpu fp16")
    (mask,) = run.accuracy.decisions
    assert run.accuracy.verdict == "pass"
    assert mask.text.startswith(
        "activation_10 (mask): 0 of 65,536 pixels flip (0.00%) at threshold 0.5 (IoU 1.000"
    )


@needs_fixtures
def test_fp32_and_cpu_runs_still_pass_and_mobilenet_keeps_element_metrics():
    for name in ("pose_landmark_full", "selfie_segmentation", "mobilenet_v2"):
        result = judge(FIXTURES / f"{name}.json")
        for run in result.runs:
            if run.accuracy is not None and (run.delegate != "gpu" or run.precision == "fp32"):
                assert run.accuracy.verdict == "pass", (name, run.label)
    (decision,) = _run(judge(FIXTURES / "mobilenet_v2.json"), "gpu fp16").accuracy.decisions
    assert decision.basis == "elements" and decision.verdict == "pass"


@needs_fixtures
def test_cli_judge_prints_decisions_and_a_role_you_give_wins(capsys, tmp_path):
    assert main(["judge", str(FIXTURES / "selfie_segmentation.json")]) == 0
    assert "activation_10 (mask): 0 of 65,536 pixels flip" in capsys.readouterr().out
    out = tmp_path / "rejudged.json"
    args = ["judge", str(FIXTURES / "pose_landmark_full.json"), "--output-role", "Identity_2=logits",
            "--json", str(out)]
    main(args)
    assert "Identity_2 (logits)" in capsys.readouterr().out
    saved = BenchResult.load(out)
    assert saved.settings["output_roles"]["Identity_2"] == "logits"
    decision = next(d for d in _run(saved, "gpu fp16").accuracy.decisions if d.output == "Identity_2")
    assert decision.basis == "logits"


@needs_fixtures
def test_a_role_for_an_output_that_does_not_exist_is_refused(capsys):
    with pytest.raises(UsageError, match="no output named 'nope'; the outputs are"):
        judge(FIXTURES / "selfie_segmentation.json", output_roles=["nope=mask"])
    assert main(["judge", str(FIXTURES / "selfie_segmentation.json"), "--output-role", "nope=mask"]) == 2
    assert capsys.readouterr().err.startswith("edgekit: error: --output-role: no output named 'nope'")


def test_a_document_without_reference_outputs_is_refused_clearly(tmp_path):
    document = {"schema_version": 1, "edgekit_version": "0", "created": "now", "environment": {},
                "model": {"outputs": []}, "settings": {}, "inputs": {}, "reference": None, "runs": []}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ResultFormatError, match="holds no reference outputs"):
        judge(path)
