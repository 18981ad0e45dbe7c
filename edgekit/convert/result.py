"""The convert result document: one source, its variants, each with the bench that judged it.

A ``ConvertResult`` is a :class:`edgekit.results.document.ResultDocument` of kind ``convert``. Each
variant keeps its whole bench document (runs, inputs, outputs, reference), so the matrix can be
reported again or gated later without re-running anything; the benches' arrays share the one
``.arrays.npz`` sidecar, each under ``variants/<variant>/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from edgekit.files.json_fields import Fields, items, table
from edgekit.results.bench_result import BenchResult
from edgekit.results.document import HEADER_FIELDS, SCHEMA_VERSION, ResultDocument, prefixed

__all__ = ["VARIANT_STATUSES", "FAILED_VARIANT_STATUSES", "VariantResult", "ConvertResult"]

#: ``ok``: made (and benched where it runs here); ``unavailable``: a tool it needs is missing;
#: ``error``: the converter or a step after it failed; ``timeout``: a tool ran past its limit.
VARIANT_STATUSES = ("ok", "unavailable", "error", "timeout")
#: Statuses that make ``convert`` exit 1.
FAILED_VARIANT_STATUSES = ("error", "timeout")


@dataclass
class VariantResult:
    """One deployable form of the source: where it was written, and how it ran and compared."""

    variant: str
    status: str
    reason: str = ""
    description: str = ""
    path: str | None = None
    size_bytes: int | None = None
    convert_seconds: float | None = None
    note: str = ""
    coverage: dict[str, Any] | None = None
    bench: BenchResult | None = None

    @property
    def verdict(self) -> str | None:
        """The worst accuracy verdict over the variant's runs (None when nothing was judged)."""
        verdicts = [run.accuracy.verdict for run in (self.bench.runs if self.bench else []) if run.accuracy]
        for worst in ("fail", "warn", "pass"):
            if worst in verdicts:
                return worst
        return None

    def accuracy_summary(self) -> dict[str, Any]:
        """Verdict, reference, worst cosine and reasons over every judged run (derived, not stored)."""
        judged = [run.accuracy for run in (self.bench.runs if self.bench else []) if run.accuracy]
        return {
            "verdict": self.verdict,
            "reference": judged[0].reference if judged else None,
            "worst_cosine": min((o.cosine for report in judged for o in report.outputs), default=None),
            "reasons": sorted({reason for report in judged for reason in report.reasons}),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "description": self.description,
            "status": self.status,
            "reason": self.reason,
            "path": self.path,
            "size_bytes": self.size_bytes,
            "convert_seconds": self.convert_seconds,
            "note": self.note,
            "coverage": self.coverage,
            "accuracy": self.accuracy_summary(),
            "bench": self.bench.to_dict() if self.bench else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], arrays: dict[str, np.ndarray]) -> VariantResult:
        """Rebuild from :meth:`to_dict`'s output and this variant's arrays (keys without the prefix)."""
        bench = data.get("bench")
        return cls(
            variant=data["variant"],
            status=data["status"],
            reason=data.get("reason", ""),
            description=data.get("description", ""),
            path=data.get("path"),
            size_bytes=data.get("size_bytes"),
            convert_seconds=data.get("convert_seconds"),
            note=data.get("note", ""),
            coverage=data.get("coverage"),
            bench=BenchResult.from_body(bench, arrays) if bench else None,
        )


@dataclass(kw_only=True)
class ConvertResult(ResultDocument):
    """Everything one ``convert`` produced; what the CLI prints and ``--json`` writes."""

    KIND: ClassVar[str] = "convert"
    # Schema 1 convert documents kept only a summary of each bench (no inputs, model or settings),
    # so a bench cannot be rebuilt from them: they are refused with the base's clear message.
    READS: ClassVar[tuple[int, ...]] = (2, SCHEMA_VERSION)
    FIELDS: ClassVar[Fields] = {
        "source": "object",
        "out": "string",
        "calibration": "object|null?",
        "reference": "string",
        "settings": "object",
        "variants": items(
            {
                "variant": "string",
                "status": "string",
                "reason": "string?",
                "description": "string?",
                "path": "string|null?",
                "size_bytes": "integer|null?",
                "convert_seconds": "number|null?",
                "note": "string?",
                "coverage": "object|null?",
                "bench": table({**HEADER_FIELDS, **BenchResult.FIELDS}, optional=True, nullable=True),
            }
        ),
    }

    source: dict[str, Any]
    out: str
    calibration: dict[str, Any] | None
    reference: str
    settings: dict[str, Any]
    variants: list[VariantResult] = field(default_factory=list)

    @property
    def failed_variants(self) -> list[VariantResult]:
        """Variants that failed to be made, or whose bench had a failed run."""
        return [v for v in self.variants
                if v.status in FAILED_VARIANT_STATUSES or (v.bench is not None and v.bench.failed_runs)]

    def body(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "out": self.out,
            "calibration": self.calibration,
            "reference": self.reference,
            "settings": self.settings,
            "variants": [variant.to_dict() for variant in self.variants],
        }

    def arrays(self) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {}
        for variant in self.variants:
            for key, value in (variant.bench.arrays() if variant.bench else {}).items():
                arrays[f"{_prefix(variant.variant)}{key}"] = value
        return arrays

    @classmethod
    def from_body(cls, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> ConvertResult:
        return cls(
            source=document["source"],
            out=document["out"],
            calibration=document.get("calibration"),
            reference=document["reference"],
            settings=document["settings"],
            variants=[VariantResult.from_dict(v, prefixed(arrays, _prefix(v["variant"])))
                      for v in document["variants"]],
            **cls.header_fields(document),
        )


def _prefix(variant: str) -> str:
    return f"variants/{variant}/"
