"""Bench documents from many machines in one comparison: the ``merged`` document kind.

Each source keeps its whole bench document (environment, settings, runs, arrays) under a host
label, so a report shows the hosts side by side and every figure still says where it was
measured. Sources are compared only when that means something: the same model (same sha256)
written in the same schema version; anything else is refused in one line.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from edgekit.errors import MergeRefused
from edgekit.report.kinds import load_document
from edgekit.report.merged_result import MergedResult, MergedSource
from edgekit.results.bench_result import BenchResult
from edgekit.system.environment import environment_fingerprint

__all__ = ["MergedResult", "MergedSource", "merge", "host_label"]


def host_label(environment: dict[str, Any]) -> str:
    """A short name for where a document was measured: its host name, else device and CPU."""
    if environment.get("hostname"):
        return str(environment["hostname"])
    cores = environment.get("usable_cores") or environment.get("logical_cores")
    cpu = str(environment.get("cpu_model") or environment.get("machine") or "unknown cpu")
    return f"{environment.get('device', 'host')} {cpu}" + (f" x{cores}" if cores else "")


def merge(paths: Sequence[str | os.PathLike[str]], labels: Sequence[str] | None = None) -> MergedResult:
    """Load bench (or merged) documents and put them side by side; refuse what cannot compare.

    LABELS name the sources in order (default: each document's host); equal labels get the file
    name added so every run stays attributable.
    """
    names = [str(path) for path in paths]
    if len(names) < 2:
        raise MergeRefused(names, "give at least two documents")
    if labels is not None and len(labels) != len(names):
        raise MergeRefused(names, f"{len(labels)} labels for {len(names)} documents; give one per document")
    sources: list[MergedSource] = []
    versions: dict[str, int] = {}
    for index, path in enumerate(paths):
        document = load_document(path)
        origin = Path(path).name
        if isinstance(document, MergedResult):
            for source in document.sources:
                sources.append(source)
                versions[f"{origin} ({source.host})"] = source.bench.schema_version
        elif isinstance(document, BenchResult):
            host = labels[index] if labels else host_label(document.environment)
            sources.append(MergedSource(host, origin, document))
            versions[origin] = document.schema_version
        else:
            raise MergeRefused(names, f"{origin} is a {document.KIND} document; merge takes bench documents")
    _check_same(names, versions, sources)
    return MergedResult(sources=_unique_hosts(sources), environment=environment_fingerprint())


def _check_same(names: list[str], versions: dict[str, int], sources: list[MergedSource]) -> None:
    if len(set(versions.values())) > 1:
        found = ", ".join(f"{name} is {version}" for name, version in versions.items())
        raise MergeRefused(names, f"mixed schema versions ({found}); rewrite the older ones in today's "
                                  "layout with `edgekit judge OLD.json --json NEW.json` first")
    digests = {source.origin: str(source.bench.model.get("sha256", "")) for source in sources}
    if len(set(digests.values())) > 1:
        found = ", ".join(f"{origin} has {digest[:12]}" for origin, digest in digests.items())
        raise MergeRefused(names, f"different models (sha256: {found}); merge benches of one model file")


def _unique_hosts(sources: list[MergedSource]) -> list[MergedSource]:
    """Make equal host labels distinct by their file name (then by position)."""
    counts: dict[str, int] = {}
    for source in sources:
        counts[source.host] = counts.get(source.host, 0) + 1
    seen: set[str] = set()
    unique = []
    for source in sources:
        host = source.host if counts[source.host] == 1 else f"{source.host} ({source.origin})"
        while host in seen:
            host += "'"
        seen.add(host)
        unique.append(MergedSource(host, source.origin, source.bench))
    return unique
