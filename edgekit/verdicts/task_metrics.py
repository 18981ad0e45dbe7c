"""Judging an output by what it is for: one metric per role, named in words a user acts on.

Each function takes the candidate and reference arrays (real values) of one output and returns a
:class:`Decision`: the verdict, the metric that decided it, and one line such as
``mask: 0 of 65,536 pixels flip (IoU 1.000) -> pass``. Limits are per precision
(``ROLE_LIMITS``): fp32 against fp32 must agree almost exactly, fp16 and int8 less so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgekit.verdicts.roles import OutputRole

__all__ = ["ROLE_LIMITS", "Decision", "judge_role", "worst"]

#: precision -> role -> (fail above, warn above), in each role's own unit (see the judges).
ROLE_LIMITS: dict[str, dict[str, tuple[float, float]]] = {
    # fp32 vs fp32: summation order only; a pixel may flip where a logit sits on the threshold.
    # (XNNPACK against reference kernels moves a sigmoid's output by ~1.5e-5: not a warning.)
    "fp32": {"mask": (0.001, 0.0001), "keypoints": (0.01, 0.002), "points3d": (0.01, 0.001),
             "probabilities": (1e-2, 1e-3), "embedding": (1e-4, 1e-5)},
    # fp16: ~1e-3 relative error per value; a mask's edge and a keypoint move by a pixel or two.
    "fp16": {"mask": (0.01, 0.001), "keypoints": (0.05, 0.02), "points3d": (0.05, 0.01),
             "probabilities": (5e-2, 1e-2), "embedding": (1e-3, 1e-4)},
    # int8: one step is 0.4% of a tensor's range and steps add up layer by layer.
    "int8": {"mask": (0.05, 0.01), "keypoints": (0.10, 0.05), "points3d": (0.10, 0.05),
             "probabilities": (0.1, 0.05), "embedding": (2e-2, 1e-2)},
}
#: Ops whose output is already a probability: a mask they make is cut at 0.5, others at 0.
PROBABILITY_OPS = frozenset({"LOGISTIC", "Sigmoid", "SOFTMAX", "Softmax"})
VERDICT_ORDER = {"pass": 0, "warn": 1, "fail": 2}


@dataclass(frozen=True)
class Decision:
    """One output's verdict and the metric behind it."""

    output: str
    basis: str  # a role, "elements" (no role: element metrics) or "structure"
    metric: str
    verdict: str
    text: str
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Non-finite numbers are kept as the strings JSON can hold, so a loaded decision equals this one.
        safe = {
            k: (v if not isinstance(v, float) or math.isfinite(v) else str(v)) for k, v in self.values.items()
        }
        object.__setattr__(self, "values", safe)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (non-finite numbers as strings)."""
        return {"output": self.output, "basis": self.basis, "metric": self.metric, "verdict": self.verdict,
                "text": self.text, "values": dict(self.values)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        """Inverse of ``to_dict``."""
        return cls(data["output"], data["basis"], data["metric"], data["verdict"], data["text"],
                   dict(data.get("values", {})))


def worst(verdicts: list[str]) -> str:
    """The worst of pass < warn < fail (pass when empty)."""
    return max(verdicts, key=VERDICT_ORDER.__getitem__, default="pass")


def judge_role(name: str, role: OutputRole, candidate: np.ndarray, reference: np.ndarray, *, precision: str,
               producer: str | None = None, image_size: tuple[int, int] | None = None) -> Decision:
    """The decision for one output with a role (arrays already in real values, same shape)."""
    judge = _JUDGES[role.role]
    # Values near float64's limit (a float64 --expected file) overflow to inf, which the metric
    # then judges like any other miss: no numpy warning on stderr for it.
    with np.errstate(over="ignore", invalid="ignore"):
        return judge(name, role, np.asarray(candidate, np.float64), np.asarray(reference, np.float64),
                     precision, producer, image_size)


def _verdict(value: float, limits: tuple[float, float]) -> str:
    fail, warn = limits
    # NaN compares false with everything: a metric that could not be computed must not pass.
    return "fail" if math.isnan(value) or value > fail else "warn" if value > warn else "pass"


def _line(name: str, role: str, what: str, verdict: str) -> str:
    return f"{name} ({role}): {what} -> {verdict}"


def _mask(name: str, role: OutputRole, cand: np.ndarray, ref: np.ndarray, precision: str,
          producer: str | None, image_size: tuple[int, int] | None) -> Decision:
    threshold = role.threshold
    if threshold is None:
        probabilities = producer in PROBABILITY_OPS or (ref.min() >= 0.0 and ref.max() <= 1.0)
        threshold = 0.5 if probabilities else 0.0
    inside_ref, inside_cand = ref > threshold, cand > threshold
    flipped = int(np.count_nonzero(inside_ref != inside_cand))
    union = int(np.count_nonzero(inside_ref | inside_cand))
    iou = 1.0 if union == 0 else float(np.count_nonzero(inside_ref & inside_cand)) / union
    fraction = flipped / max(ref.size, 1)
    verdict = _verdict(fraction, ROLE_LIMITS[precision]["mask"])
    what = (f"{flipped:,} of {ref.size:,} pixels flip ({fraction:.2%}) at threshold {threshold:g} "
            f"(IoU {iou:.3f}, reference covers {np.count_nonzero(inside_ref) / max(ref.size, 1):.1%})")
    return Decision(name, "mask", "pixels flipped", verdict, _line(name, "mask", what, verdict),
                    {"flipped": flipped, "pixels": int(ref.size), "flipped_fraction": fraction, "iou": iou,
                     "threshold": threshold})


def _keypoints(name: str, role: OutputRole, cand: np.ndarray, ref: np.ndarray, precision: str,
               producer: str | None, image_size: tuple[int, int] | None) -> Decision:
    count, values = role.layout or (0, 0)
    usable = (ref.size // values) if values else 0
    points = min(count, usable)
    if points == 0:
        return _unjudgeable(name, "keypoints", f"{ref.size} values do not hold {count}x{values} keypoints")
    r = ref.reshape(-1)[: usable * values].reshape(usable, values)[:points]
    c = cand.reshape(-1)[: usable * values].reshape(usable, values)[:points]
    height, width = image_size or (1, 1)
    if values == 3:  # MoveNet: y, x normalised to the input
        ry, rx, cy, cx = r[:, 0] * height, r[:, 1] * width, c[:, 0] * height, c[:, 1] * width
    else:  # x, y in input pixels
        rx, ry, cx, cy = r[:, 0], r[:, 1], c[:, 0], c[:, 1]
    distance = np.hypot(rx - cx, ry - cy)
    size = float(max(height, width))
    worst_px = float(distance.max())
    pck = float(np.mean(distance <= 0.02 * size))
    verdict = _verdict(worst_px / size, ROLE_LIMITS[precision]["keypoints"])
    what = (f"worst of {points} keypoints {worst_px:.2f} px off ({worst_px / size:.2%} of {size:g} px), "
            f"mean {float(distance.mean()):.2f} px, PCK@2% {pck:.3f}")
    return Decision(
        name,
        "keypoints",
        "worst keypoint error",
        verdict,
        _line(name, "keypoints", what, verdict),
        {"max_px": worst_px, "mean_px": float(distance.mean()), "pck_2pct": pck, "image_px": size},
    )


def _points3d(name: str, role: OutputRole, cand: np.ndarray, ref: np.ndarray, precision: str,
              producer: str | None, image_size: tuple[int, int] | None) -> Decision:
    count, values = role.layout or (0, 0)
    usable = (ref.size // values) if values else 0
    points = min(count, usable)
    if points == 0:
        return _unjudgeable(name, "points3d", f"{ref.size} values do not hold {count}x{values} points")
    r = ref.reshape(-1)[: usable * values].reshape(usable, values)[:points, :3]
    c = cand.reshape(-1)[: usable * values].reshape(usable, values)[:points, :3]
    distance = np.linalg.norm(r - c, axis=1)
    worst_m = float(distance.max())
    verdict = _verdict(worst_m, ROLE_LIMITS[precision]["points3d"])
    what = f"worst of {points} points {worst_m * 100:.2f} cm off, mean {float(distance.mean()) * 100:.2f} cm"
    return Decision(name, "points3d", "worst point error", verdict, _line(name, "points3d", what, verdict),
                    {"max_m": worst_m, "mean_m": float(distance.mean())})


def _probabilities(name: str, role: OutputRole, cand: np.ndarray, ref: np.ndarray, precision: str,
                   producer: str | None, image_size: tuple[int, int] | None) -> Decision:
    error = float(np.max(np.abs(cand - ref))) if ref.size else 0.0
    verdict = _verdict(error, ROLE_LIMITS[precision]["probabilities"])
    what = f"max absolute error {error:.3g} (reference in {float(ref.min()):.3g}..{float(ref.max()):.3g})"
    return Decision(name, "probabilities", "max absolute error", verdict,
                    _line(name, "probabilities", what, verdict), {"max_abs": error})


def _logits(name: str, role: OutputRole, cand: np.ndarray, ref: np.ndarray, precision: str,
            producer: str | None, image_size: tuple[int, int] | None) -> Decision:
    classes = ref.shape[-1] if ref.ndim else 1
    r, c = ref.reshape(-1, classes), cand.reshape(-1, classes)
    ref_top = r.argmax(axis=1)
    top1 = float(np.mean(c.argmax(axis=1) == ref_top))
    k = min(5, classes)
    cand_topk = np.argsort(-c, axis=1, kind="stable")[:, :k]
    topk = float(np.mean(np.any(cand_topk == ref_top[:, None], axis=1)))
    verdict = "pass" if top1 == 1.0 else "fail" if topk < 1.0 else "warn"
    what = f"top-1 agrees on {top1:.0%} of {len(r)} row(s), reference top-1 in top-{k} on {topk:.0%}"
    return Decision(name, "logits", "top-1 agreement", verdict, _line(name, "logits", what, verdict),
                    {"top1": top1, f"top{k}": topk})


def _embedding(name: str, role: OutputRole, cand: np.ndarray, ref: np.ndarray, precision: str,
               producer: str | None, image_size: tuple[int, int] | None) -> Decision:
    a, b = cand.ravel(), ref.ravel()
    peak = max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)))
    if math.isfinite(peak) and peak > 0:  # cosine ignores scale: divided first, the norms stay finite
        a, b = a / peak, b / peak
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    cosine = float(a @ b / norms) if norms > 0 else (1.0 if not a.any() and not b.any() else 0.0)
    verdict = _verdict(1.0 - cosine, ROLE_LIMITS[precision]["embedding"])
    what = f"cosine {cosine:.6f} to the reference"
    return Decision(name, "embedding", "cosine", verdict, _line(name, "embedding", what, verdict),
                    {"cosine": cosine})


def _span_logits(name: str, role: OutputRole, cand: np.ndarray, ref: np.ndarray, precision: str,
                 producer: str | None, image_size: tuple[int, int] | None) -> Decision:
    length = ref.shape[-1] if ref.ndim else 1
    ref_at, cand_at = ref.reshape(-1, length).argmax(axis=1), cand.reshape(-1, length).argmax(axis=1)
    same = bool(np.all(ref_at == cand_at))
    verdict = "pass" if same else "fail"
    what = (f"answer position {cand_at.tolist()} vs reference {ref_at.tolist()}"
            + ("" if same else ": a different answer span"))
    return Decision(
        name,
        "span_logits",
        "answer position",
        verdict,
        _line(name, "span_logits", what, verdict),
        {"position": cand_at.tolist(), "reference_position": ref_at.tolist()},
    )


def _unjudgeable(name: str, role: str, why: str) -> Decision:
    return Decision(
        name, role, "layout", "fail", _line(name, role, f"cannot judge: {why}; check the role", "fail")
    )


_Judge = Callable[
    [str, OutputRole, np.ndarray, np.ndarray, str, "str | None", "tuple[int, int] | None"], Decision
]
_JUDGES: dict[str, _Judge] = {
    "mask": _mask, "keypoints": _keypoints, "points3d": _points3d, "probabilities": _probabilities,
    "logits": _logits, "embedding": _embedding, "span_logits": _span_logits,
}
