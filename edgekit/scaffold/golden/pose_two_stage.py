"""The two-stage BlazePose pipeline (person detector -> region of interest -> landmarks), as numbers.

A BlazePose landmark model expects a person crop, rotated upright and scaled so the body fills it;
fed a whole frame it only works when the person happens to fill the frame. MediaPipe's pose
pipeline (``mediapipe/modules/pose_detection``, ``pose_landmark``) finds that crop in two ways:

1. **Detect**: the frame letterboxed into the detector's 224 x 224 input (values in [-1, 1]); the
   detector scores 2254 SSD anchors and regresses a box plus 4 alignment keypoints per anchor.
   Keypoint 0 is the hip centre, keypoint 1 a point above the head whose distance to it is half
   the body's extent. The best anchor (top-1: one pose, so no suppression is needed) gives the
   region: centred on the hips, side 2 x that distance x 1.25, rotated so hips -> head points up.
2. **Track**: the landmark model's auxiliary landmarks 33 (hips) and 34 (scale point) give the next
   frame's region the same way, for as long as its pose-presence score stays >= 0.5.

The crop is an explicit rotated affine map with bilinear sampling (zero outside the frame), in
double precision, written identically in the web app (``src/twoStage.ts``) and the Android app
(``TwoStage.kt``), so Python, the browser and the phone feed the landmark model the same values.
Regions are MediaPipe's ``NormalizedRect``: centre, width, height as fractions of the frame,
rotation in radians (clockwise on screen).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Region", "Detection", "DetectorSpec", "DETECTOR", "FrameResult", "ssd_anchors",
           "decode_best_detection", "letterbox_region", "alignment_region", "crop", "project", "normalize",
           "run_frame", "is_blazepose_landmark",
           "LANDMARKS", "AUX_HIPS", "AUX_SCALE", "PRESENCE_THRESHOLD", "REGION_SCALE"]

LANDMARKS = 39  # 33 body landmarks, then 6 auxiliary ones; 5 values each
AUX_HIPS, AUX_SCALE = 33, 34  # auxiliary landmarks that place the next frame's region
PRESENCE_THRESHOLD = 0.5  # pose_landmark_filtering: below it, tracking is lost and the detector runs
REGION_SCALE = 1.25  # RectTransformationCalculator scale in pose_detection_to_roi / pose_landmarks_to_roi


@dataclass(frozen=True)
class DetectorSpec:
    """What decodes the BlazePose detector's output (pose_detection_cpu.pbtxt)."""

    input_size: int = 224
    normalize: tuple[float, float] = (-1.0, 1.0)
    strides: tuple[int, ...] = (8, 16, 32, 32, 32)  # SsdAnchorsCalculator, two anchors per layer
    anchors_per_layer: int = 2  # aspect ratio 1.0 plus the interpolated scale; fixed anchor size
    values: int = 13  # score logit, then x, y, w, h, then 4 keypoints as x, y (input pixels)
    keypoints: int = 4
    score_clip: float = 100.0
    min_score: float = 0.5

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (the golden file and the web app read the same numbers)."""
        return {"input_size": self.input_size, "normalize": list(self.normalize),
                "strides": list(self.strides), "anchors_per_layer": self.anchors_per_layer,
                "values": self.values, "keypoints": self.keypoints, "score_clip": self.score_clip,
                "min_score": self.min_score}


DETECTOR = DetectorSpec()


@dataclass(frozen=True)
class Region:
    """A rotated rectangle: centre and size as fractions of the frame, rotation in radians."""

    x_center: float
    y_center: float
    width: float
    height: float
    rotation: float

    def to_list(self) -> list[float]:
        """[x_center, y_center, width, height, rotation]."""
        return [self.x_center, self.y_center, self.width, self.height, self.rotation]


@dataclass(frozen=True)
class Detection:
    """The best anchor: its score, box [x_min, y_min, x_max, y_max] and keypoints, all in frame fractions."""

    anchor: int
    score: float
    box: tuple[float, float, float, float]
    keypoints: tuple[tuple[float, float], ...]


def is_blazepose_landmark(input_shape: tuple[int, ...], output_sizes: list[int], count: int,
                          stride: int) -> bool:
    """True for a BlazePose landmark model: 1x256x256x3 input, a 39 x 5 landmark output, 33 x 5 bound."""
    return (tuple(input_shape) == (1, 256, 256, 3) and LANDMARKS * 5 in output_sizes
            and (count, stride) == (33, 5))


def ssd_anchors(spec: DetectorSpec = DETECTOR) -> np.ndarray:
    """Anchor centres [N, 2] (x, y as input fractions), in the detector's output order."""
    centres: list[tuple[float, float]] = []
    layer = 0
    while layer < len(spec.strides):
        stride = spec.strides[layer]
        same = 0  # consecutive layers of one stride share a feature map: their anchors interleave per cell
        while layer < len(spec.strides) and spec.strides[layer] == stride:
            same += 1
            layer += 1
        cells = math.ceil(spec.input_size / stride)
        for row in range(cells):
            for col in range(cells):
                centre = ((col + 0.5) / cells, (row + 0.5) / cells)
                centres.extend([centre] * (same * spec.anchors_per_layer))
    return np.asarray(centres, dtype=np.float64)


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value)) if value >= 0 else math.exp(value) / (1.0 + math.exp(value))


def decode_best_detection(raw: np.ndarray, anchors: np.ndarray, letterbox: Region, frame_width: int,
                          frame_height: int, spec: DetectorSpec = DETECTOR) -> Detection | None:
    """The highest-scoring anchor decoded into frame fractions; None when its score is below min_score.

    Ties go to the first anchor. Offsets are input pixels relative to the anchor centre (anchors
    have unit size); the letterbox region maps detector-input fractions back to the frame.
    """
    values = np.asarray(raw, dtype=np.float64).reshape(-1, spec.values)
    if values.shape[0] != anchors.shape[0]:
        raise ValueError(f"detector output has {values.shape[0]} anchors; {anchors.shape[0]} were generated")
    logits = np.clip(values[:, 0], -spec.score_clip, spec.score_clip)
    best = int(np.argmax(logits))
    score = _sigmoid(float(logits[best]))
    if score < spec.min_score:
        return None
    row, size = [float(v) for v in values[best]], float(spec.input_size)
    ax, ay = float(anchors[best][0]), float(anchors[best][1])
    cx, cy = row[1] / size + ax, row[2] / size + ay
    w, h = row[3] / size, row[4] / size
    corners = project([(cx - w / 2, cy - h / 2), (cx + w / 2, cy + h / 2)], letterbox, frame_width,
                      frame_height)
    points = [(row[5 + 2 * k] / size + ax, row[6 + 2 * k] / size + ay) for k in range(spec.keypoints)]
    return Detection(anchor=best, score=score,
                     box=(corners[0][0], corners[0][1], corners[1][0], corners[1][1]),
                     keypoints=tuple(project(points, letterbox, frame_width, frame_height)))


def letterbox_region(frame_width: int, frame_height: int) -> Region:
    """The square around the whole frame (its long side), unrotated: the detector's view."""
    side = max(frame_width, frame_height)
    return Region(0.5, 0.5, side / frame_width, side / frame_height, 0.0)


def alignment_region(centre: tuple[float, float], scale_point: tuple[float, float], frame_width: int,
                     frame_height: int, scale: float = REGION_SCALE) -> Region:
    """MediaPipe's AlignmentPointsRectsCalculator + RectTransformationCalculator (square_long).

    Centre on ``centre``; side = 2 x its distance to ``scale_point`` (in pixels) x ``scale``;
    rotation so that centre -> scale point is straight up: 90 degrees - atan2(-dy, dx), in [-pi, pi).
    """
    x0, y0 = centre[0] * frame_width, centre[1] * frame_height
    x1, y1 = scale_point[0] * frame_width, scale_point[1] * frame_height
    side = math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2) * 2.0 * scale
    angle = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
    rotation = angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))
    return Region(centre[0], centre[1], side / frame_width, side / frame_height, rotation)


def project(points: list[tuple[float, float]], region: Region, frame_width: int,
            frame_height: int) -> list[tuple[float, float]]:
    """Points given as fractions of the region's crop -> fractions of the frame."""
    c, s = math.cos(region.rotation), math.sin(region.rotation)
    width_px, height_px = region.width * frame_width, region.height * frame_height
    cx, cy = region.x_center * frame_width, region.y_center * frame_height
    result = []
    for u, v in points:
        a, b = (u - 0.5) * width_px, (v - 0.5) * height_px
        result.append(((cx + a * c - b * s) / frame_width, (cy + a * s + b * c) / frame_height))
    return result


def crop(rgb: np.ndarray, region: Region, out_width: int, out_height: int) -> np.ndarray:
    """The region of an H x W x 3 uint8 frame resampled to out_height x out_width x 3 (float64, 0..255).

    Output pixel (u, v) samples the frame at the region point ((u + 0.5) / out_width,
    (v + 0.5) / out_height), bilinearly between pixel centres; pixels outside the frame count as 0.
    Every step is written as the web app writes it, in the same order, so both round alike.
    """
    height, width = rgb.shape[:2]
    c, s = math.cos(region.rotation), math.sin(region.rotation)
    width_px, height_px = region.width * width, region.height * height
    cx, cy = region.x_center * width, region.y_center * height
    u = np.arange(out_width, dtype=np.float64)[None, :]
    v = np.arange(out_height, dtype=np.float64)[:, None]
    a = ((u + 0.5) / out_width - 0.5) * width_px
    b = ((v + 0.5) / out_height - 0.5) * height_px
    fx = (cx + a * c - b * s) - 0.5
    fy = (cy + a * s + b * c) - 0.5
    x0, y0 = np.floor(fx), np.floor(fy)
    tx, ty = fx - x0, fy - y0
    padded = np.zeros((height + 2, width + 2, 3), dtype=np.float64)  # a ring of zeros around the frame
    padded[1:-1, 1:-1] = rgb

    def at(ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        inside = (ys >= -1) & (ys <= height) & (xs >= -1) & (xs <= width)
        rows = np.clip(ys, -1, height).astype(np.int64) + 1
        cols = np.clip(xs, -1, width).astype(np.int64) + 1
        return np.where(inside[..., None], padded[rows, cols], 0.0)

    p00, p01 = at(y0, x0), at(y0, x0 + 1)
    p10, p11 = at(y0 + 1, x0), at(y0 + 1, x0 + 1)
    tx, ty = tx[..., None], ty[..., None]
    return (1 - ty) * ((1 - tx) * p00 + tx * p01) + ty * ((1 - tx) * p10 + tx * p11)


def normalize(pixels: np.ndarray, low: float, high: float) -> np.ndarray:
    """[1, H, W, 3] float32 model input from 0..255 values: low + p / 255 * (high - low)."""
    return (low + pixels / 255.0 * (high - low)).astype(np.float32)[None]


# --- one frame of the pipeline -------------------------------------------------------------------

Runner = Callable[[np.ndarray], np.ndarray]  # detector input [1, H, W, 3] -> its output
#: landmark input [1, H, W, 3] -> (landmark values, pose presence)
Landmarker = Callable[[np.ndarray], tuple[np.ndarray, float]]


@dataclass(frozen=True)
class FrameResult:
    """One frame: how its region was found, the landmark output, and the next frame's region."""

    stage: str  # "detect" (the detector placed the region) or "track" (the last frame's landmarks did)
    detection: Detection | None
    region: Region | None  # None: the detector found nobody
    landmarks: np.ndarray  # [39, 5] as the landmark model gave them (crop pixels, logits); empty if none
    keypoints: list[list[float]]  # 33 rows of [x, y, score] in frame fractions
    presence: float
    next_region: Region | None  # None: tracking lost, the next frame runs the detector


def run_frame(rgb: np.ndarray, tracked: Region | None, detector: Runner, landmarker: Landmarker,
              landmark_normalize: tuple[float, float], landmark_size: int = 256,
              spec: DetectorSpec = DETECTOR) -> FrameResult:
    """One frame: detect (when nothing is tracked) or reuse ``tracked``, crop, landmarks, next region."""
    height, width = rgb.shape[:2]
    detection = None
    region = tracked
    if region is None:
        letterbox = letterbox_region(width, height)
        raw = detector(normalize(crop(rgb, letterbox, spec.input_size, spec.input_size), *spec.normalize))
        detection = decode_best_detection(raw, ssd_anchors(spec), letterbox, width, height, spec)
        if detection is None:
            return FrameResult("detect", None, None, np.zeros((0, 5)), [], 0.0, None)
        region = alignment_region(detection.keypoints[0], detection.keypoints[1], width, height)
    landmark_input = normalize(crop(rgb, region, landmark_size, landmark_size), *landmark_normalize)
    values, presence = landmarker(landmark_input)
    landmarks = np.asarray(values, dtype=np.float64).reshape(-1)[: LANDMARKS * 5].reshape(LANDMARKS, 5)
    points = project([(row[0] / landmark_size, row[1] / landmark_size) for row in landmarks], region,
                     width, height)
    keypoints = [[float(x), float(y), _sigmoid(float(row[3]))]
                 for (x, y), row in zip(points[:33], landmarks[:33], strict=True)]
    next_region = (alignment_region(points[AUX_HIPS], points[AUX_SCALE], width, height)
                   if presence >= PRESENCE_THRESHOLD else None)
    return FrameResult("detect" if tracked is None else "track", detection, region, landmarks, keypoints,
                       float(presence), next_region)
