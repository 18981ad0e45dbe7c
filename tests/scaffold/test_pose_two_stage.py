"""The two-stage BlazePose math (edgekit.scaffold.golden.pose_two_stage) against hand-computed numbers,
and the reason it exists: on a small, off-centre figure the landmark model fed the whole frame
misses the figure, and the two-stage pipeline does not; on the photographs it finds the astronaut
(whole, mirrored, small) and nobody on the coffee cup and the cat, with either detector.

Running the web's detector needs TensorFlow for its TF.js graph, so the whole-pipeline tests are
slow; the centre-crop counter-example runs the .tflite only and is quick.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from edgekit.inputs.photos import person_points
from edgekit.inputs.scenes import SCENES, draw_scene
from edgekit.scaffold.golden import pose_two_stage as ts
from edgekit.scaffold.golden import vision_pose
from edgekit.scaffold.golden.person_detector import DETECTOR_MODELS, detector_runner, person_score
from edgekit.scaffold.golden.pose_golden_two_stage import (
    IMAGES,
    PHOTO_RADIUS,
    figure_box,
    figure_points,
    keypoints_off_figure,
    keypoints_off_person,
    pipeline_runners,
    platform_of,
)
from edgekit.scaffold.golden.run import run_model
from edgekit.scaffold.golden.vision_image import preprocess
from edgekit.scaffold.project import bind_app


def test_anchors_follow_the_pose_detector_layout():
    anchors = ts.ssd_anchors()
    assert anchors.shape == (2254, 2)  # 28*28*2 + 14*14*2 + 7*7*6, as the detector's output
    assert anchors[0].tolist() == anchors[1].tolist() == [0.5 / 28, 0.5 / 28]
    assert anchors[2].tolist() == [1.5 / 28, 0.5 / 28]  # x runs fastest
    assert anchors[1568].tolist() == [0.5 / 14, 0.5 / 14]  # the stride-16 map starts after 28*28*2
    assert anchors[1960:1966].tolist() == [[0.5 / 7, 0.5 / 7]] * 6  # three stride-32 layers share a cell
    assert anchors[-1].tolist() == [6.5 / 7, 6.5 / 7]


def test_best_detection_decodes_offsets_from_the_anchor_centre():
    anchors = ts.ssd_anchors()
    raw = np.zeros((2254, 13))
    raw[:, 0] = -10.0
    raw[1000, 0] = 2.0  # anchor 1000: the stride-8 map's cell 500 -> row 17, col 24
    raw[1000, 1:5] = [22.4, -11.2, 44.8, 89.6]  # centre offset (0.1, -0.05), size (0.2, 0.4) of 224
    raw[1000, 5:7] = [0.0, 22.4]  # keypoint 0: the anchor centre moved 0.1 down
    letterbox = ts.letterbox_region(224, 224)
    detection = ts.decode_best_detection(raw, anchors, letterbox, 224, 224)
    assert detection is not None and detection.anchor == 1000
    assert detection.score == pytest.approx(1 / (1 + math.exp(-2.0)))
    ax, ay = 24.5 / 28, 17.5 / 28
    assert detection.box == pytest.approx((ax + 0.1 - 0.1, ay - 0.05 - 0.2, ax + 0.1 + 0.1, ay - 0.05 + 0.2))
    assert detection.keypoints[0] == pytest.approx((ax, ay + 0.1))
    raw[1000, 0] = -1.0  # below 0.5 after the sigmoid: nobody
    assert ts.decode_best_detection(raw, anchors, letterbox, 224, 224) is None


def test_letterbox_maps_detector_fractions_onto_a_wide_frame():
    letterbox = ts.letterbox_region(400, 200)  # the square is 400 px: 100 px of padding above and below
    assert letterbox == ts.Region(0.5, 0.5, 1.0, 2.0, 0.0)
    corners = ts.project([(0.5, 0.25), (0.0, 0.5)], letterbox, 400, 200)
    assert np.allclose(corners, [(0.5, 0.0), (0.0, 0.5)])


def test_alignment_region_is_centred_scaled_and_turned_upright():
    # Scale point straight above the centre, 25 px away on a 200 x 100 frame: no rotation.
    region = ts.alignment_region((0.5, 0.5), (0.5, 0.25), 200, 100)
    assert region.to_list() == pytest.approx([0.5, 0.5, 62.5 / 200, 62.5 / 100, 0.0])  # 25 * 2 * 1.25
    # Scale point to the right: the body lies along +x, the crop turns a quarter clockwise.
    assert ts.alignment_region((0.5, 0.5), (0.6, 0.5), 100, 100).rotation == pytest.approx(math.pi / 2)
    # Scale point below: upside down, normalised into [-pi, pi).
    assert ts.alignment_region((0.5, 0.5), (0.5, 0.7), 100, 100).rotation == pytest.approx(-math.pi)


def test_crop_of_the_whole_square_frame_at_its_size_is_the_frame():
    rgb = draw_scene(SCENES[0], 64, 64)
    out = ts.crop(rgb, ts.letterbox_region(64, 64), 64, 64)
    assert np.allclose(out, rgb, atol=1e-9)


def test_crop_and_project_agree_on_a_rotated_region():
    rgb = np.zeros((100, 120, 3), dtype=np.uint8)
    rgb[30, 80] = 255  # one bright pixel at (80.5, 30.5) in pixel-centre coordinates
    region = ts.Region(70 / 120, 40 / 100, 40 / 120, 40 / 100, 0.6)
    out = ts.crop(rgb, region, 41, 41)[..., 0]
    v, u = np.unravel_index(int(np.argmax(out)), out.shape)
    (x, y), = ts.project([((u + 0.5) / 41, (v + 0.5) / 41)], region, 120, 100)
    assert abs(x * 120 - 80.5) <= 1.0 and abs(y * 100 - 30.5) <= 1.0
    outside = ts.crop(rgb + 255, ts.Region(0.5, 0.5, 3.0, 3.0, 0.0), 30, 30)
    assert outside[0, 0].tolist() == [0.0, 0.0, 0.0] and outside[15, 15].tolist() == [255.0, 255.0, 255.0]


def test_figure_box_and_points_follow_the_scene():
    # The figure spans x 0.1925..0.8075 (hands) and y 0.08..0.96 (hair to feet) of its own frame.
    assert figure_box(SCENES[1], 256, 256) == pytest.approx([0.3 - 0.3075 * 0.4, 0.62 - 0.42 * 0.4,
                                                             0.3 + 0.3075 * 0.4, 0.62 + 0.46 * 0.4], abs=0.01)
    assert figure_points(SCENES[1])["0"] == pytest.approx([0.3, 0.62 - 0.325 * 0.4])


def test_platform_is_read_from_the_golden_folder(tmp_path):
    assert platform_of(tmp_path / "project/public/golden").name == "web"
    assert platform_of(tmp_path / "p/app/src/androidTest/assets/golden").name == "android"
    with pytest.raises(ValueError, match="no platform's golden folder"):
        platform_of(tmp_path / "golden")


@pytest.fixture(scope="module")
def landmark_model(zoo_model):
    zoo_model("pose-landmark-full")
    _app, contract, _runtime, binding = bind_app("pose-web", "pose-landmark-full")
    return contract, binding


def _figure_frame(scene):
    return {"figure_box": figure_box(scene, 256, 256), "figure_points": figure_points(scene),
            "figure_radius": 0.08 * scene.people[0][2], "figure_margin": 0.03}


def test_the_whole_frame_fed_to_the_landmark_model_misses_the_off_centre_figure(landmark_model):
    contract, binding = landmark_model
    image, keypoints = binding["image"], binding["keypoints"]
    assert vision_pose.uses_two_stages(contract, binding)
    rgb = draw_scene(SCENES[1], 256, 256)
    output = run_model(contract, {image.tensor.key: preprocess(rgb, image)})[keypoints.tensor.key]
    rows = vision_pose.decode_keypoints(output, keypoints, image)
    problems = keypoints_off_figure(rows, _figure_frame(SCENES[1]))
    assert len(problems) >= 3, problems  # measured: 10 (hand and feet off the box; shoulders, hips far off)


@pytest.mark.slow
@pytest.mark.parametrize("platform", ["web", "android"])
def test_two_stage_keypoints_land_on_the_person_and_nobody_is_found_where_nobody_is(landmark_model, platform):
    from edgekit.scaffold.contract import load_contract

    contract, binding = landmark_model
    image = binding["image"]
    detect, landmarks = pipeline_runners(contract, binding, load_contract(DETECTOR_MODELS[platform]))
    for golden_image in IMAGES:
        rgb = golden_image.render(256, 256)
        first = ts.run_frame(rgb, None, detect, landmarks, image.normalize)
        second = ts.run_frame(rgb, first.next_region, detect, landmarks, image.normalize)
        where = golden_image.file
        if not golden_image.people:  # the coffee cup and the cat
            assert first.detection is None and second.detection is None, where
            assert person_score(rgb, detect) < 0.5, where
            continue
        assert first.stage == "detect" and first.detection is not None and first.detection.score > 0.8, where
        assert second.stage == "track" and second.detection is None and second.presence > 0.9, where
        for frame in (first, second):
            if golden_image.drawn is not None:
                assert keypoints_off_figure(frame.keypoints, _figure_frame(golden_image.drawn)) == [], where
            else:
                points = person_points(golden_image.photo, 256, 256)
                check = {"person_points": {str(k): list(v) for k, v in points.items()},
                         "person_radius": PHOTO_RADIUS}
                assert keypoints_off_person(frame.keypoints, check) == [], where


@pytest.mark.slow
def test_both_detectors_agree_on_who_is_there(zoo_model):
    from edgekit.scaffold.contract import load_contract

    for name in DETECTOR_MODELS.values():
        zoo_model(name)
    web, android = (detector_runner(load_contract(DETECTOR_MODELS[p])) for p in ("web", "android"))
    for golden_image in IMAGES:
        rgb = golden_image.render(256, 256)
        scores = [person_score(rgb, detect) for detect in (web, android)]
        assert all((s >= 0.5) == bool(golden_image.people) for s in scores), (golden_image.file, scores)


@pytest.fixture(scope="module")
def android_project(tmp_path_factory, landmark_model):
    from edgekit.scaffold.project import scaffold

    return scaffold("pose-android", "pose-landmark-full", tmp_path_factory.mktemp("android") / "pose").out


@pytest.mark.slow
def test_android_app_gets_mediapipes_detector_tflite_and_checks_both_stages(android_project):
    out = android_project
    assets = out / "app/src/main/assets"
    assert sorted(p.name for p in assets.iterdir()) == ["pose_detection.tflite", "pose_landmark_full.tflite"]
    expected = json.loads((out / "app/src/androidTest/assets/golden/expected.json").read_text())
    assert expected["pipeline"] == "two-stage" and expected["detector"]["file"] == "pose_detection.tflite"
    assert expected["detector"]["model"] == "blazepose-detector"  # MediaPipe's file: no TensorFlow needed
    files = [image.file for image in IMAGES]
    assert [(f["image"], f["stage"]) for f in expected["frames"]] == [
        (file, stage) for file in files for stage in (("detect", "track") if "coffee" not in file and
                                                      "chelsea" not in file else ("detect", "detect"))]
    for frame in expected["frames"]:  # from MediaPipe's .tflite detector, which is what the phone runs
        if "figure_box" in frame:
            assert keypoints_off_figure(frame["keypoints"], frame) == []
        if "person_points" in frame:
            assert keypoints_off_person(frame["keypoints"], frame) == []
    source = out / "app/src/main/java/dev/edgekit/app"
    stages = (source / "PoseStages.kt").read_text()
    assert "const val TWO_STAGE = true" in stages and "const val PRESENCE_OUTPUT = 1" in stages
    spec = (source / "DetectorSpec.kt").read_text()
    for line in ('const val FILE = "pose_detection.tflite"', "const val VALUES = 13",
                 "val STRIDES = intArrayOf(8, 16, 32, 32, 32)"):
        assert line in spec
    parity = (out / "app/src/androidTest/java/dev/edgekit/app/ParityTest.kt").read_text()
    assert "PersonDetector.open(GoldenFiles.appContext)" in parity and "checkOnFigure(where" in parity
    assert "checkOnPerson(where" in parity
    pipeline = (source / "VisionPipeline.kt").read_text()
    assert "private val detector: PersonDetector? = null" in pipeline
    assert "fun open(context: Context" in pipeline


@pytest.mark.slow
def test_kotlin_two_stage_math_computes_what_python_computes(android_project, landmark_model, tmp_path):
    """The generated TwoStage.kt, compiled with kotlinc, against pose_two_stage on the off-centre figure."""
    if shutil.which("kotlinc") is None or shutil.which("java") is None:
        pytest.skip("kotlinc and java run the generated Kotlin here (Debian: apt-get install kotlin)")
    from edgekit.scaffold.contract import load_contract

    contract, binding = landmark_model
    source = android_project / "app/src/main/java/dev/edgekit/app"
    detector = load_contract(android_project / "app/src/main/assets/pose_detection.tflite")
    rgb = draw_scene(SCENES[1], 256, 256)
    (tmp_path / "size.txt").write_text("256 256")
    rgb.tofile(tmp_path / "rgb.bin")
    letterbox = ts.letterbox_region(256, 256)
    detector_input = ts.normalize(ts.crop(rgb, letterbox, 224, 224), -1.0, 1.0)
    raw_outputs = run_model(detector, {detector.inputs[0].key: detector_input})
    widths = {tensor.key: tensor.shape[-1] for tensor in detector.outputs}
    for key, value in raw_outputs.items():  # MediaPipe's two outputs, as the phone reads them
        name = "scores" if widths[key] == 1 else "boxes"
        np.asarray(value, dtype=np.float32).tofile(tmp_path / f"detector_{name}.bin")
    detector_output = detector_runner(detector)(detector_input).astype(np.float32)  # rows: score first
    detection = ts.decode_best_detection(detector_output, ts.ssd_anchors(), letterbox, 256, 256)
    assert detection is not None
    region = ts.alignment_region(detection.keypoints[0], detection.keypoints[1], 256, 256)
    landmark_input = ts.normalize(ts.crop(rgb, region, 256, 256), 0.0, 1.0)
    landmarks = run_model(contract, {"input_1": landmark_input})["Identity"].astype(np.float32).reshape(-1)
    landmarks.tofile(tmp_path / "landmark_output.bin")
    crop_points = [(float(row[0]) / 256, float(row[1]) / 256) for row in landmarks.reshape(39, 5)]
    points = ts.project(crop_points, region, 256, 256)
    following = ts.alignment_region(points[ts.AUX_HIPS], points[ts.AUX_SCALE], 256, 256)

    jar = tmp_path / "check.jar"
    sources = [source / "PoseStages.kt", source / "DetectorSpec.kt", source / "TwoStage.kt",
               Path(__file__).parent / "kotlin" / "TwoStageCheck.kt"]
    subprocess.run(["kotlinc", *map(str, sources), "-include-runtime", "-d", str(jar)], check=True,
                   capture_output=True, timeout=600)
    subprocess.run(["java", "-jar", str(jar), str(tmp_path)], check=True, capture_output=True, timeout=120)
    kotlin = {line.split()[0]: [float(v) for v in line.split()[1:]]
              for line in (tmp_path / "kt.txt").read_text().splitlines()}
    # Bit for bit: the crop is the same double-precision arithmetic in the same order.
    for name, python in (("detector", detector_input), ("landmark", landmark_input)):
        kotlin_input = np.fromfile(tmp_path / f"kt_{name}_input.bin", dtype=np.float32)
        assert np.array_equal(kotlin_input, python.ravel()), name
    assert kotlin["anchor"] == [detection.anchor]
    assert kotlin["score"] == pytest.approx([detection.score], abs=1e-12)
    assert kotlin["best_score"] == pytest.approx([person_score(rgb, detector_runner(detector))], abs=1e-12)
    assert kotlin["box"] == pytest.approx(list(detection.box), abs=1e-12)
    flat_keypoints = [v for point in detection.keypoints for v in point]
    assert kotlin["keypoints"] == pytest.approx(flat_keypoints, abs=1e-12)
    assert kotlin["region"] == pytest.approx(region.to_list(), abs=1e-12)
    assert kotlin["points"] == pytest.approx([v for point in points for v in point], abs=1e-12)
    assert kotlin["next"] == pytest.approx(following.to_list(), abs=1e-12)
