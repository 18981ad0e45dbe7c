"""Every result document kind, by the ``kind`` field it writes: the one table that reads any document.

Each kind is a :class:`~edgekit.results.document.ResultDocument` subclass defined where its command
lives (bench in ``results``, convert, profile and bisect in ``explain``, gate, merged here in
``report``). Reading a document of unknown kind needs all of them, so the table sits on the report
floor, which renders every kind and may import them all. A new kind is one more entry here.
``edgekit report``, ``edgekit report merge`` and ``edgekit.load_document`` read through it;
``BenchResult.load`` and the other classes' own ``load`` read their kind alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from edgekit.convert.result import ConvertResult
from edgekit.errors import ResultFormatError
from edgekit.explain.result import BisectResult, ProfileResult
from edgekit.gate.result import GateResult
from edgekit.report.merged_result import MergedResult
from edgekit.results.bench_result import BenchResult
from edgekit.results.document import ResultDocument, document_kind, read_document_json

__all__ = ["KINDS", "load_document"]

#: ``kind`` -> the class that reads it.
KINDS: Mapping[str, type[ResultDocument]] = MappingProxyType({
    kind.KIND: kind
    for kind in (BenchResult, ConvertResult, MergedResult, ProfileResult, BisectResult, GateResult)
})


def load_document(path: str | os.PathLike[str]) -> ResultDocument:
    """Read the saved result document PATH, whatever its kind, as the class of its ``kind``.

    Refused, with exit 2 and the reason (ResultFormatError): a kind this edgekit does not know, a
    schema version it cannot read, a field of the wrong type, a sidecar outside the folder.
    """
    source = Path(path)
    document = read_document_json(source)
    known = f"known: {', '.join(sorted(KINDS))}"
    kind = document_kind(source, document, known)
    target = KINDS.get(kind)
    if target is None:
        raise ResultFormatError(source, f"unknown document kind {kind!r}; {known}")
    return target.from_document(source, document)
