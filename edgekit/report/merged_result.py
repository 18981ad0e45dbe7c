"""The ``merged`` document kind: several bench documents of one model, each under its host label.

Kept apart from :mod:`edgekit.report.merge` (which builds one) so the table of document kinds,
:mod:`edgekit.report.kinds`, can hold this class while ``merge`` reads its sources through that table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from edgekit.files.json_fields import Fields, items, table
from edgekit.results.bench_result import BenchResult, RunResult
from edgekit.results.document import HEADER_FIELDS, SCHEMA_VERSION, ResultDocument, prefixed

__all__ = ["MergedResult", "MergedSource"]


@dataclass
class MergedSource:
    """One bench document in a merge, and the label its runs carry."""

    host: str
    origin: str
    bench: BenchResult


@dataclass(kw_only=True)
class MergedResult(ResultDocument):
    """Several bench documents of one model, each under its host label."""

    KIND: ClassVar[str] = "merged"
    READS: ClassVar[tuple[int, ...]] = (SCHEMA_VERSION,)
    FIELDS: ClassVar[Fields] = {
        "model": "object?",
        "sources": items(
            {
                "host": "string",
                "origin": "string?",
                "document": table({**HEADER_FIELDS, **BenchResult.FIELDS}),
            }
        ),
    }

    sources: list[MergedSource]

    @property
    def model(self) -> dict[str, Any]:
        """The model every source measured (they share its sha256)."""
        return self.sources[0].bench.model if self.sources else {}

    @property
    def runs(self) -> list[tuple[str, RunResult]]:
        """Every run of every source, with its host label, source by source."""
        return [(source.host, run) for source in self.sources for run in source.bench.runs]

    def body(self) -> dict[str, Any]:
        return {
            "model": {key: self.model.get(key) for key in ("path", "sha256", "size_bytes")},
            "sources": [
                {"host": s.host, "origin": s.origin, "document": s.bench.to_dict()} for s in self.sources
            ],
        }

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            f"sources/{index}/{key}": value
            for index, source in enumerate(self.sources)
            for key, value in source.bench.arrays().items()
        }

    @classmethod
    def from_body(cls, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> MergedResult:
        sources = [
            MergedSource(entry["host"], entry.get("origin", ""),
                         BenchResult.from_body(entry["document"], prefixed(arrays, f"sources/{index}/")))
            for index, entry in enumerate(document["sources"])
        ]
        return cls(
            sources=sources,
            **cls.header_fields(document),
        )
