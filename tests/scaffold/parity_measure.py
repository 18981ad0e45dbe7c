"""The measurements behind the web vision apps' parity tolerances (scaffold/data/parity_tolerances.json).

Frames are added to a scaffolded web project's golden set with edgekit's own golden functions: the
astronaut photo rotated, scaled and shifted (:data:`MEASURE_TRANSFORMS`), as a camera would show a
person who is not upright, centred and filling the frame. The project's own parity spec then runs
on every backend with its tolerances opened wide, and prints one ``EDGEKIT_PARITY`` line per frame:
the largest difference between the browser and Python, per quantity. :func:`summarize` turns those
lines into the distribution the tolerances rest on.

    python3 -m tests.scaffold.parity_measure OUT_DIR    # npm, Chromium; about 20 minutes

The same helpers add the acceptance test's frame made at test time (``test_web_vision.py``).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.files.png import write_png
from edgekit.inputs.photos import PERSON_POINTS, load_photo
from edgekit.scaffold.contract import load_contract
from edgekit.scaffold.golden import person_detector, vision_mask, vision_pose
from edgekit.scaffold.golden import pose_two_stage as ts
from edgekit.scaffold.golden.pose_golden_two_stage import PHOTO_RADIUS, frame_records, pipeline_runners
from edgekit.scaffold.golden.run import run_model
from edgekit.scaffold.golden.vision_image import preprocess
from edgekit.scaffold.project import bind_app

__all__ = ["MEASURE_TRANSFORMS", "transformed", "transformed_points", "add_two_stage_frames",
           "add_pose_images", "add_mask_images", "widen", "parity_lines", "summarize"]

PARITY_PREFIX = "EDGEKIT_PARITY "
#: (mirrored, angle in degrees, scale, shift x, shift y): the astronaut as the measurement frames show her.
MEASURE_TRANSFORMS: tuple[tuple[bool, float, float, float, float], ...] = (
    (False, -30, 0.8, 0.08, 0.05), (False, -20, 1.0, -0.06, 0.0), (False, -10, 0.7, 0.0, -0.08),
    (False, 0, 0.6, 0.15, 0.1), (False, 10, 0.9, -0.1, 0.05), (False, 20, 0.8, 0.05, -0.05),
    (False, 30, 1.0, 0.0, 0.0), (True, -25, 0.85, 0.1, 0.0), (True, -5, 0.75, -0.12, 0.06),
    (True, 15, 1.0, 0.0, 0.08), (True, 35, 0.7, 0.06, -0.1), (False, 45, 0.9, 0.0, 0.05),
)


def _region(angle: float, scale: float, dx: float, dy: float) -> ts.Region:
    """The part of the photo that becomes the frame: the frame shows it turned by -ANGLE."""
    return ts.Region(0.5 + dx, 0.5 + dy, 1 / scale, 1 / scale, math.radians(angle))


def transformed(photo: np.ndarray, angle: float, scale: float, dx: float, dy: float, size: int) -> np.ndarray:
    """PHOTO turned by ANGLE degrees, scaled by SCALE and shifted by (DX, DY) of itself, SIZE x SIZE."""
    pixels = ts.crop(photo, _region(angle, scale, dx, dy), size, size)
    return np.clip(np.round(pixels), 0, 255).astype(np.uint8)


def transformed_points(points: dict[int, tuple[float, float]], photo_shape: Sequence[int], angle: float,
                       scale: float, dx: float, dy: float) -> dict[int, tuple[float, float]]:
    """Where photo points (fractions) land in :func:`transformed`'s frame (fractions)."""
    height, width = photo_shape[:2]
    region = _region(angle, scale, dx, dy)
    c, s = math.cos(region.rotation), math.sin(region.rotation)
    cx, cy = region.x_center * width, region.y_center * height
    moved = {}
    for k, (x, y) in points.items():
        a, b = x * width - cx, y * height - cy
        u, v = a * c + b * s, -a * s + b * c  # undo the region's rotation
        moved[k] = (u / (region.width * width) + 0.5, v / (region.height * height) + 0.5)
    return moved


def _frames(size: int, transforms: Iterable[tuple[bool, float, float, float, float]], prefix: str):
    photo = load_photo("astronaut")
    for n, (mirrored, angle, scale, dx, dy) in enumerate(transforms):
        source = photo[:, ::-1] if mirrored else photo
        points = dict(PERSON_POINTS["astronaut"])
        if mirrored:
            points = {({11: 12, 12: 11}).get(k, k): (1 - x, y) for k, (x, y) in points.items()}
        rgb = transformed(source, angle, scale, dx, dy, size)
        moved = transformed_points(points, source.shape, angle, scale, dx, dy)
        name = f"{prefix}-{n:02d}.png"
        yield name, f"astronaut{' mirrored' if mirrored else ''} turned {angle:g} deg, x{scale:g}, " \
                    f"shifted ({dx:g}, {dy:g})", rgb, moved


def _golden(project: Path) -> tuple[Path, dict[str, Any]]:
    path = project / "public" / "golden" / "expected.json"
    return path, json.loads(path.read_text(encoding="utf-8"))


def add_two_stage_frames(project: Path, app_model: Path | str, transforms=MEASURE_TRANSFORMS,
                         prefix: str = "measure") -> list[str]:
    """Append a detect and a track frame per transform to a two-stage pose project's golden set."""
    path, expected = _golden(project)
    _, contract, _, binding = bind_app("pose-web", app_model)
    detector = load_contract(project / "public" / "model" / Path(expected["detector"]["file"]).name)
    detect, landmarks = pipeline_runners(contract, binding, detector)
    size = binding["image"].height
    files = []
    for name, label, rgb, points in _frames(size, transforms, prefix):
        write_png(project / "public" / "golden" / name, rgb)
        where = {"person_points": {str(k): [x, y] for k, (x, y) in points.items()},
                 "person_radius": PHOTO_RADIUS}
        expected["frames"] += frame_records(name, rgb, where, detect, landmarks, binding)
        expected["images"].append({"file": name, "label": label, "people": 1, "kind": "photo"})
        files.append(name)
    path.write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    return files


def add_pose_images(project: Path, app_model: Path | str, transforms=MEASURE_TRANSFORMS,
                    prefix: str = "measure") -> list[str]:
    """Append the transformed frames to a one-stage pose project's golden images."""
    path, expected = _golden(project)
    _, contract, _, binding = bind_app("pose-web", app_model)
    image, keypoints = binding["image"], binding["keypoints"]
    files = []
    for name, label, rgb, _points in _frames(image.height, transforms, prefix):
        write_png(project / "public" / "golden" / name, rgb)
        outputs = run_model(contract, {image.tensor.key: preprocess(rgb, image)})
        raw = np.asarray(outputs[keypoints.tensor.key], dtype=np.float64).reshape(-1)[
            : keypoints.count * keypoints.stride]
        expected["images"].append({"file": name, "label": label, "people": 1, "kind": "photo",
                                   "raw": [float(v) for v in raw],
                                   "keypoints": vision_pose.decode_keypoints(raw, keypoints, image)})
        files.append(name)
    path.write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    return files


def add_mask_images(project: Path, app_model: Path | str, transforms=MEASURE_TRANSFORMS,
                    prefix: str = "measure") -> list[str]:
    """Append the transformed frames to a body-segmentation project's golden images."""
    path, expected = _golden(project)
    _, contract, _, binding = bind_app("bodypix-web", app_model)
    image, mask = binding["image"], binding["mask"]
    detect = person_detector.detector_runner(
        load_contract(project / "public" / "model" / Path(expected["detector"]["file"]).name))
    files = []
    for name, label, rgb, _points in _frames(image.height, transforms, prefix):
        write_png(project / "public" / "golden" / name, rgb)
        score = person_detector.person_score(rgb, detect)
        present = score >= person_detector.PRESENCE_THRESHOLD
        record: dict[str, Any] = {"file": name, "label": label, "people": 1, "kind": "photo",
                                  "person": {"score": score, "present": present}}
        if present:
            outputs = run_model(contract, {image.tensor.key: preprocess(rgb, image)})
            probability = vision_mask.person_probability(outputs[mask.tensor.key], mask)
            record.update(vision_mask.summarize_mask(probability))
        expected["images"].append(record)
        files.append(name)
    path.write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    return files


def widen(project: Path) -> None:
    """Open the golden file's tolerances wide, so a measuring run reports every difference it sees."""
    path, expected = _golden(project)
    expected["tolerance"] = {name: 1e9 for name in expected["tolerance"]}
    path.write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")


def parity_lines(output: str) -> list[dict[str, Any]]:
    """Every EDGEKIT_PARITY record a parity spec printed."""
    lines = [line for line in output.splitlines() if PARITY_PREFIX in line]
    return [json.loads(line.split(PARITY_PREFIX, 1)[1]) for line in lines]


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per quantity: frames measured, median, 95th percentile and largest difference."""
    by_quantity: dict[str, list[float]] = {}
    for record in records:
        for quantity, value in record["largest"].items():
            by_quantity.setdefault(quantity, []).append(float(value))
    return {quantity: {"frames": len(values), "median": float(np.median(values)),
                       "p95": float(np.percentile(values, 95)), "max": float(max(values))}
            for quantity, values in sorted(by_quantity.items())}


def _measure(out: Path) -> dict[str, Any]:
    from edgekit.scaffold.project import scaffold
    from tests.scaffold.webproject import run_web_project

    results: dict[str, Any] = {}
    apps = (("pose-two-stage", "pose-web", "pose-landmark-full", add_two_stage_frames),
            ("pose", "pose-web", "movenet-lightning-tfjs", add_pose_images),
            ("bodypix", "bodypix-web", "selfie-segmentation-tfjs", add_mask_images))
    for kind, app, model, add in apps:
        project = scaffold(app, model, out / kind, force=True).out
        add(project, model)
        widen(project)
        run = run_web_project(project)
        records = parity_lines(run.output)
        for backend in sorted({r["backend"] for r in records}):
            results[f"{kind} {backend}"] = summarize([r for r in records if r["backend"] == backend])
        mine = {k: v for k, v in results.items() if k.startswith(kind + " ")}
        print(kind, json.dumps(mine, indent=1), flush=True)
    return results


if __name__ == "__main__":  # pragma: no cover - the measurement run, by hand
    print(json.dumps(_measure(Path(sys.argv[1])), indent=1))
