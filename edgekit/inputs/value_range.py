"""Given inputs against the value range the model expects: warn when they are plainly outside it.

A [0, 1] model fed 0-255 pixels still runs, and a candidate still agrees with its reference on
them, so every verdict passes while the outputs mean nothing (pose-landmark-full's pose presence
drops from 0.90 to 0.12). The range comes, in this order, from the user (``normalize``), the zoo
catalog, or the model's own TFLite metadata (:mod:`edgekit.model.formats.tflite_metadata`). Two
findings, one line each:

- **outside**: values below LOW or above HIGH by more than 1% of the span (0-255 into [0, 1]);
- **one-sided**: the model expects a signed range ([-1, 1]) but no value is below 0 while the
  values spread over at least a quarter of the span: inputs scaled for a [0, 1] model. A real
  photo mapped to [-1, 1] has pixels darker than mid-grey; an all-bright picture would be flagged
  too, which the line's wording allows for.

Only inputs the user gave are checked: realistic inputs are made in the range, random ones are
uniform in [-1, 1] by definition and their verdicts say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from edgekit.model.contract import TensorInfo
from edgekit.model.formats.tflite_metadata import METADATA_NAME, input_value_ranges

__all__ = ["ExpectedRange", "PREFIX", "expected_ranges", "range_warnings", "image_input"]

#: Every warning starts with this, so documents and gate lines can tell them from other warnings.
PREFIX = "input range: "
_SLACK = 0.01  # of the span: rounding and resampling stay inside, 0-255 into [0, 1] does not
_SPREAD = 0.25  # of the span: values must spread this far before "none below 0" means anything


@dataclass(frozen=True)
class ExpectedRange:
    """The value range an input expects and who says so."""

    low: float
    high: float
    source: str  # "normalize", "zoo catalog (pose-landmark-full)", "TFLite metadata (mean 127.5, std 127.5)"


def image_input(tensors: Sequence[TensorInfo]) -> TensorInfo | None:
    """The one NHWC RGB image input, when there is exactly one (the input ``normalize`` is about)."""
    images = [t for t in tensors if len(t.shape) == 4 and t.shape[-1] == 3]
    return images[0] if len(images) == 1 else None


def expected_ranges(tensors: Sequence[TensorInfo], metadata: bytes | None,
                    value_range: tuple[float, float] | None, source: str) -> dict[str, ExpectedRange]:
    """{input name: range} from VALUE_RANGE (for the image input, said by SOURCE) over METADATA's."""
    ranges: dict[str, ExpectedRange] = {}
    stated = input_value_ranges(metadata)
    for index, (low, high) in stated.items():
        if index < len(tensors):
            ranges[tensors[index].name] = ExpectedRange(low, high, f"the model's {METADATA_NAME}")
    image = image_input(tensors)
    if value_range is not None and image is not None:
        ranges[image.name] = ExpectedRange(float(value_range[0]), float(value_range[1]), source)
    return ranges


def range_warnings(sets: Sequence[Mapping[str, np.ndarray]],
                   ranges: Mapping[str, ExpectedRange]) -> list[str]:
    """One line per float input whose given values (over all SETS) sit outside its expected range."""
    found = []
    for name, expected in ranges.items():
        values = [np.asarray(arrays[name]) for arrays in sets if name in arrays]
        values = [v[np.isfinite(v)] for v in values if np.issubdtype(v.dtype, np.floating) and v.size]
        values = [v for v in values if v.size]
        if not values:
            continue
        low, high = min(float(v.min()) for v in values), max(float(v.max()) for v in values)
        line = _finding(name, low, high, expected)
        if line:
            found.append(line)
    return found


def _finding(name: str, low: float, high: float, expected: ExpectedRange) -> str:
    span = expected.high - expected.low
    given = f"{name} holds values from {low:.4g} to {high:.4g}"
    wanted = f"the [{expected.low:g}, {expected.high:g}] the model expects ({expected.source})"
    if low < expected.low - _SLACK * span or high > expected.high + _SLACK * span:
        return (f"{PREFIX}{given}, outside {wanted}; its outputs on them mean little: scale the inputs "
                "to that range")
    if expected.low < 0 < expected.high and low >= 0 and high - low >= _SPREAD * span:
        return (f"{PREFIX}{given}, none below 0, where the model expects [{expected.low:g}, "
                f"{expected.high:g}] ({expected.source}): they look scaled for a [0, 1] model")
    return ""
