"""Web vision apps (pose-web, bodypix-web): golden computation, rendered files, and real browser runs.

The reference decoding in ``edgekit.scaffold.golden.vision_*`` is checked against numbers worked
out by hand; the rendered key files of one binding per app against stored golden files (set
EDGEKIT_UPDATE_GOLDEN=1 to rewrite them after a reviewed template change); and, marked slow, each
app is installed, built and run in headless Chromium, where its own pipeline must reproduce the
golden vectors — and must fail once the golden vectors are wrong. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from edgekit.model.contract import TensorInfo
from edgekit.scaffold.binding import ImageInput, KeypointOutput, MaskOutput
from edgekit.scaffold.golden import vision_image, vision_mask, vision_pose
from edgekit.scaffold.golden.pose_golden_two_stage import keypoints_off_figure, keypoints_off_person
from edgekit.scaffold.project import scaffold
from tests.golden_files import GOLDEN_ROOT, assert_matches_golden
from tests.scaffold import parity_measure
from tests.scaffold.webproject import ARTIFACTS, run_web_project, web_tools_missing

GOLDEN = GOLDEN_ROOT / "web"
#: Files whose every byte is reviewed: what the model binds to, what the build pins, how it is served
#: and tested.
KEY_FILES = (
    "package.json",
    "src/contract.ts",
    "index.html",
    "vite.config.ts",
    "playwright.config.ts",
    "README.md",
    ".gitignore",
)
_VERSION = re.compile(r"edgekit \d+\.\d+\.\d+(?:[-+][0-9A-Za-z.]+)?")


def _tensor(key: str, shape: tuple[int, ...], dtype: str = "float32") -> TensorInfo:
    return TensorInfo(0, f"{key}:0", shape, shape, dtype, None, key=key, position=0)


def _image(height: int = 256, width: int = 256, normalize=(0.0, 1.0), dtype: str = "float32") -> ImageInput:
    return ImageInput(
        tensor=_tensor("image", (1, height, width, 3), dtype),
        height=height,
        width=width,
        channels=3,
        normalize=normalize,
    )


def _keypoints(count: int, stride: int) -> KeypointOutput:
    fields = {3: ("y", "x", "score"), 5: ("x", "y", "z", "visibility", "presence")}[stride]
    return KeypointOutput(
        tensor=_tensor("kp", (1, count * stride)),
        count=count,
        stride=stride,
        fields=fields,
        coords="normalized" if stride == 3 else "pixels",
        score_field="score" if stride == 3 else "visibility",
        score_activation="none" if stride == 3 else "sigmoid",
        skeleton=(),
    )


def _mask(height: int, width: int, channels: int, activation: str) -> MaskOutput:
    return MaskOutput(tensor=_tensor("mask", (1, height, width, channels)), height=height, width=width,
                      channels=channels, person_channel=channels - 1, activation=activation)


# --- reference decoding, against hand-computed numbers ------------------------------------------


def test_movenet_rows_are_y_x_score_already_normalised():
    output = np.array([[[[0.25, 0.5, 0.9], [0.75, 0.125, 0.1]]]], dtype=np.float32)
    rows = vision_pose.decode_keypoints(output, _keypoints(2, 3), _image(192, 192, None, "int32"))
    assert rows == [[0.5, 0.25, pytest.approx(0.9)], [0.125, 0.75, pytest.approx(0.1)]]


def test_blazepose_rows_are_input_pixels_and_visibility_logits():
    # x = 64 px of 256 wide, y = 128 px of 256 high; visibility logit ln 3 -> sigmoid 3/4, 0 -> 1/2.
    values = [64.0, 128.0, -5.0, math.log(3), 9.0, 256.0, 0.0, 1.0, 0.0, 9.0]
    rows = vision_pose.decode_keypoints(np.array(values), _keypoints(2, 5), _image(256, 128))
    assert rows[0] == [pytest.approx(0.5), pytest.approx(0.5), pytest.approx(0.75)]
    assert rows[1] == [pytest.approx(2.0), 0.0, pytest.approx(0.5)]


def test_only_the_first_count_keypoints_are_decoded_and_short_outputs_are_refused():
    values = np.arange(39 * 5, dtype=np.float64)  # pose_landmark: 39 rows, the first 33 are the body
    assert len(vision_pose.decode_keypoints(values, _keypoints(33, 5), _image())) == 33
    with pytest.raises(ValueError, match="has 6 values; 3 keypoints of 3 need 9"):
        vision_pose.decode_keypoints(np.zeros(6), _keypoints(3, 3), _image())


def test_person_probability_applies_the_bound_activation():
    logits = np.array([0.0, math.log(3), -math.log(3), 2.0]).reshape(1, 2, 2, 1)
    sigmoid = vision_mask.person_probability(logits, _mask(2, 2, 1, "sigmoid"))
    np.testing.assert_allclose(sigmoid, [[0.5, 0.75], [0.25, 1 / (1 + math.exp(-2))]])
    # Two channels (background, person): softmax [0, ln 3] gives P(person) = 3 / (1 + 3).
    two = np.array([0.0, math.log(3), 5.0, 5.0]).reshape(1, 1, 2, 2)
    np.testing.assert_allclose(vision_mask.person_probability(two, _mask(1, 2, 2, "softmax")), [[0.75, 0.5]])
    np.testing.assert_array_equal(
        vision_mask.person_probability(np.full((1, 2, 2, 1), 0.3), _mask(2, 2, 1, "none")),
        np.full((2, 2), 0.3),
    )


def test_pool_mask_uses_floor_block_edges():
    probability = np.arange(16, dtype=np.float64).reshape(4, 4)
    np.testing.assert_allclose(vision_mask.pool_mask(probability, 2, 2), [[2.5, 4.5], [10.5, 12.5]])
    # 3 into 2 blocks: edges 0, floor(1.5) = 1, 3 -> rows (and columns) {0} and {1, 2}.
    three = np.array([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(vision_mask.pool_mask(three, 2, 2), [[1.0, 4.0], [1.0, 2.5]])


def test_pack_bits_is_msb_first_and_zero_padded():
    probability = np.array([0.9, 0.1, 0.5, 0.7, 0.0, 0.2, 0.3, 0.4, 0.6])  # >= 0.5: 1 0 1 1 0 0 0 0 | 1
    assert base64.b64decode(vision_mask.pack_bits(probability)) == bytes([0b10110000, 0b10000000])


def test_summarize_mask_of_a_half_covered_map():
    probability = np.zeros((64, 64))
    probability[:, :32] = 1.0
    summary = vision_mask.summarize_mask(probability)
    assert summary["mean"] == 0.5 and summary["foreground"] == 0.5
    assert summary["pooled"]["rows"] == 32 and summary["pooled"]["values"][:17] == [1.0] * 16 + [0.0]


def test_preprocess_maps_pixels_onto_the_bound_range():
    rgb = np.array([[[0, 51, 255]]], dtype=np.uint8)
    np.testing.assert_allclose(
        vision_image.preprocess(rgb, _image(1, 1, (-1.0, 1.0)))[0, 0, 0], [-1.0, -0.6, 1.0], rtol=1e-6
    )
    raw = vision_image.preprocess(rgb, _image(1, 1, None, "int32"))
    assert raw.dtype == np.int32 and raw.tolist() == [[[[0, 51, 255]]]]
    with pytest.raises(ValueError, match="the model takes 2 x 2 x 3"):
        vision_image.preprocess(rgb, _image(2, 2))


def test_png_round_trips_and_the_test_image_is_deterministic(tmp_path):
    first, second = vision_image.synthetic_person(192, 160), vision_image.synthetic_person(192, 160)
    assert first.shape == (192, 160, 3) and np.array_equal(first, second)
    assert (
        len({tuple(c) for c in first.reshape(-1, 3)}) == 6
    )  # background, stripes, skin, shirt, trousers, hair
    vision_image.write_png(tmp_path / "x.png", first)
    assert np.array_equal(vision_image.read_png(tmp_path / "x.png"), first)
    assert (tmp_path / "x.png").read_bytes()[12:16] == b"IHDR"


# --- scaffolded projects (real models) ----------------------------------------------------------


@pytest.fixture(scope="module")
def projects(tmp_path_factory, zoo_model) -> dict[str, Path]:
    """name -> a freshly scaffolded project; built lazily (golden vectors take seconds)."""
    root = tmp_path_factory.mktemp("web-vision")
    models = {
        "pose-full": ("pose-web", "pose-landmark-full"),
        "pose-movenet": ("pose-web", "movenet-lightning-tfjs"),
        "bodypix-selfie": ("bodypix-web", "selfie-segmentation-tfjs"),
    }

    class Lazy(dict):
        def __missing__(self, name: str) -> Path:
            app, model = models[name]
            zoo_model(model)
            self[name] = scaffold(app, model, root / name).out
            return self[name]

    return Lazy()


def test_pose_golden_vectors_find_the_figure(projects):
    out = projects["pose-full"]
    expected = json.loads((out / "public/golden/expected.json").read_text())
    assert expected["output"] == {"key": "Identity", "presence_key": "Identity_1", "count": 33, "stride": 5,
                                  "x_index": 0, "y_index": 1, "score_index": 3, "coords": "pixels",
                                  "score_activation": "sigmoid"}
    assert len(expected["raw"]) == 165 and len(expected["keypoints"]) == 33
    nose, left_ankle, right_ankle = (
        expected["keypoints"][0],
        expected["keypoints"][27],
        expected["keypoints"][28],
    )
    # The figure's face is centred at (0.5, 0.175) of the image, its feet near y = 0.9.
    assert abs(nose[0] - 0.5) < 0.05 and abs(nose[1] - 0.175) < 0.05 and nose[2] > 0.9
    assert left_ankle[1] > 0.8 and right_ankle[1] > 0.8
    # Two stages: the detector's region, not the whole frame, is what the landmark model sees.
    assert expected["pipeline"] == "two-stage" and expected["detector"]["model"] == "blazepose-detector-tfjs"
    assert sorted(p.name for p in (out / "public/model").iterdir()) == [
        "blazepose-detector.bin", "blazepose-detector.json", "pose_landmark_full.tflite"]
    frames = expected["frames"]
    nobody = ("photo-coffee.png", "photo-chelsea.png")
    assert [(f["image"], f["stage"]) for f in frames] == [
        (image["file"], stage) for image in expected["images"]
        for stage in (("detect", "detect") if image["file"] in nobody else ("detect", "track"))]
    assert [image["file"] for image in expected["images"]] == [
        "input.png", "input-offcentre.png", "photo-astronaut.png", "photo-astronaut-mirrored.png",
        "photo-astronaut-small.png", *nobody]
    assert frames[0]["keypoints"] == expected["keypoints"] and frames[0]["raw"] == expected["raw"]
    for image in expected["images"]:
        assert (out / "public/golden" / image["file"]).is_file()
    for frame in frames:
        if frame["image"] in nobody:  # the detector finds nobody on the coffee cup and the cat
            assert frame["detection"] is None and frame["region"] is None and frame["keypoints"] == []
            continue
        if "figure_box" in frame:
            assert keypoints_off_figure(frame["keypoints"], frame) == [], frame["image"]
        else:
            assert keypoints_off_person(frame["keypoints"], frame) == [], frame["image"]
        assert frame["presence"] > 0.9 and frame["next_region"] is not None
        assert (frame["detection"] is None) == (frame["stage"] == "track")
    # The tolerances come with what they rest on: measured in Chromium on rotated and scaled photos.
    assert expected["tolerance_basis"]["measured"] is True and expected["tolerance"]["raw"] < 0.1
    # The region's crop pixels are not the frame's: landmark x = region centre + rotated offset.
    region = frames[0]["region"]
    x, y = frames[0]["raw"][0] / 256 - 0.5, frames[0]["raw"][1] / 256 - 0.5
    c, s = math.cos(region[4]), math.sin(region[4])
    assert nose[0] == pytest.approx(region[0] + (x * c - y * s) * region[2])
    assert nose[1] == pytest.approx(region[1] + (x * s + y * c) * region[3])
    assert nose[2] == pytest.approx(1 / (1 + math.exp(-frames[0]["raw"][3])))


def test_bodypix_golden_mask_covers_the_figure_only(projects):
    out = projects["bodypix-selfie"]
    golden = out / "public/golden/expected.json"
    assert golden.stat().st_size < 300_000
    expected = json.loads(golden.read_text())
    assert expected["output"]["activation"] == "none"  # the graph ends in a Sigmoid
    assert 0.1 < expected["foreground"] < 0.35 and abs(expected["mean"] - expected["foreground"]) < 0.05
    grid = np.array(expected["pooled"]["values"]).reshape(32, 32)
    assert grid[12, 16] > 0.9  # the shirt at y ~ 0.4, x = 0.5
    assert grid[1, 1] < 0.05 and grid[30, 30] < 0.05  # background corners
    bits = np.unpackbits(np.frombuffer(base64.b64decode(expected["binary"]["bits"]), dtype=np.uint8))[
        : 256 * 256
    ]
    assert bits.mean() == pytest.approx(expected["foreground"])
    # The person detector decides whether there is anyone to segment: the astronaut yes, in every
    # framing; the coffee cup and the cat no, although the segmenter alone marks 94 % of the cat.
    people = {image["file"]: image for image in expected["images"]}
    assert expected["presence"]["threshold"] == 0.5
    assert expected["detector"]["model"] == "blazepose-detector-tfjs"
    astronauts = ("photo-astronaut.png", "photo-astronaut-mirrored.png", "photo-astronaut-small.png")
    for file in ("input.png", *astronauts):
        assert people[file]["person"]["present"] and people[file]["person"]["score"] > 0.8, file
        assert 0.03 < people[file]["foreground"] < 0.7, file
    for file in ("photo-coffee.png", "photo-chelsea.png"):
        assert not people[file]["person"]["present"] and "pooled" not in people[file], file
    assert people["photo-chelsea.png"]["segmenter_foreground"] > 0.9
    assert sorted(p.name for p in (out / "public/model").iterdir()) == [
        "blazepose-detector.bin", "blazepose-detector.json", "selfie.bin", "selfie.json"]


@pytest.mark.parametrize(("name", "app"), [
    ("pose-full", "pose-web"), ("bodypix-selfie", "bodypix-web")])
def test_rendered_key_files_match_golden(projects, name, app):
    assert_matches_golden(projects[name], KEY_FILES, GOLDEN / app,
                          lambda text: _VERSION.sub("edgekit <version>", text))


def test_graph_project_pins_the_tfjs_family_and_offers_three_backends(projects):
    out = projects["pose-movenet"]
    manifest = json.loads((out / "package.json").read_text())
    assert manifest["dependencies"] == {
        "@tensorflow/tfjs": "4.22.0",
        "@tensorflow/tfjs-backend-wasm": "4.22.0",
    }
    contract = (out / "src/contract.ts").read_text()
    assert 'backends: ["wasm", "webgl", "cpu"] as string[]' in contract
    assert (
        'tensor: {"key": "input", "name": "input:0", "position": 0, '
        '"shape": [1, 192, 192, 3], "dtype": "int32"'
        in contract
    )
    assert "normalize: null," in contract
    assert "tfjs-tflite" not in (out / "vite.config.ts").read_text()
    # MoveNet takes the whole frame: one stage, no detector.
    assert "pipeline" not in json.loads((out / "public/golden/expected.json").read_text())
    assert not (out / "public/model/blazepose-detector.json").exists()
    assert "TwoStagePosePipeline" not in (out / "src/main.ts").read_text()


# --- in the browser ------------------------------------------------------------------------------


def _browser_run(project: Path, shots: str, backends: tuple[str, ...] = ()):
    missing = web_tools_missing()
    if missing:
        pytest.skip(f"cannot run web projects here: {missing}")
    result = run_web_project(project, screenshot=ARTIFACTS / "web" / shots, projects=backends)
    for entry in result.latencies:
        assert entry["runs"] == 10 and len(entry["samples_ms"]) == 10 and entry["median_ms"] > 0
    return result


@pytest.mark.slow
def test_pose_tflite_project_builds_and_matches_golden_in_chromium(projects):
    project = projects["pose-full"]
    result = _browser_run(project, "pose-landmark-full")
    wasm = result.latency("wasm")
    assert wasm["app"] == "pose-web" and "XNNPACK, 2 threads" in wasm["detail"]  # cross-origin isolated
    assert (ARTIFACTS / "web/pose-landmark-full/pose-web-wasm.png").stat().st_size > 10_000
    assert not re.search(r"https?://", "".join(p.read_text() for p in (project / "dist").rglob("*.html")))

    frames = re.search(r"EDGEKIT_POSE_FRAMES (\d+) frames on (\d+) images, (\d+) problems", result.output)
    assert frames and frames.groups() == ("14", "7", "0"), result.output[-2000:]
    _record_parity(result.output, "pose-landmark-full")

    # A frame made here and now: the astronaut turned 22 degrees, at 85 % and off-centre; its golden
    # frames come from edgekit's own golden functions, and the app must match them as well.
    added = parity_measure.add_two_stage_frames(project, "pose-landmark-full",
                                                transforms=((False, 22, 0.85, 0.07, -0.04),), prefix="turned")
    again = run_web_project(project, projects=("wasm",), install=False)  # rebuilt: the new image is served
    frames = re.search(r"EDGEKIT_POSE_FRAMES (\d+) frames on (\d+) images, (\d+) problems", again.output)
    assert frames and frames.groups() == ("16", "8", "0"), again.output[-2000:]
    assert {r["image"] for r in parity_measure.parity_lines(again.output)} >= set(added)

    # The same project must fail once a golden keypoint is wrong, or the person is elsewhere.
    golden = project / "public/golden/expected.json"
    expected = json.loads(golden.read_text())
    expected["frames"][2]["keypoints"][11][0] += 0.05
    expected["frames"][1]["figure_points"]["0"][0] += 0.2  # the nose expected 0.2 to the right
    astronaut = next(f for f in expected["frames"] if f["image"] == "photo-astronaut.png")
    astronaut["person_points"]["0"][1] += 0.3  # her nose expected on her chest
    golden.write_text(json.dumps(expected))
    with pytest.raises(AssertionError, match=r"input-offcentre.png detect: keypoint 11: browser") as failed:
        run_web_project(project, projects=("wasm",), install=False, build=False)
    nose_off = r"input.png track: keypoint 0 is 0\.1\d+ from the figure's"
    assert re.search(nose_off, str(failed.value)), failed.value
    assert re.search(r"photo-astronaut.png detect: keypoint 0 is 0\.\d+ from the person's", str(failed.value))


@pytest.mark.slow
def test_pose_graph_project_matches_golden_on_every_backend_and_photo(projects):
    result = _browser_run(projects["pose-movenet"], "movenet-lightning-tfjs")
    assert {entry["backend"] for entry in result.latencies} == {"wasm", "webgl", "cpu"}
    images = re.findall(r"EDGEKIT_POSE_IMAGES (\d+) images, (\d+) problems", result.output)
    assert images == [("6", "0")] * 3, result.output[-2000:]  # the drawn figure and five photos
    _record_parity(result.output, "movenet-lightning-tfjs")


@pytest.mark.slow
def test_bodypix_graph_project_finds_nobody_on_the_cup_and_the_cat_on_every_backend(projects):
    project = projects["bodypix-selfie"]
    result = _browser_run(project, "selfie-segmentation-tfjs")
    assert {entry["backend"] for entry in result.latencies} == {"wasm", "webgl", "cpu"}
    lines = [line.split("EDGEKIT_MASK_IMAGES ", 1)[1] for line in result.output.splitlines()
             if "EDGEKIT_MASK_IMAGES " in line]
    assert len(lines) == 3, result.output[-2000:]
    for line in lines:
        head, *decisions, _largest = line.split("; ")
        assert head == "6 images, 0 problems", result.output[-2000:]
        said = dict(item.rsplit(" ", 1)[0].split(" ", 1) for item in decisions)
        assert said == {"input.png": "person", "photo-astronaut.png": "person",
                        "photo-astronaut-mirrored.png": "person", "photo-astronaut-small.png": "person",
                        "photo-coffee.png": "no person", "photo-chelsea.png": "no person"}, decisions
    differing = [int(n) for n in re.findall(r"(\d+) pixels differ in the binary mask", result.output)]
    assert differing and max(differing) <= 30, result.output[-2000:]  # of 65536; the spec allows 0.5 %
    _record_parity(result.output, "selfie-segmentation-tfjs")

    golden = project / "public/golden/expected.json"
    expected = json.loads(golden.read_text())
    expected["images"][2]["mean"] += 0.02
    expected["images"][5]["person"]["present"] = True  # the cat said to be a person
    golden.write_text(json.dumps(expected))
    with pytest.raises(AssertionError, match=r"photo-astronaut-mirrored.png: mean P\(person\)") as failed:
        run_web_project(project, projects=("wasm",), install=False, build=False)
    assert "photo-chelsea.png: no person, expected a person" in str(failed.value)


@pytest.mark.slow
def test_a_model_named_like_code_builds_passes_parity_and_stays_a_string(zoo_model, tmp_path):
    """``a${globalThis.PWNED=1}b`.tflite`` once landed raw in a template literal of contract.ts."""
    from edgekit.scaffold.binding import BindOptions
    from tests.security.typescript import check_typescript

    name = "a${globalThis.PWNED=1}b`.tflite"
    model = tmp_path / "models" / name
    model.parent.mkdir()
    model.write_bytes(zoo_model("pose-landmark-lite").read_bytes())
    options = BindOptions(normalize=(0.0, 1.0), keypoints=(33, 5), output="Identity")
    project = scaffold("pose-web", model, tmp_path / "app", options=options).out
    assert (project / "public/model" / name).is_file()
    result = _browser_run(project, "hostile-name", ("wasm",))
    assert result.latency("wasm")["app"] == "pose-web"
    contract = project / "src/contract.ts"
    report = check_typescript(project / "node_modules/typescript", tmp_path / "scratch", [contract],
                              evaluate=(contract,))
    assert report[str(contract)]["problems"] == [] and report["pwned"] is None
    assert report[str(contract)]["exports"]["MODEL"]["file"] == name


def _record_parity(output: str, name: str) -> None:
    """Keep the per-frame differences of a passing run as a test artifact (the tolerances' basis grows)."""
    records = parity_measure.parity_lines(output)
    assert records, output[-2000:]
    folder = ARTIFACTS / "web" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "parity.json").write_text(json.dumps({"frames": records,
                                                    "summary": parity_measure.summarize(records)}, indent=1))
