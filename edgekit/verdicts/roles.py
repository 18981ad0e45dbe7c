"""What an output *is* (a mask, keypoints, probabilities, ...), which decides how it is judged.

A role comes from the zoo catalog (``output_roles`` in an entry's contract, with the entry's
source), from the user (``output_roles={"Identity_2": "mask"}``, ``--output-role NAME=ROLE``), or
from a scaffold binding. The user wins. Written as ``ROLE[:DETAIL]``:

- ``mask[:THRESHOLD]``: a segmentation output; pixels are "in" above THRESHOLD (default 0.5 for
  probabilities, 0 for logits, told apart by the op that makes the output or by the values);
- ``keypoints:KxS``: K points of S values; S=5 is BlazePose's (x, y in input pixels, z,
  visibility, presence), S=3 MoveNet's (y, x normalised to the input, score);
- ``points3d:KxS``: K points whose first three values are x, y, z in metres (world landmarks);
- ``probabilities``: values in [0, 1] read as they are; ``logits``: class scores (top-k);
- ``embedding``: a vector compared by direction (cosine); ``span_logits``: per-token logits whose
  argmax is an answer position.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from edgekit.errors import UsageError
from edgekit.model.contract import TensorInfo

__all__ = ["ROLES", "OutputRole", "parse_output_roles", "parse_role", "roles_for"]

ROLES = ("mask", "keypoints", "points3d", "probabilities", "logits", "embedding", "span_logits")
_NEEDS_LAYOUT = ("keypoints", "points3d")


@dataclass(frozen=True)
class OutputRole:
    """One output's role, its detail (a mask threshold, a keypoint layout) and where it came from."""

    role: str
    threshold: float | None = None
    layout: tuple[int, int] | None = None
    source: str = ""

    def describe(self) -> str:
        """``keypoints:39x5``, ``mask:0``: the role as written."""
        if self.layout:
            return f"{self.role}:{self.layout[0]}x{self.layout[1]}"
        if self.threshold is not None:
            return f"{self.role}:{self.threshold:g}"
        return self.role

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"role": self.describe(), "source": self.source}


def parse_role(text: str, source: str = "") -> OutputRole:
    """``mask:0.5`` -> OutputRole; UsageError naming the valid roles."""
    role, _, detail = text.strip().partition(":")
    if role not in ROLES:
        raise UsageError("output_roles", f"unknown role {role!r}; choose from: {', '.join(ROLES)}")
    if role in _NEEDS_LAYOUT:
        count, _, values = detail.partition("x")
        if not (count.isdigit() and values.isdigit() and int(count) > 0 and int(values) >= 3):
            raise UsageError("output_roles", f"{text!r}: {role} needs a layout COUNTxVALUES with at least "
                                             f"3 values, e.g. {role}:33x5")
        return OutputRole(role, layout=(int(count), int(values)), source=source)
    if role == "mask" and detail:
        try:
            threshold = float(detail)
        except ValueError:
            threshold = math.nan
        if not math.isfinite(threshold):  # NaN would compare false with every pixel: an empty mask
            raise UsageError(
                "output_roles", f"{text!r}: a mask threshold is a finite number, e.g. mask:0.5"
            )
        return OutputRole(role, threshold=threshold, source=source)
    if detail:
        raise UsageError("output_roles", f"{text!r}: {role} takes no detail after ':'")
    return OutputRole(role, source=source)


def parse_output_roles(items: Iterable[str] | Mapping[str, str] | None) -> dict[str, OutputRole]:
    """``["Identity_2=mask", "Identity=keypoints:39x5"]`` (or a mapping) -> {output: OutputRole}."""
    if not items:
        return {}
    pairs = items.items() if isinstance(items, Mapping) else (_split(item) for item in items)
    return {name: parse_role(role, "given by you") for name, role in pairs}


def _split(item: str) -> tuple[str, str]:
    name, sep, role = item.partition("=")
    if not sep or not name.strip() or not role.strip():
        raise UsageError("output_roles", f"{item!r} is not NAME=ROLE, e.g. Identity_2=mask")
    return name.strip(), role.strip()


def roles_for(outputs: Sequence[TensorInfo], catalog: Mapping[str, str], catalog_source: str,
              given: Mapping[str, OutputRole]) -> dict[str, OutputRole]:
    """Each output's role by tensor name: yours first, then the catalog's; names or signature keys match.

    A name you give that matches no output is refused with the outputs listed.
    """
    known = {t.name for t in outputs} | {t.key for t in outputs}
    unknown = [name for name in given if name not in known]
    if unknown:
        names = ", ".join(sorted({t.key for t in outputs} | {t.name for t in outputs}))
        raise UsageError("output_roles", f"no output named {unknown[0]!r}; the outputs are {names}")
    roles: dict[str, OutputRole] = {}
    for tensor in outputs:
        for name in (tensor.name, tensor.key):
            if name in given:
                roles[tensor.name] = given[name]
                break
            if name in catalog:
                roles[tensor.name] = parse_role(catalog[name], catalog_source)
                break
    return roles
