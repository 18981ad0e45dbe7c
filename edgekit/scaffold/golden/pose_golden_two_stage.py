"""Golden vectors of the two-stage pose app (BlazePose detector -> region -> landmarks).

Written into the golden folder, beside what :mod:`.vision_pose` writes for one-stage models:

``input.png``, ``input-offcentre.png``, ``photo-*.png``
    The images of :mod:`.vision_images` at the landmark model's input size: the test figure centred
    at full size and small (40 %) and off-centre, then the photographs (the astronaut, mirrored,
    and at 40 % off-centre; a coffee cup and a cat, with nobody in them). The app runs its whole
    pipeline on each.
``expected.json``
    As for one-stage models (``keypoints`` and ``raw`` are the centred image's first frame), plus
    ``pipeline`` ("two-stage"), ``detector`` (its file, tensors and decoding constants),
    ``images`` (each image's file, label, kind and how many people it shows) and ``frames``: per
    image, a "detect" frame (no region yet: the detector runs) then a second frame ("track", from
    the first frame's auxiliary landmarks, or "detect" again when the first found nobody). Each
    frame holds ``image``, ``stage``, ``detection`` (``anchor``, ``score``, ``box``,
    ``keypoints``; frame fractions) or null, ``region`` ([x_center, y_center, width, height,
    rotation]) or null, ``raw`` (the first 33 x 5 landmark values), ``keypoints`` (33 x [x, y,
    score] in frame fractions), ``presence`` and ``next_region``; and where the person is:
    on a drawn figure ``figure_box`` ([x_min, y_min, x_max, y_max], frame fractions),
    ``figure_points`` ({landmark index: [x, y]}: the figure's nose, shoulders, wrists, hips and
    ankles), ``figure_radius`` (how far a keypoint may land from them: :data:`ANATOMY_RADIUS` of the
    figure's scale) and ``figure_margin`` (how far outside the box a keypoint may land, as a
    fraction of its longer side); on a photo of a person ``person_points`` (her nose and shoulders,
    placed by hand: :data:`edgekit.inputs.photos.PERSON_POINTS`) and ``person_radius``
    (:data:`PHOTO_RADIUS` of the frame); on a photo of nobody, neither (no detection is expected).
    ``tolerance`` adds ``region`` (centre and size, frame fractions), ``rotation`` (radians) and
    ``detection`` (score and detector points); ``tolerance_basis`` says how each was measured.

Every one of the 33 keypoints on a drawn figure must lie inside ``figure_box`` (give or take the
margin) and each listed one within ``figure_radius`` of its figure point: the whole-frame path fails
this. On a photo, the nose and shoulders must land within ``person_radius`` of hers.

The detector goes beside the landmark model, into the platform's model folder (see
:mod:`.person_detector`): the TF.js graph model for the web app (``public/model/``, run by TF.js),
MediaPipe's own ``pose_detection.tflite`` for the Android app (``app/src/main/assets/``, run by
LiteRT). The golden vectors come from the file the app runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.inputs.photos import person_points
from edgekit.inputs.scenes import Scene, draw_scene
from edgekit.scaffold.binding import ImageInput, KeypointOutput
from edgekit.scaffold.contract import ModelContract
from edgekit.scaffold.golden import person_detector
from edgekit.scaffold.golden import pose_two_stage as two_stage
from edgekit.scaffold.golden.parity_tolerances import tolerance_for
from edgekit.scaffold.golden.run import run_model
from edgekit.scaffold.golden.vision_image import input_record, write_png
from edgekit.scaffold.golden.vision_images import (
    DRAWN,
    DRAWN_OFFCENTRE,
    PHOTO_IMAGES,
    GoldenImage,
    model_dir_of,
    platform_of,
)

__all__ = ["make_two_stage_golden", "figure_box", "figure_points", "keypoints_off_figure", "IMAGES",
           "platform_of", "FIGURE_POINTS", "ANATOMY_RADIUS", "BOX_MARGIN", "PHOTO_RADIUS", "frame_records",
           "pipeline_runners", "keypoints_off_person"]

#: Drawn figures first (the centred one is every vision app's golden image), then the photographs.
IMAGES: tuple[GoldenImage, ...] = (DRAWN, DRAWN_OFFCENTRE, *PHOTO_IMAGES)
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
# On the astronaut (full size, mirrored, small), pose_landmark_full puts her nose within 0.01 and her
# shoulders within 0.07 of the hand-placed points (the joints are hidden under the suit's collar
# ring); a keypoint on the flag beside her, as the old whole-frame path gave, is 0.3 away.
PHOTO_RADIUS = 0.1

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


Detect = Callable[[np.ndarray], np.ndarray]
Landmarks = Callable[[np.ndarray], tuple[np.ndarray, float]]


def pipeline_runners(contract: ModelContract, binding: dict[str, Any],
                     detector: ModelContract) -> tuple[Detect, Landmarks]:
    """The detector (rows [2254, 13]) and the landmark model (values, pose presence) as Python runs them."""
    image: ImageInput = binding["image"]
    keypoints: KeypointOutput = binding["keypoints"]
    presence_key = _presence_output(contract)

    def landmarks(values: np.ndarray) -> tuple[np.ndarray, float]:
        outputs = run_model(contract, {image.tensor.key: values})
        return outputs[keypoints.tensor.key], float(np.asarray(outputs[presence_key]).reshape(-1)[0])

    return person_detector.detector_runner(detector), landmarks


def frame_records(file: str, rgb: np.ndarray, where: dict[str, Any], detect: Detect, landmarks: Landmarks,
                  binding: dict[str, Any], frames: int = 2) -> list[dict[str, Any]]:
    """The golden frames of one image: detect, then track (or detect again when nobody was found).

    WHERE holds what the app's keypoints are checked against (``figure_*`` or ``person_*`` fields;
    empty for a picture of nobody) and is copied into every frame.
    """
    image: ImageInput = binding["image"]
    keypoints: KeypointOutput = binding["keypoints"]
    if image.normalize is None:
        raise ValueError("BlazePose landmark models take float input; bind `normalize` (0,1)")
    records = []
    tracked = None
    for _ in range(frames):
        result = two_stage.run_frame(rgb, tracked, detect, landmarks, image.normalize, image.height)
        records.append({"image": file, **where, **_frame_json(result, keypoints)})
        tracked = result.next_region
    return records


def make_two_stage_golden(contract: ModelContract, binding: dict[str, Any], dest: Path) -> dict[str, Any]:
    """Write the images, ``expected.json`` and the detector; return what the templates need."""
    image: ImageInput = binding["image"]
    keypoints: KeypointOutput = binding["keypoints"]
    platform = platform_of(dest)
    detector = person_detector.place_detector(platform, model_dir_of(dest))
    detect, landmarks = pipeline_runners(contract, binding, detector)
    presence_key = _presence_output(contract)
    frames = []
    for golden_image in IMAGES:
        rgb = golden_image.render(image.height, image.width)
        write_png(dest / golden_image.file, rgb)
        where = _where(golden_image, image)
        frames += frame_records(golden_image.file, rgb, where, detect, landmarks, binding)
    first = frames[0]
    tolerance, basis = tolerance_for("pose-two-stage", platform.name)
    detector_facts = person_detector.detector_record(detector, platform)
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
        "detector": detector_facts,
        "images": [golden_image.record() for golden_image in IMAGES],
        "raw": first["raw"],
        "keypoints": first["keypoints"],
        "frames": frames,
        "tolerance": tolerance,
        "tolerance_basis": basis,
    }
    (dest / "expected.json").write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    return {"input": DRAWN.file, "expected": "expected.json", "tolerance": tolerance,
            "pipeline": "two-stage", "images": [golden_image.file for golden_image in IMAGES],
            "detector": detector_facts,
            "landmarks": {"presence_key": presence_key, "count": two_stage.LANDMARKS,
                          "aux_hips": two_stage.AUX_HIPS, "aux_scale": two_stage.AUX_SCALE,
                          "presence_threshold": two_stage.PRESENCE_THRESHOLD,
                          "region_scale": two_stage.REGION_SCALE}}


def _where(golden_image: GoldenImage, image: ImageInput) -> dict[str, Any]:
    """Where the person in GOLDEN_IMAGE is, for the keypoint checks (see the module docstring)."""
    if golden_image.drawn is not None:
        scene = golden_image.drawn
        return {"figure_box": figure_box(scene, image.height, image.width),
                "figure_points": figure_points(scene), "figure_radius": ANATOMY_RADIUS * scene.people[0][2],
                "figure_margin": BOX_MARGIN}
    if golden_image.photo is not None and golden_image.people:
        points = person_points(golden_image.photo, image.height, image.width)
        return {"person_points": {str(k): [x, y] for k, (x, y) in points.items()},
                "person_radius": PHOTO_RADIUS}
    return {}


def keypoints_off_person(keypoints: Sequence[Sequence[float]], frame: dict[str, Any]) -> list[str]:
    """Why KEYPOINTS miss the photographed person of FRAME; empty when they land on her."""
    problems = []
    for index, (px, py) in frame.get("person_points", {}).items():
        x, y = keypoints[int(index)][:2]
        distance = float(np.hypot(x - px, y - py))
        if distance > frame["person_radius"]:
            problems.append(f"keypoint {index} at ({x:.3f}, {y:.3f}) is {distance:.3f} from the person's "
                            f"({px:.3f}, {py:.3f}); at most {frame['person_radius']:.3f} is allowed")
    return problems


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
