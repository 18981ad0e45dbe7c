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
import stat
from pathlib import Path
from xml.etree import ElementTree

import pytest

from edgekit.cli.main import main
from edgekit.scaffold import validate_android, validate_android_code
from edgekit.scaffold.apps import get_app
from edgekit.scaffold.binding import BindOptions
from edgekit.scaffold.contract import load_contract
from edgekit.scaffold.project import scaffold
from edgekit.scaffold.render import templates_dir
from tests.golden_files import GOLDEN_ROOT, assert_matches_golden

pytestmark = pytest.mark.slow

GOLDEN = GOLDEN_ROOT / "android"
ANDROID = "{http://schemas.android.com/apk/res/android}"
CONTRACT = "app/src/main/java/dev/edgekit/app/ModelContract.kt"
#: Files whose every byte is reviewed: what the model binds to, what the build pins, what the user reads.
KEY_FILES = (
    CONTRACT,
    "app/src/main/AndroidManifest.xml",
    "app/build.gradle.kts",
    "gradle/libs.versions.toml",
    "gradle/wrapper/gradle-wrapper.properties",
    "README.md",
)


@pytest.fixture(scope="session")
def projects(tmp_path_factory, zoo_model, qa_model) -> dict[str, Path]:
    """The four Android apps, each scaffolded once from a real model.

    pose-android and bodypix-android ship MediaPipe's own BlazePose person detector
    (pose_detection.tflite, from the zoo): no TensorFlow is needed to make them.
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
def test_app_ships_an_executable_gradlew_and_a_pinned_wrapper(projects, app):
    out = projects[app]
    assert stat.S_IMODE((out / "gradlew").stat().st_mode) == 0o755
    assert (out / "gradlew.bat").read_bytes().startswith(b"@rem ")
    assert not (out / "gradle/wrapper/gradle-wrapper.jar").exists()  # the launchers need none
    properties = (out / "gradle/wrapper/gradle-wrapper.properties").read_text(encoding="utf-8")
    assert "distributionUrl=https\\://services.gradle.org/distributions/gradle-8.11.1-bin.zip\n" in properties
    gradle_sha256 = "f397b287023acdba1e9f6fc5ea72d22dd63669d59ed4a289a29b1a76eee151c6"  # as published
    assert f"distributionSha256Sum={gradle_sha256}\n" in properties


@pytest.mark.parametrize("app", APPS)
def test_rendered_key_files_match_golden(projects, app):
    assert_matches_golden(projects[app], KEY_FILES, GOLDEN / app)


def test_contract_in_kotlin_states_the_models_real_tensors(projects):
    text = (projects["smart-scroll-android"] / CONTRACT).read_text(encoding="utf-8")
    # minilm-l6's signature inputs, in LiteRT's order, with their runtime tensor names.
    assert ('TensorSpec(key = "attention_mask", name = "serving_default_attention_mask:0", position = 0, '
            'shape = listOf(1, 128), dtype = "int32"') in text
    assert (
        'TensorSpec(key = "embedding", name = "StatefulPartitionedCall:0", position = 0, '
        "shape = listOf(1, 384)"
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


def test_bodypix_runs_the_person_detector_and_finds_nobody_on_the_cup_and_the_cat(projects):
    """The presence step: a mask only where MediaPipe's detector finds someone, on the phone as in Python."""
    out = projects["bodypix-android"]
    assert sorted(p.name for p in (out / "app/src/main/assets").iterdir()) == [
        "pose_detection.tflite", "selfie_segmentation.tflite"]
    expected = json.loads((out / "app/src/androidTest/assets/golden/expected.json").read_text())
    people = {image["file"]: image["person"] for image in expected["images"]}
    assert {file: person["present"] for file, person in people.items()} == {
        "input.png": True, "photo-astronaut.png": True, "photo-astronaut-mirrored.png": True,
        "photo-astronaut-small.png": True, "photo-coffee.png": False, "photo-chelsea.png": False}
    assert expected["detector"]["file"] == "pose_detection.tflite"
    assert expected["presence"]["threshold"] == 0.5
    assert expected["tolerance_basis"]["measured"] is False  # no phone here: the floor values, and it says so
    source = out / "app/src/main/java/dev/edgekit/app"
    pipeline = (source / "VisionPipeline.kt").read_text()
    assert "detector.personScore(rgb, Binding.IMAGE_WIDTH, Binding.IMAGE_HEIGHT)" in pipeline
    assert "if (score < DetectorSpec.MIN_SCORE) return FrameResult(score, null)" in pipeline
    assert 'const val FILE = "pose_detection.tflite"' in (source / "DetectorSpec.kt").read_text()
    parity = (out / "app/src/androidTest/java/dev/edgekit/app/ParityTest.kt").read_text()
    assert 'assertNull("$file: a person where edgekit found nobody", result.probability)' in parity


def test_stop_words_match_the_web_apps():
    """The Android smart-scroll app ships the same stop-word list the reference pipeline reads."""
    templates = templates_dir()
    android = (templates / "android/smart-scroll/app/src/main/assets/stopwords.txt").read_bytes()
    assert android == (templates / "web/smart-scroll/src/stopwords.txt").read_bytes()


def _activity_and_view_models(out: Path):
    classes = validate_android_code.read_classes(out)
    return classes["MainActivity"], [c for c in classes.values() if c.name.endswith("ViewModel")], classes


@pytest.mark.parametrize("app", APPS)
def test_no_activity_owns_or_closes_the_model(projects, app):
    """Before review qa closed its model from lifecycleScope in onDestroy (cancelled there: never ran)."""
    activity, _, _ = _activity_and_view_models(projects[app])
    assert "lifecycleScope" not in activity.functions.get("onDestroy", "")
    assert "Executors" not in activity.text and "close()" not in activity.text
    assert "ViewModelProvider(this)" in activity.functions["onCreate"]


@pytest.mark.parametrize("app", APPS)
def test_the_view_model_closes_every_closeable_pipeline_in_on_cleared(projects, app):
    """Before review smart-scroll never closed its pipeline; now one ViewModel base owns and closes it."""
    _, models, classes = _activity_and_view_models(projects[app])
    base = classes["PipelineViewModel"]
    assert base.closeable_type_parameters == ("P",) and base.properties["pipeline"] == "P?"
    cleared = base.functions["onCleared"]
    assert "pipeline?.close()" in cleared and "modelExecutor.shutdown()" in cleared
    assert "viewModelScope" not in cleared
    (own,) = [m for m in models if m.name != "PipelineViewModel"]
    assert own.supertypes == ("PipelineViewModel",)
    pipeline = re.search(r": PipelineViewModel<(\w+)>\(application\)", own.text)
    assert "AutoCloseable" in classes[pipeline.group(1)].supertypes  # VisionPipeline, QaPipeline, ...
    assert validate_android_code.lifecycle_problems(projects[app]) == []


@pytest.mark.parametrize("app", APPS)
def test_every_activity_goes_edge_to_edge_and_pads_for_the_bars(projects, app):
    activity, _, _ = _activity_and_view_models(projects[app])
    on_create = activity.functions["onCreate"]
    assert on_create.index("enableEdgeToEdge()") < on_create.index("setContentView(")
    assert "padForSystemBars(" in on_create
    assert ("keyboard = true" in on_create) == (app == "qa-android")  # the one app with text fields
    assert validate_android_code.insets_problems(projects[app]) == []


def test_smart_scroll_takes_text_shared_from_other_apps(projects):
    for app in APPS:
        manifest = ElementTree.parse(projects[app] / "app/src/main/AndroidManifest.xml").getroot()
        filters = [f for f in manifest.iter("intent-filter")
                   if any(a.get(ANDROID + "name") == "android.intent.action.SEND" for a in f.iter("action"))]
        if app != "smart-scroll-android":
            assert filters == [], app
            continue
        (share,) = filters
        categories = [c.get(ANDROID + "name") for c in share.iter("category")]
        assert categories == ["android.intent.category.DEFAULT"]
        assert [d.get(ANDROID + "mimeType") for d in share.iter("data")] == ["text/plain"]
    activity, _, _ = _activity_and_view_models(projects["smart-scroll-android"])
    assert "readShared(intent)" in activity.functions["onCreate"]
    assert "readShared(intent)" in activity.functions["onNewIntent"]
    assert "pasteFromClipboard()" in activity.functions["onCreate"]
    assert validate_android_code.share_problems(projects["smart-scroll-android"]) == []


def test_the_camera_screen_gives_the_pose_pipeline_whole_frames_and_its_detector(projects):
    """The camera path, not only the parity test, is two-stage for a BlazePose model."""
    source = "app/src/main/java/dev/edgekit/app/"
    view_model = (projects["pose-android"] / source / "VisionViewModel.kt").read_text()
    assert "VisionPipeline.open(getApplication<Application>(), runner)" in view_model
    assert "current.frameRegion(frame.width, frame.height)" in view_model
    assert "current.processFrame(frame, crop)" in view_model and "centerCrop" not in view_model
    pose = (projects["pose-android"] / source / "VisionPipeline.kt").read_text()
    assert "if (detector != null) Rect(0, 0, frameWidth, frameHeight)" in pose
    assert "const val TWO_STAGE = true" in (projects["pose-android"] / source / "PoseStages.kt").read_text()
    for app in ("pose-android", "bodypix-android"):
        pipeline = (projects[app] / source / "VisionPipeline.kt").read_text()
        for member in ("fun open(context: Context, runner: ModelRunner)", "fun frameRegion(",
                       "fun processFrame(frame: Bitmap, region: Rect)"):
            assert member in pipeline, (app, member)


@pytest.mark.parametrize("app", APPS)
def test_tensor_spec_compares_by_value(projects, app):
    text = (projects[app] / CONTRACT).read_text(encoding="utf-8")
    assert "val shape: List<Int>," in text and "intArrayOf" not in text
    assert validate_android_code.data_class_problems(projects[app]) == []


def test_quotes_dollars_and_apostrophes_in_names_survive(zoo_model, tmp_path):
    """A model file named like this broke ModelContract.kt, and the display name broke strings.xml."""
    name = '@Bob\'s "po\\se"$x ${y}.tflite'
    model = tmp_path / "models" / name
    model.parent.mkdir()
    shutil.copyfile(zoo_model("selfie-segmentation"), model)
    out = scaffold("bodypix-android", model, tmp_path / "app", options=BindOptions(normalize=(0.0, 1.0))).out
    assert (out / "app/src/main/assets" / name).is_file()
    assert validate_android.kotlin_problems(out) == []  # scaffold validated it all; this says what it parsed
    text = (out / CONTRACT).read_text(encoding="utf-8")
    for constant in ("MODEL_FILE", "MODEL_NAME"):
        literal = re.search(rf"const val {constant} = (.*)", text).group(1)
        assert validate_android_code.kotlin_string_value(literal) == name
    strings = ElementTree.parse(out / "app/src/main/res/values/strings.xml").getroot()
    info = next(s for s in strings.iter("string") if s.get("name") == "model_info")
    shown = validate_android_code.android_string_value("".join(info.itertext()))
    assert shown == f"{name} · com.google.ai.edge.litert:litert"
    assert validate_android_code.string_resource_problems(out) == []


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
        contract.read_text(encoding="utf-8").replace("listOf(1, 195)", "listOf(1, 99)"),
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


def test_validator_catches_a_compile_sdk_below_core_ktx_minimum(broken_pose):
    script = broken_pose / "app/build.gradle.kts"
    script.write_text(script.read_text(encoding="utf-8").replace("compileSdk = 36", "compileSdk = 35"),
                      encoding="utf-8")
    found = _pose_problems(broken_pose)
    assert ("androidx.core:core-ktx 1.17.0 needs compileSdk 36 or higher (its AAR metadata's minCompileSdk); "
            "app/build.gradle.kts has compileSdk 35") in found
    assert all(" needs compileSdk 36 or higher " in problem for problem in found)


def test_validator_catches_a_library_missing_from_the_minimum_compile_sdk_table(broken_pose):
    catalog = broken_pose / "gradle/libs.versions.toml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace(
        "[plugins]", 'androidx-fragment-ktx = { group = "androidx.fragment", name = "fragment-ktx", '
                     'version.ref = "coreKtx" }\n\n[plugins]'), encoding="utf-8")
    assert _pose_problems(broken_pose) == [
        "libs.versions.toml pins androidx.fragment:fragment-ktx, which edgekit's "
        "data/android_min_compile_sdk.json does not list: add its AAR metadata's minCompileSdk there, "
        "with a source"]


def test_validator_catches_a_missing_or_non_executable_gradlew(broken_pose):
    (broken_pose / "gradlew").chmod(0o644)
    assert _pose_problems(broken_pose) == ["gradlew is not executable (chmod 755 gradlew)"]
    (broken_pose / "gradlew").unlink()
    assert _pose_problems(broken_pose) == ["gradlew is missing: `./gradlew assembleDebug` would not run"]


def test_validator_catches_a_leftover_template_marker(broken_pose):
    readme = broken_pose / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n{{ forgotten }}\n", encoding="utf-8")
    assert _pose_problems(broken_pose) == ["template marker left at README.md:" +
                                           str(len(readme.read_text(encoding="utf-8").splitlines()))]


def test_validator_catches_an_activity_that_is_not_edge_to_edge(broken_pose):
    activity = broken_pose / "app/src/main/java/dev/edgekit/app/MainActivity.kt"
    activity.write_text(activity.read_text(encoding="utf-8").replace("        enableEdgeToEdge()\n", ""),
                        encoding="utf-8")
    assert _pose_problems(broken_pose) == [
        "app/src/main/java/dev/edgekit/app/MainActivity.kt: MainActivity does not call enableEdgeToEdge() "
        "in onCreate"]


def test_validator_catches_a_model_file_name_left_unescaped(broken_pose):
    contract = broken_pose / CONTRACT
    text = contract.read_text(encoding="utf-8")
    contract.write_text(re.sub(r"const val MODEL_FILE = .*", 'const val MODEL_FILE = "po$x.tflite"', text),
                        encoding="utf-8")
    assert _pose_problems(broken_pose) == [
        f"{CONTRACT} MODEL_FILE: '\"po$x.tflite\"' has a string template ($x), not text; escape $ as \\$"]
