"""Verdicts on realistic inputs: a model whose int8 variant really breaks a mask fails, by its mask."""

from __future__ import annotations

import re

import numpy as np
import pytest

from edgekit.bench.run import bench
from edgekit.inputs.photos import PHOTO_SCENES
from edgekit.inputs.realistic import realistic_inputs
from edgekit.inputs.scenes import SCENES
from edgekit.model.model import Model
from edgekit.report.console import format_bench_table
from tests import mask_models

pytestmark = pytest.mark.slow
FAST = dict(runs=2, min_seconds=0.0, max_seconds=2.0, warmup_runs=0, warmup_seconds=0.0)


@pytest.fixture(scope="module")
def masks(tmp_path_factory):
    directory = tmp_path_factory.mktemp("masks")
    models = {"float": mask_models.float_mask_model(directory),
              "broken": mask_models.int8_mask_model(directory, calibrated=False),
              "calibrated": mask_models.int8_mask_model(directory, calibrated=True)}
    output = Model.open(models["float"]).outputs[0].name
    return models, {output: "mask"}


def test_the_float_model_segments_the_drawn_person(masks):
    models, roles = masks
    result = bench(models["float"], delegates=["cpu"], normalize=(0, 1), output_roles=roles, **FAST)
    sets = len(SCENES) + len(PHOTO_SCENES)
    assert result.input_sets["kind"] == "realistic" and len(result.input_sets["sets"]) == sets
    assert result.input_sets["sets"][len(SCENES):] == [scene.label for scene in PHOTO_SCENES]
    (run,) = result.runs
    assert run.accuracy.verdict == "pass" and len(run.extra_outputs) == sets - 1
    coverage = float((next(iter(run.outputs.values())) > 0.5).mean())
    assert 0.05 < coverage < 0.5  # the figure, not the frame
    table = format_bench_table(result)
    assert "inputs: realistic - 6 drawn scenes and 5 photographs at 64x64 (pixels mapped to [0, 1])" in table


def test_a_broken_int8_mask_fails_on_its_mask_and_says_where(masks):
    models, roles = masks
    result = bench(models["broken"], reference=models["float"], normalize=(0, 1), output_roles=roles, **FAST)
    (run,) = result.runs
    accuracy = run.accuracy
    assert accuracy.verdict == "fail" and accuracy.precision == "int8"
    (decision,) = accuracy.decisions
    assert decision.basis == "mask" and decision.verdict == "fail"
    assert re.search(r"\(mask\): [\d,]+ of 4,096 pixels flip \(\d+\.\d\d%\)", decision.text)
    assert "drawn scenes and 5 photographs" in accuracy.judged_on and "the worst of 11" in accuracy.judged_on
    assert "accuracy FAIL (judged on 6 drawn scenes and 5 photographs" in format_bench_table(result)


def test_a_calibrated_int8_mask_passes_on_the_same_scenes(masks):
    models, roles = masks
    result = bench(
        models["calibrated"], reference=models["float"], normalize=(0, 1), output_roles=roles, **FAST
    )
    assert result.runs[0].accuracy.verdict in ("pass", "warn")
    assert result.runs[0].accuracy.decisions[0].values["flipped_fraction"] < 0.05


def test_without_a_value_range_the_verdict_says_it_was_judged_on_random_inputs(masks):
    models, roles = masks
    result = bench(models["float"], delegates=["cpu"], output_roles=roles, **FAST)
    assert result.input_sets["kind"] == "random"
    assert "judged on random inputs" in result.runs[0].accuracy.judged_on
    forced = bench(models["float"], delegates=["cpu"], normalize=(0, 1), inputs="random", **FAST)
    assert forced.input_sets["kind"] == "random"


def test_integer_images_and_token_inputs_get_realistic_sets(tmp_path):
    from edgekit.model.contract import TensorInfo

    image = TensorInfo(0, "image", (1, 32, 32, 3), (1, 32, 32, 3), "uint8", None)
    sets = realistic_inputs([image])
    assert sets is not None and sets.sets[0]["image"].dtype == np.uint8 and sets.sets[0]["image"].max() > 200
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "quick", "fox"]) + "\n")
    ids = TensorInfo(0, "serving_input_ids:0", (1, 8), (1, 8), "int32", None, key="input_ids")
    mask = TensorInfo(1, "serving_attention_mask:0", (1, 8), (1, 8), "int32", None, key="attention_mask")
    text = realistic_inputs([ids, mask], vocab=vocab)
    assert text is not None and text.sets[0]["serving_input_ids:0"][0, :3].tolist() == [2, 4, 5]
    assert text.sets[0]["serving_attention_mask:0"][0].tolist().count(1) >= 3
    assert realistic_inputs([ids, mask]) is None  # no vocabulary: nothing realistic to say
