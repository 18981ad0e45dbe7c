"""Given inputs outside the value range a model expects: found, warned about in one line, recorded,
and said in the verdict. The range comes from normalize, the zoo catalog or the model's metadata."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.bench.run import bench
from edgekit.cli.main import main
from edgekit.inputs.photos import load_photo, resize
from edgekit.inputs.value_range import PREFIX, ExpectedRange, expected_ranges, range_warnings
from edgekit.model.contract import TensorInfo
from edgekit.model.formats.tflite_metadata import input_value_ranges
from tests import tflite_builder

ONE = dict(runs=1, min_seconds=0.0, max_seconds=2.0, warmup_runs=0, warmup_seconds=0.0)
UNIT = ExpectedRange(0.0, 1.0, "zoo catalog (x)")
SIGNED = ExpectedRange(-1.0, 1.0, "normalize")


def _image(name: str = "image", shape=(1, 8, 8, 3)) -> TensorInfo:
    return TensorInfo(0, name, shape, shape, "float32", None)


def test_0_to_255_into_a_0_1_model_is_outside():
    pixels = {"image": np.linspace(0, 255, 48, dtype=np.float32).reshape(1, 4, 4, 3)}
    (line,) = range_warnings([pixels], {"image": UNIT})
    assert line == (f"{PREFIX}image holds values from 0 to 255, outside the [0, 1] the model expects "
                    "(zoo catalog (x)); its outputs on them mean little: scale the inputs to that range")


def test_0_1_into_a_signed_model_is_one_sided_and_in_range_inputs_are_quiet():
    photo = (load_photo("astronaut") / 255.0).astype(np.float32)[None]
    (line,) = range_warnings([{"image": photo}], {"image": SIGNED})
    assert "none below 0, where the model expects [-1, 1] (normalize)" in line
    assert "look scaled for a [0, 1] model" in line
    assert range_warnings([{"image": photo * 2 - 1}], {"image": SIGNED}) == []
    assert range_warnings([{"image": photo}], {"image": UNIT}) == []
    # Rounding and resampling a hair outside the range are not a finding; integers are not checked.
    assert range_warnings([{"image": photo * 1.005}], {"image": UNIT}) == []
    assert range_warnings([{"image": (photo * 255).astype(np.uint8)}], {"image": UNIT}) == []
    # Several sets count together: one out-of-range set is enough.
    assert len(range_warnings([{"image": photo}, {"image": photo * 255}], {"image": UNIT})) == 1


def test_tflite_metadata_normalization_gives_the_range_and_bad_metadata_gives_none():
    assert input_value_ranges(tflite_builder.normalization_metadata([127.5], [127.5])) == {0: (-1.0, 1.0)}
    unit = tflite_builder.normalization_metadata([0, 0, 0], [255, 255, 255])
    assert input_value_ranges(unit) == {0: (0.0, 1.0)}
    meta = tflite_builder.normalization_metadata([127.5], [127.5])
    assert input_value_ranges(meta[:40]) == {}  # truncated: no range, no error
    assert input_value_ranges(b"garbage!") == {} and input_value_ranges(None) == {}
    assert input_value_ranges(tflite_builder.normalization_metadata([1.0], [0.0])) == {}  # std 0


def test_normalize_and_the_catalog_win_over_metadata_for_the_image_input():
    meta = tflite_builder.normalization_metadata([127.5], [127.5])
    image = _image()
    stated = ExpectedRange(-1.0, 1.0, "the model's TFLITE_METADATA")
    assert expected_ranges([image], meta, None, "")["image"] == stated
    given = ExpectedRange(0.0, 1.0, "normalize")
    assert expected_ranges([image], meta, (0.0, 1.0), "normalize")["image"] == given
    assert expected_ranges([image], None, None, "") == {}


def test_bench_warns_records_and_says_it_in_the_verdict_for_a_metadata_range(tmp_path):
    meta = {"TFLITE_METADATA": tflite_builder.normalization_metadata([127.5], [127.5])}
    model = tflite_builder.conv_model(tmp_path / "signed.tflite", input_shape=(1, 16, 16, 3), metadata=meta)
    pixels = resize(load_photo("astronaut"), 16, 16).astype(np.float32)[None]
    messages: list[str] = []

    from edgekit.bench.events import BenchListener

    class Listen(BenchListener):
        def on_message(self, message: str) -> None:
            messages.append(message)

    result = bench(model, inputs={"input": pixels}, listeners=[Listen()], **ONE)
    (warning,) = [w for w in result.warnings if w.startswith(PREFIX)]
    assert "outside the [-1, 1] the model expects (the model's TFLITE_METADATA)" in warning
    assert f"warning: {warning}" in messages
    assert "outside the [-1, 1]" in result.runs[0].accuracy.judged_on
    quiet = bench(model, inputs={"input": pixels / 127.5 - 1}, **ONE)
    assert not [w for w in quiet.warnings if w.startswith(PREFIX)]


@pytest.mark.slow
def test_pose_landmarks_fed_0_255_pixels_warn_in_one_line_and_the_document_keeps_it(tmp_path, capsys,
                                                                                    zoo_model):
    zoo_model("pose-landmark-full")
    astro = resize(load_photo("astronaut"), 256, 256).astype(np.float32)[None]
    np.savez(tmp_path / "astro_255.npz", input_1=astro)
    code = main(["bench", "pose-landmark-full", "--inputs", str(tmp_path / "astro_255.npz"), "--runs", "1",
                 "--min-seconds", "0", "--warmup", "0", "--warmup-seconds", "0",
                 "--json", str(tmp_path / "r.json")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    line = ("warning: input range: input_1 holds values from 0 to 254, outside the [0, 1] the model "
            "expects (zoo catalog (pose-landmark-full)); its outputs on them mean little: scale the inputs "
            "to that range")
    assert [text for text in captured.err.splitlines() if PREFIX in text] == [line], captured.err
    assert line in captured.out.splitlines()  # and below the table
    inputs = next(text for text in captured.out.splitlines() if text.startswith("inputs: "))
    assert "your inputs (astro_255.npz); input_1 holds values from 0 to 254, outside" in inputs
    from edgekit.results.bench_result import BenchResult

    document = BenchResult.load(tmp_path / "r.json")
    assert any(w.startswith(PREFIX) for w in document.warnings)
    assert "outside the [0, 1]" in document.runs[0].accuracy.judged_on


@pytest.mark.slow
def test_the_pose_detector_fed_0_1_pixels_warns_that_they_look_scaled_for_another_model(tmp_path, zoo_model):
    zoo_model("blazepose-detector")
    photo = (resize(load_photo("astronaut"), 224, 224) / 255.0).astype(np.float32)[None]
    result = bench("blazepose-detector", inputs={"input_1": photo}, **ONE)
    (warning,) = [w for w in result.warnings if w.startswith(PREFIX)]
    assert "none below 0, where the model expects [-1, 1] (zoo catalog (blazepose-detector))" in warning
