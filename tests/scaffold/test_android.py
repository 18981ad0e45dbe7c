"""Android apps: every app scaffolds from a real model, passes static validation, matches its golden files.

No Android SDK or Maven repository is reachable here, so the generated projects are checked the way
``validate_android`` does (Kotlin parsed by tree-sitter, XML, manifest, contract, version catalog);
each check is also shown to fail on a project broken on purpose. Set EDGEKIT_UPDATE_GOLDEN=1 to
rewrite the stored golden files after a reviewed template change.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from edgekit.cli import main
from edgekit.scaffold import validate_android
from edgekit.scaffold.apps import get_app
from edgekit.scaffold.binding import BindOptions
from edgekit.scaffold.contract import load_contract
from edgekit.scaffold.project import scaffold
from edgekit.scaffold.render import templates_dir
from tests.golden_files import GOLDEN_ROOT, assert_matches_golden

pytestmark = pytest.mark.slow

GOLDEN = GOLDEN_ROOT / "android"
CONTRACT = "app/src/main/java/dev/edgekit/app/ModelContract.kt"
#: Files whose every byte is reviewed: what the model binds to, what the build pins, what the user reads.
KEY_FILES = (
    CONTRACT,
    "app/src/main/AndroidManifest.xml",
    "app/build.gradle.kts",
    "gradle/libs.versions.toml",
    "README.md",
)


@pytest.fixture(scope="session")
def projects(tmp_path_factory, zoo_model, qa_model, tfjs_environment) -> dict[str, Path]:
    """The four Android apps, each scaffolded once from a real model.

    pose-android converts the BlazePose person detector (a TF.js graph model) to .tflite, which
    reads the graph through the TF.js converters' environment.
    """
    root = tmp_path_factory.mktemp("android")
    models = {
        "pose-android": (zoo_model("pose-landmark-full"), BindOptions(normalize=(0.0, 1.0), keypoints=(33, 5),
                                                                      output="Identity")),
        "bodypix-android": (zoo_model("selfie-segmentation"), BindOptions(normalize=(0.0, 1.0))),
        "smart-scroll-android": ("minilm-l6", BindOptions()),
        "qa-android": (qa_model, BindOptions()),
    }
    made = {}
    for app, (model, options) in models.items():
        made[app] = scaffold(app, model, root / app, options=options).out
    return made


APPS = ("pose-android", "bodypix-android", "smart-scroll-android", "qa-android")


@pytest.mark.parametrize("app", APPS)
def test_app_scaffolds_and_passes_static_validation(projects, app):
    out = projects[app]
    # The model ModelContract.kt loads (pose-android bundles the person detector beside it).
    model_file = re.search(r'MODEL_FILE = "([^"]+)"', (out / CONTRACT).read_text(encoding="utf-8"))[1]
    contract = load_contract(out / "app/src/main/assets" / model_file)
    assert validate_android.problems(get_app(app), contract, {}, out) == []
    assert (out / "app/src/androidTest/java/dev/edgekit/app/ParityTest.kt").is_file()
    assert (out / "app/src/androidTest/assets/golden/expected.json").is_file()
    sources = {p.name for p in out.rglob("*.kt")}
    assert {"ModelRunner.kt", "ModelContract.kt", "MainActivity.kt", "GoldenFiles.kt"} <= sources


@pytest.mark.parametrize("app", APPS)
def test_rendered_key_files_match_golden(projects, app):
    assert_matches_golden(projects[app], KEY_FILES, GOLDEN / app)


def test_contract_in_kotlin_states_the_models_real_tensors(projects):
    text = (projects["smart-scroll-android"] / CONTRACT).read_text(encoding="utf-8")
    # minilm-l6's signature inputs, in LiteRT's order, with their runtime tensor names.
    assert ('TensorSpec(key = "attention_mask", name = "serving_default_attention_mask:0", position = 0, '
            'shape = intArrayOf(1, 128), dtype = "int32"') in text
    assert (
        'TensorSpec(key = "embedding", name = "StatefulPartitionedCall:0", position = 0, '
        "shape = intArrayOf(1, 384)"
        in text
    )
    assert "val TOKEN_IDS: TensorSpec = ModelContract.INPUTS[1]" in text
    assert "const val EMBEDDING_DIM = 384" in text


def test_pose_binding_reaches_the_kotlin_decoder(projects):
    text = (projects["pose-android"] / CONTRACT).read_text(encoding="utf-8")
    for line in (
        "const val KEYPOINT_COUNT = 33",
        "const val KEYPOINT_STRIDE = 5",
        'KEYPOINT_COORDS = "pixels"',
        'KEYPOINT_SCORE_ACTIVATION = "sigmoid"',
        "const val IMAGE_HEIGHT = 256",
        "const val NORMALIZE_LOW = 0.0f",
    ):
        assert line in text
    expected = json.loads(
        (projects["pose-android"] / "app/src/androidTest/assets/golden/expected.json").read_text()
    )
    assert expected["output"]["key"] == "Identity" and len(expected["keypoints"]) == 33


def test_camera_permission_only_where_the_camera_is_used(projects):
    for app in APPS:
        manifest = (projects[app] / "app/src/main/AndroidManifest.xml").read_text(encoding="utf-8")
        assert ("android.permission.CAMERA" in manifest) == (app in ("pose-android", "bodypix-android")), app


def test_selfie_segmentation_runs_on_android_through_xnnpack(projects):
    """Its MediaPipe custom op is refused on the web but LiteRT's CPU accelerator (XNNPACK) implements it."""
    out = projects["bodypix-android"]
    assert (out / "app/src/main/assets/selfie_segmentation.tflite").is_file()
    expected = json.loads((out / "app/src/androidTest/assets/golden/expected.json").read_text())
    assert 0.05 < expected["foreground"] < 0.6  # the golden figure is found: the op ran


def test_stop_words_match_the_web_apps():
    """The Android smart-scroll app ships the same stop-word list the reference pipeline reads."""
    templates = templates_dir()
    android = (templates / "android/smart-scroll/app/src/main/assets/stopwords.txt").read_bytes()
    assert android == (templates / "web/smart-scroll/src/stopwords.txt").read_bytes()


# --- refusals ------------------------------------------------------------------------------------


def test_graph_model_is_refused_for_android_with_exit_2(tmp_path, capsys):
    code = main(
        [
            "scaffold",
            "--app",
            "pose-android",
            "--model",
            "movenet-lightning-tfjs",
            "--out",
            str(tmp_path / "x"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert (
        "pose-android cannot use movenet-lightning-tfjs: Android apps run .tflite models with LiteRT" in err
    )
    assert not (tmp_path / "x").exists()


def test_existing_directory_is_not_overwritten_without_force(tmp_path, capsys):
    out = tmp_path / "app"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    code = main(["scaffold", "--app", "pose-android", "--model", "pose-landmark-lite", "--out", str(out)])
    assert code == 2 and "exists and is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert main(["scaffold", "--app", "pose-android", "--model", "pose-landmark-lite",
                 "--out", str(out), "--force"]) == 0
    assert (out / "keep.txt").read_text() == "mine" and (out / CONTRACT).is_file()


def test_text_model_is_refused_for_the_camera_app(tmp_path, capsys):
    code = main(
        ["scaffold", "--app", "bodypix-android", "--model", "minilm-l6", "--out", str(tmp_path / "x")]
    )
    assert code == 2
    assert "bodypix-android cannot use minilm-l6: expected one image input" in capsys.readouterr().err


# --- the validator fails on broken projects -------------------------------------------------------


@pytest.fixture()
def broken_pose(projects, tmp_path) -> Path:
    """A copy of the pose project to break."""
    copy = tmp_path / "pose"
    shutil.copytree(projects["pose-android"], copy)
    return copy


def _pose_problems(root: Path) -> list[str]:
    contract = load_contract(root / "app/src/main/assets/pose_landmark_full.tflite")  # beside the detector
    return validate_android.problems(get_app("pose-android"), contract, {}, root)


def test_validator_catches_a_broken_kotlin_file(broken_pose):
    source = broken_pose / "app/src/main/java/dev/edgekit/app/VisionPipeline.kt"
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace(
            "fun decode(values: FloatArray): FrameResult = List(",
            "fun decode(values: FloatArray): FrameResult = List((",
            1,
        ),
        encoding="utf-8",
    )
    found = _pose_problems(broken_pose)
    assert len(found) == 1 and found[0].startswith("app/src/main/java/dev/edgekit/app/VisionPipeline.kt:")
    assert "Kotlin does not parse" in found[0]


def test_validator_catches_a_broken_gradle_script(broken_pose):
    script = broken_pose / "app/build.gradle.kts"
    script.write_text(script.read_text(encoding="utf-8").replace("androidResources {", "androidResources {{"),
                      encoding="utf-8")
    assert any(p.startswith("app/build.gradle.kts:") for p in _pose_problems(broken_pose))


def test_validator_catches_a_missing_camera_permission(broken_pose):
    manifest = broken_pose / "app/src/main/AndroidManifest.xml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        '<uses-permission android:name="android.permission.CAMERA" />', ""), encoding="utf-8")
    assert _pose_problems(broken_pose) == [
        "AndroidManifest.xml does not declare android.permission.CAMERA, which the camera app needs"]


def test_validator_catches_malformed_xml(broken_pose):
    layout = broken_pose / "app/src/main/res/layout/activity_main.xml"
    layout.write_text(layout.read_text(encoding="utf-8").replace("</FrameLayout>", ""), encoding="utf-8")
    found = _pose_problems(broken_pose)
    assert len(found) == 1 and found[0].startswith(
        "app/src/main/res/layout/activity_main.xml is not well-formed XML"
    )


def test_validator_catches_a_contract_that_disagrees_with_the_model(broken_pose):
    contract = broken_pose / CONTRACT
    contract.write_text(
        contract.read_text(encoding="utf-8").replace("intArrayOf(1, 195)", "intArrayOf(1, 99)"),
        encoding="utf-8",
    )
    assert _pose_problems(broken_pose) == [
        f"{CONTRACT} output 'Identity': shape is [1, 99] in the code, [1, 195] in the model"]


def test_validator_catches_an_old_target_sdk_and_an_unpinned_litert(broken_pose):
    script = broken_pose / "app/build.gradle.kts"
    script.write_text(
        script.read_text(encoding="utf-8").replace("targetSdk = 35", "targetSdk = 34"), encoding="utf-8"
    )
    catalog = broken_pose / "gradle/libs.versions.toml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace('litert = "2.1.5"', 'litert = "2.+"'),
                       encoding="utf-8")
    assert _pose_problems(broken_pose) == [
        "libs.versions.toml pins litert to '2.+', not an exact version",
        "app/build.gradle.kts targetSdk is 34; it must be 35 or higher"]


def test_validator_catches_a_leftover_template_marker(broken_pose):
    readme = broken_pose / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n{{ forgotten }}\n", encoding="utf-8")
    assert _pose_problems(broken_pose) == ["template marker left at README.md:" +
                                           str(len(readme.read_text(encoding="utf-8").splitlines()))]
