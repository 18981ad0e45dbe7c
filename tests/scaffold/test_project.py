"""scaffold(): destination rules and refusals through the CLI (exit codes, one line, no traceback)."""

from __future__ import annotations

import pytest

from edgekit.cli.main import main
from edgekit.errors import UsageError
from edgekit.scaffold.apps import all_apps, get_app
from edgekit.scaffold.project import scaffold


def test_every_task_is_an_app_on_both_platforms_found_by_its_name():
    apps = all_apps()
    tasks = {app.task.name for app in apps}
    platforms = {app.platform.name for app in apps}
    assert platforms == {"web", "android"} and {"qa", "smart-scroll", "pose", "bodypix"} <= tasks
    pairs = [(app.task.name, app.platform.name) for app in apps]
    assert sorted(pairs) == sorted((task, platform) for task in tasks for platform in platforms)
    for app in apps:
        assert app.name == f"{app.task.name}-{app.platform.name}" and get_app(app.name) == app
    with pytest.raises(UsageError, match="did you mean pose-web"):
        get_app("pose-wb")


def test_non_empty_destination_is_refused_before_any_work(tmp_path):
    out = tmp_path / "app"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="exists and is not empty; .*`force`"):
        scaffold("pose-web", tmp_path / "no-such-model.tflite", out)  # refused before the model is even read
    assert (out / "keep.txt").read_text() == "mine"


def test_cli_list_shows_what_each_app_needs_and_the_zoo_models_that_serve_it(capsys):
    assert main(["scaffold", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 16 and lines[0].startswith("qa-web") and "start/end logits" in lines[0]
    assert "zoo models: none; bring a SQuAD-tuned BERT" in lines[1] and "MobileBERT" in lines[1]
    pose = lines[lines.index(next(line for line in lines if line.startswith("pose-web"))) + 1]
    assert pose.split("zoo models: ")[1] == ("pose-landmark-lite, pose-landmark-full, pose-landmark-heavy, "
                                             "movenet-lightning-tfjs")


@pytest.mark.parametrize("argv, message", [
    (["scaffold", "--app", "qa-web", "--model", "selfie-segmentation-tfjs"],
     "qa-web cannot use selfie-segmentation-tfjs: expected int32 token inputs [1, seq_len] (input_ids, "
     "attention_mask, token_type_ids); found 'input_1' float32 [1, 256, 256, 3]"),
    (["scaffold", "--app", "bodypix-web", "--model", "selfie-segmentation"],
     "bodypix-web cannot use selfie-segmentation: the model uses custom op Convolution2DTransposeBias"),
    (["scaffold", "--app", "pose-web", "--model", "minilm-l6"],
     "pose-web cannot use minilm-l6: expected one image input [1, H, W, 3]; found 3 input(s)"),
    (["scaffold", "--app", "bodypix-android", "--model", "selfie-segmentation-tfjs"],
     "bodypix-android cannot use selfie-segmentation-tfjs: Android apps run .tflite models with LiteRT"),
    (["scaffold", "--app", "pose-web", "--model", "pose-landmark-full", "--keypoints", "33x4"],
     "--keypoints: '33x4': VALUES must be one of 3, 5"),
])
def test_refusals_exit_2_with_one_line(argv, message, tmp_path, capsys, zoo_model):
    for name in ("selfie-segmentation-tfjs", "selfie-segmentation", "minilm-l6", "pose-landmark-full"):
        if name in argv:
            zoo_model(name)
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()  # progress lines ("cached at ...") may come first
    errors = [line for line in lines if line.startswith("edgekit: error: ")]
    assert errors == [lines[-1]] and message in errors[0]
    assert not any("Traceback" in line for line in lines)
    assert not out.exists()


def test_missing_required_option_is_a_usage_error(capsys):
    assert main(["scaffold", "--app", "pose-web"]) == 2
    assert "--model: is required" in capsys.readouterr().err
