"""Golden vectors of the two-stage pose app (BlazePose detector -> region -> landmarks).

Written into the golden folder, beside what :mod:`.vision_pose` writes for one-stage models:

``input.png`` / ``input-offcentre.png``
    The test figure centred at full size, and small (40 %) and off-centre
    (:data:`edgekit.inputs.scenes.SCENES` 1 and 2), at the landmark model's input size; the app runs
    its whole pipeline on each.
``expected.json``
    As for one-stage models (``keypoints`` and ``raw`` are the centred image's first frame), plus
    ``pipeline`` ("two-stage"), ``detector`` (its file, tensors and decoding constants) and
    ``frames``: per image, a "detect" frame (no region yet: the detector runs) then a "track" frame
    (the region from the first frame's auxiliary landmarks). Each frame holds ``image``,
    ``figure_box`` ([x_min, y_min, x_max, y_max] of the drawn figure, frame fractions), ``stage``,
    ``detection`` (``anchor``, ``score``, ``box``, ``keypoints``; frame fractions) or null,
    ``region`` ([x_center, y_center, width, height, rotation]), ``raw`` (the first 33 x 5 landmark
    values), ``keypoints`` (33 x [x, y, score] in frame fractions), ``presence`` and ``next_region``.
    ``figure_points`` ({landmark index: [x, y]}: where the drawn figure's nose, shoulders, wrists,
    hips and ankles are, frame fractions), ``figure_radius`` (how far a keypoint may land from
    them: :data:`ANATOMY_RADIUS` of the figure's scale) and ``figure_margin`` (how far outside the
    box a keypoint may land, as a fraction of the box's longer side: fingertips and toes sit on
    the drawn limbs' rounded ends).
    ``tolerance`` adds ``region`` (centre and size, frame fractions), ``rotation`` (radians) and
    ``detection`` (score and detector points).

Every one of the 33 keypoints must lie inside ``figure_box`` (give or take the margin) and each
listed one within ``figure_radius`` of its figure point: the whole-frame path fails this.

The detector goes beside the landmark model, into the platform's model folder: as the TF.js graph
model for the web app (``public/model/``, run by TF.js), converted to ``.tflite`` with edgekit's
convert path for the Android app (``app/src/main/assets/``, run by LiteRT). The golden vectors
come from the file the app runs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from edgekit.inputs.scenes import SCENES, Scene, draw_scene
from edgekit.scaffold.apps import PLATFORMS, Platform
from edgekit.scaffold.binding import ImageInput, KeypointOutput
from edgekit.scaffold.contract import ModelContract, load_contract
from edgekit.scaffold.golden import pose_two_stage as two_stage
from edgekit.scaffold.golden.run import run_model
from edgekit.scaffold.golden.vision_image import INPUT_FILE, input_record, write_png

__all__ = ["make_two_stage_golden", "figure_box", "figure_points", "keypoints_off_figure", "DETECTOR_MODEL",
           "IMAGES", "platform_of", "TOLERANCE", "FIGURE_POINTS", "ANATOMY_RADIUS", "BOX_MARGIN"]

DETECTOR_MODEL = "blazepose-detector-tfjs"  # the zoo entry; its files travel with the app
ANDROID_DETECTOR_FILE = "blazepose_detector.tflite"
OFFCENTRE_FILE = "input-offcentre.png"
#: (file, scene): the centred figure (the golden image of every vision app) and the 40 % one off-centre.
IMAGES = ((INPUT_FILE, SCENES[0]), (OFFCENTRE_FILE, SCENES[1]))
# Detector outputs agree across TensorFlow and TF.js within ~1e-5 of a pixel; regions follow them.
# The landmark tolerances are vision_pose's: the crop is the same arithmetic on both sides.
TOLERANCE = {"xy": 0.01, "score": 0.02, "raw": 0.01, "region": 0.005, "rotation": 0.01, "detection": 0.005}
#: BlazePose landmark index -> (x, y) of that body part in the figure's own frame, as edgekit.inputs.scenes
#: draws it (face centre, shoulder and wrist ends of the arms, hip and ankle ends of the legs).
#: The person's left is the image's right: the figure faces the camera.
FIGURE_POINTS = {0: (0.5, 0.175), 11: (0.58, 0.31), 12: (0.42, 0.31), 15: (0.78, 0.56), 16: (0.22, 0.56),
                 23: (0.55, 0.56), 24: (0.45, 0.56), 27: (0.60, 0.90), 28: (0.40, 0.90)}
# Measured with pose_landmark_full: the two-stage pipeline lands within 0.05 of the figure's scale on
# both images; the whole frame fed to the landmark model misses by up to 0.15 on the off-centre one.
ANATOMY_RADIUS = 0.08
# pose_landmark_lite puts toes and fingertips up to 0.7 % of the box beyond it; the whole-frame path
# puts the off-centre figure's hand 4 % beyond it.
BOX_MARGIN = 0.03


def figure_box(scene: Scene, height: int, width: int) -> list[float]:
    """[x_min, y_min, x_max, y_max] of the pixels the scene's figures cover, as frame fractions."""
    drawn = draw_scene(scene, height, width)
    empty = draw_scene(Scene("background", (), scene.dark), height, width)
    rows, cols = np.nonzero((drawn != empty).any(axis=2))
    return [float(cols.min() / width), float(rows.min() / height), float((cols.max() + 1) / width),
            float((rows.max() + 1) / height)]


def figure_points(scene: Scene) -> dict[str, list[float]]:
    """:data:`FIGURE_POINTS` placed where the scene draws its (first) figure, as frame fractions."""
    centre_y, centre_x, scale = scene.people[0]
    return {str(index): [centre_x + (x - 0.5) * scale, centre_y + (y - 0.5) * scale]
            for index, (x, y) in FIGURE_POINTS.items()}


def keypoints_off_figure(keypoints: list[list[float]], frame: dict[str, Any]) -> list[str]:
    """Why ``keypoints`` do not lie on the figure of ``frame`` (a golden frame); empty when they do."""
    x_min, y_min, x_max, y_max = frame["figure_box"]
    margin = frame["figure_margin"] * max(x_max - x_min, y_max - y_min)
    x_min, y_min, x_max, y_max = x_min - margin, y_min - margin, x_max + margin, y_max + margin
    problems = [f"keypoint {i} at ({x:.3f}, {y:.3f}) is outside the figure's box"
                for i, (x, y, _score) in enumerate(keypoints)
                if not (x_min <= x <= x_max and y_min <= y <= y_max)]
    for index, (fx, fy) in frame["figure_points"].items():
        x, y = keypoints[int(index)][:2]
        distance = float(np.hypot(x - fx, y - fy))
        if distance > frame["figure_radius"]:
            problems.append(f"keypoint {index} at ({x:.3f}, {y:.3f}) is {distance:.3f} from the figure's "
                            f"({fx:.3f}, {fy:.3f}); at most {frame['figure_radius']:.3f} is allowed")
    return problems


def platform_of(dest: Path) -> Platform:
    """The platform whose golden folder ``dest`` is (golden makers are told the folder, not the platform)."""
    for platform in PLATFORMS:
        if dest.as_posix().endswith("/" + platform.golden_dir):
            return platform
    raise ValueError(f"{dest} is no platform's golden folder ({', '.join(p.golden_dir for p in PLATFORMS)})")


def make_two_stage_golden(contract: ModelContract, binding: dict[str, Any], dest: Path) -> dict[str, Any]:
    """Write both images, ``expected.json`` and the detector; return what the templates need."""
    image: ImageInput = binding["image"]
    keypoints: KeypointOutput = binding["keypoints"]
    platform = platform_of(dest)
    model_dir = Path(dest.as_posix()[: -len(platform.golden_dir)]) / platform.model_dir
    model_dir.mkdir(parents=True, exist_ok=True)
    detector = _place_detector(platform, model_dir)
    presence_key = _presence_output(contract)
    if image.normalize is None:
        raise ValueError("BlazePose landmark models take float input; bind `normalize` (0,1)")

    def detect(values: np.ndarray) -> np.ndarray:
        return run_model(detector, {detector.inputs[0].key: values})[detector.outputs[0].key]

    def landmarks(values: np.ndarray) -> tuple[np.ndarray, float]:
        outputs = run_model(contract, {image.tensor.key: values})
        return outputs[keypoints.tensor.key], float(np.asarray(outputs[presence_key]).reshape(-1)[0])

    frames = []
    for file, scene in IMAGES:
        rgb = draw_scene(scene, image.height, image.width)
        write_png(dest / file, rgb)
        figure = {"figure_box": figure_box(scene, image.height, image.width),
                  "figure_points": figure_points(scene), "figure_radius": ANATOMY_RADIUS * scene.people[0][2],
                  "figure_margin": BOX_MARGIN}
        tracked = None
        for _ in range(2):  # detect, then track from the first frame's landmarks
            result = two_stage.run_frame(rgb, tracked, detect, landmarks, image.normalize, image.height)
            frames.append({"image": file, **figure, **_frame_json(result, keypoints)})
            tracked = result.next_region
    first = frames[0]
    # The web app serves public/ at its root: public/model/x.json is fetched as model/x.json.
    url_path = (f"{PurePosixPath(platform.model_dir).relative_to('public')}/{detector.model_file}"
                if platform.name == "web" else None)
    expected = {
        "schema_version": 1,
        "task": "pose",
        "pipeline": "two-stage",
        "model": contract.display_name,
        "model_sha256": contract.sha256,
        "input": input_record(image),
        "output": {"key": keypoints.tensor.key, "presence_key": presence_key, "count": keypoints.count,
                   "stride": keypoints.stride, "x_index": 0, "y_index": 1, "score_index": 3,
                   "coords": "pixels", "score_activation": "sigmoid"},
        "detector": {"model": detector.display_name, "dir": platform.model_dir, "file": detector.model_file,
                     "sha256": detector.sha256, "input_key": detector.inputs[0].key,
                     "input_name": detector.inputs[0].name, "output_key": detector.outputs[0].key,
                     "output_name": detector.outputs[0].name, **two_stage.DETECTOR.to_dict()},
        "raw": first["raw"],
        "keypoints": first["keypoints"],
        "frames": frames,
        "tolerance": dict(TOLERANCE),
    }
    (dest / "expected.json").write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    return {"input": INPUT_FILE, "expected": "expected.json", "tolerance": dict(TOLERANCE),
            "pipeline": "two-stage", "images": [file for file, _ in IMAGES],
            "detector": {"file": detector.model_file, "url_path": url_path, "model": detector.display_name,
                         "input_name": detector.inputs[0].name, "output_name": detector.outputs[0].name,
                         **two_stage.DETECTOR.to_dict()},
            "landmarks": {"presence_key": presence_key, "count": two_stage.LANDMARKS,
                          "aux_hips": two_stage.AUX_HIPS, "aux_scale": two_stage.AUX_SCALE,
                          "presence_threshold": two_stage.PRESENCE_THRESHOLD,
                          "region_scale": two_stage.REGION_SCALE}}


def _place_detector(platform: Platform, model_dir: Path) -> ModelContract:
    """The detector as the platform's app runs it, written into ``model_dir``."""
    graph = load_contract(DETECTOR_MODEL)
    if platform.name == "web":
        for file in graph.files:
            shutil.copyfile(file, model_dir / file.name)
        return graph
    from edgekit.convert.recipes import RECIPES, convert_tflite
    from edgekit.sources.tf_source import open_source

    tensor = graph.inputs[0]
    shape = (1, *tensor.shape_signature[1:])  # the graph's batch is dynamic; LiteRT wants it fixed
    with open_source(graph.path, input_shapes={tensor.key: shape}) as source:
        convert_tflite(source, RECIPES["fp32"], None, model_dir / ANDROID_DETECTOR_FILE)
    return load_contract(model_dir / ANDROID_DETECTOR_FILE)


def _presence_output(contract: ModelContract) -> str:
    single = [t.key for t in contract.outputs if int(np.prod(t.shape)) == 1]
    if len(single) != 1:
        raise ValueError("expected one pose-presence output of one value; outputs are "
                         f"{contract.describe_outputs()}")
    return single[0]


def _frame_json(result: two_stage.FrameResult, keypoints: KeypointOutput) -> dict[str, Any]:
    detection = result.detection
    return {
        "stage": result.stage,
        "detection": None if detection is None else {
            "anchor": detection.anchor, "score": detection.score, "box": [float(v) for v in detection.box],
            "keypoints": [[float(x), float(y)] for x, y in detection.keypoints]},
        "region": None if result.region is None else result.region.to_list(),
        "raw": [float(v) for v in result.landmarks.reshape(-1)[: keypoints.count * keypoints.stride]],
        "keypoints": result.keypoints,
        "presence": result.presence,
        "next_region": None if result.next_region is None else result.next_region.to_list(),
    }
