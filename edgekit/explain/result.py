"""The ``profile`` and ``bisect`` result documents (kinds on the shared document base).

A profile document's ``profile`` section (``{"ops": [{"index", "type", "name", "ms", ...}]}``) is
the one the HTML report draws; its raw per-round samples go to the arrays sidecar.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np

from edgekit.files.json_fields import Fields, items, table
from edgekit.results.document import ResultDocument, prefixed

__all__ = ["BisectResult", "DelegateProfile", "OpError", "ProfileResult", "SegmentTime", "TOLERANCE"]

#: The per-op times must add up to the whole-model latency within this fraction.
TOLERANCE = 0.15


@dataclass(frozen=True)
class SegmentTime:
    """The time of one segment of ops: one op, or consecutive cheap ops merged with a costly one.

    ``index`` is ``"12"`` or ``"12-19"`` (op indices), ``type`` the type of its costliest op
    (estimated MACs plus output elements), ``ms`` the median over rounds of the paired difference
    prefix(k) - prefix(k-1), clamped at zero.
    """

    index: str
    type: str
    name: str
    ops: tuple[int, ...]
    op_types: dict[str, int]
    ms: float
    share: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**asdict(self), "ops": list(self.ops)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegmentTime:
        """Inverse of ``to_dict``."""
        return cls(
            str(data["index"]),
            data["type"],
            data["name"],
            tuple(data["ops"]),
            dict(data["op_types"]),
            float(data["ms"]),
            float(data.get("share", 0.0)),
        )


@dataclass
class DelegateProfile:
    """One delegate's profile of one model: segments, the whole model, and the sum check."""

    label: str
    delegate: str
    threads: int
    precision: str | None
    status: str
    reason: str = ""
    whole_ms: float | None = None
    segments: list[SegmentTime] = field(default_factory=list)
    #: [models, rounds]: row 0 the whole model, row k the prefix through segment k.
    samples: np.ndarray | None = None
    runtime: dict[str, Any] = field(default_factory=dict)

    @property
    def sum_ms(self) -> float:
        """The per-segment times added up."""
        return sum(s.ms for s in self.segments)

    @property
    def ratio(self) -> float | None:
        """Sum of the segments over the whole model's latency."""
        return self.sum_ms / self.whole_ms if self.whole_ms else None

    @property
    def passed(self) -> bool | None:
        """Whether the sum is within ``TOLERANCE`` of the whole; None when nothing was measured."""
        return None if self.ratio is None else abs(self.ratio - 1.0) <= TOLERANCE

    def by_type(self) -> dict[str, float]:
        """ms per op type (a segment counts for its costliest op's type), largest first."""
        totals: dict[str, float] = {}
        for segment in self.segments:
            totals[segment.type] = totals.get(segment.type, 0.0) + segment.ms
        return dict(sorted(totals.items(), key=lambda item: -item[1]))

    def check(self) -> dict[str, Any]:
        """The validation: sum, whole, ratio, pass/fail."""
        return {
            "sum_ms": self.sum_ms,
            "whole_ms": self.whole_ms,
            "ratio": self.ratio,
            "tolerance": TOLERANCE,
            "passed": self.passed,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (samples go to the sidecar)."""
        return {
            "label": self.label,
            "delegate": self.delegate,
            "threads": self.threads,
            "precision": self.precision,
            "status": self.status,
            "reason": self.reason,
            "whole_ms": self.whole_ms,
            "check": self.check(),
            "by_type": self.by_type(),
            "ops": [s.to_dict() for s in self.segments],
            "runtime": self.runtime,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], samples: np.ndarray | None) -> DelegateProfile:
        """Inverse of ``to_dict``."""
        return cls(
            data["label"],
            data["delegate"],
            int(data["threads"]),
            data.get("precision"),
            data["status"],
            data.get("reason", ""),
            data.get("whole_ms"),
            [SegmentTime.from_dict(s) for s in data.get("ops", [])],
            samples,
            data.get("runtime", {}),
        )


#: What each delegate's profile in a profile document holds (``edgekit.files.json_fields`` notation).
_PROFILE_RUN: Fields = {
    "label": "string",
    "delegate": "string",
    "threads": "integer",
    "status": "string",
    "reason": "string?",
    "precision": "string|null?",
    "whole_ms": "number|null?",
    "ops": "array<object>?",
    "runtime": "object?",
}
#: One op of a bisect curve; infinite dB figures are stored as strings ("inf").
_OP_ERROR: Fields = {
    "index": "integer",
    "type": "string",
    "tensor": "string",
    "reference_tensor": "string|null?",
    "snr_db": "number|string|null?",
    "cosine": "number|string|null?",
    "input_snr_db": "number|string|null?",
}


@dataclass(kw_only=True)
class ProfileResult(ResultDocument):
    """``edgekit profile``: per-segment time on each delegate, and a diff when a baseline was given."""

    KIND: ClassVar[str] = "profile"
    FIELDS: ClassVar[Fields] = {
        "model": "object",
        "method": "string",
        "settings": "object",
        "runs": items(_PROFILE_RUN, optional=True),
        "baseline": "object|null?",
        "baseline_runs": items(_PROFILE_RUN, optional=True),
        "changes": "object?",
        "warnings": "array<string>?",
    }

    model: dict[str, Any]
    method: str
    settings: dict[str, Any]
    runs: list[DelegateProfile]
    baseline: dict[str, Any] | None = None
    baseline_runs: list[DelegateProfile] = field(default_factory=list)
    #: Per run label: the segments whose time changed most against the baseline, largest first.
    changes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        first = next((run for run in self.runs if run.status == "ok"), None)
        section = (
            {"label": first.label, "ops": [s.to_dict() for s in first.segments], **first.check()}
            if first
            else None
        )
        return {
            "model": self.model,
            "method": self.method,
            "settings": self.settings,
            "runs": [run.to_dict() for run in self.runs],
            "profile": section,
            "baseline": self.baseline,
            "baseline_runs": [run.to_dict() for run in self.baseline_runs],
            "changes": self.changes,
            "warnings": self.warnings,
        }

    def arrays(self) -> dict[str, np.ndarray]:
        arrays = {}
        for prefix, runs in (("runs", self.runs), ("baseline_runs", self.baseline_runs)):
            for i, run in enumerate(runs):
                if run.samples is not None:
                    arrays[f"{prefix}/{i}/samples_ms"] = run.samples
        return arrays

    @classmethod
    def from_body(cls, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> ProfileResult:
        def runs(key: str) -> list[DelegateProfile]:
            return [
                DelegateProfile.from_dict(data, prefixed(arrays, f"{key}/{i}/").get("samples_ms"))
                for i, data in enumerate(document.get(key, []))
            ]

        return cls(
            **cls.header_fields(document),
            model=document["model"],
            method=document["method"],
            settings=document["settings"],
            runs=runs("runs"),
            baseline=document.get("baseline"),
            baseline_runs=runs("baseline_runs"),
            changes=document.get("changes", {}),
            warnings=document.get("warnings", []),
        )


@dataclass(frozen=True)
class OpError:
    """The error of one op's output along the graph (candidate against reference)."""

    index: int
    type: str
    tensor: str
    reference_tensor: str | None
    snr_db: float | None
    cosine: float | None
    input_snr_db: float | None
    jump: bool = False
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (infinities as strings)."""
        return {
            k: (str(v) if isinstance(v, float) and not np.isfinite(v) else v) for k, v in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OpError:
        """Inverse of ``to_dict``."""

        def number(value: Any) -> float | None:
            return None if value is None else float(value)

        return cls(
            int(data["index"]),
            data["type"],
            data["tensor"],
            data.get("reference_tensor"),
            number(data.get("snr_db")),
            number(data.get("cosine")),
            number(data.get("input_snr_db")),
            bool(data.get("jump")),
            data.get("note", ""),
        )


@dataclass(kw_only=True)
class BisectResult(ResultDocument):
    """``edgekit bisect``: the error curve along the graph and the first op whose error jumps."""

    KIND: ClassVar[str] = "bisect"
    FIELDS: ClassVar[Fields] = {
        "model": "object",
        "candidate": "object",
        "reference": "object",
        "rule": "object",
        "inputs": "object",
        "curve": items(_OP_ERROR),
        "culprit": table(_OP_ERROR, optional=True, nullable=True),
        "warnings": "array<string>?",
    }

    model: dict[str, Any]
    candidate: dict[str, Any]
    reference: dict[str, Any]
    rule: dict[str, Any]
    inputs: dict[str, Any]
    curve: list[OpError]
    culprit: OpError | None
    warnings: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "candidate": self.candidate,
            "reference": self.reference,
            "rule": self.rule,
            "inputs": self.inputs,
            "culprit": self.culprit.to_dict() if self.culprit else None,
            "curve": [op.to_dict() for op in self.curve],
            "warnings": self.warnings,
        }

    @classmethod
    def from_body(cls, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> BisectResult:
        culprit = document.get("culprit")
        return cls(
            **cls.header_fields(document),
            model=document["model"],
            candidate=document["candidate"],
            reference=document["reference"],
            rule=document["rule"],
            inputs=document["inputs"],
            curve=[OpError.from_dict(op) for op in document["curve"]],
            culprit=OpError.from_dict(culprit) if culprit else None,
            warnings=document.get("warnings", []),
        )
