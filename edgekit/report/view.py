"""What a report shows, independent of HTML or Markdown: runs with their group, and the headline.

A bench document is one group of runs; a merged document has one group per host (shown side by
side); a convert document one group per variant. The headline table is the same in every format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edgekit.report.console import accuracy_cell, format_ms
from edgekit.results.bench_result import BenchResult, RunResult
from edgekit.results.document import ResultDocument

__all__ = ["Group", "LabelledRun", "groups_of", "HEADLINE_COLUMNS", "headline_rows", "title_of",
           "where_measured", "gpu_note"]


@dataclass(frozen=True)
class Group:
    """A bench document inside a report, under a name (host or variant; empty for a lone bench)."""

    name: str
    bench: BenchResult


@dataclass(frozen=True)
class LabelledRun:
    """A run and the group it belongs to."""

    group: str
    run: RunResult

    @property
    def label(self) -> str:
        return f"{self.group} | {self.run.label}" if self.group else self.run.label


def groups_of(document: ResultDocument) -> list[Group]:
    """The bench documents a document holds, each under its host or variant name."""
    from edgekit.convert.result import ConvertResult
    from edgekit.report.merged_result import MergedResult

    if isinstance(document, BenchResult):
        return [Group("", document)]
    if isinstance(document, MergedResult):
        return [Group(source.host, source.bench) for source in document.sources]
    if isinstance(document, ConvertResult):
        return [Group(v.variant, v.bench) for v in document.variants if v.bench is not None]
    return []


def title_of(document: ResultDocument) -> str:
    """One line naming what the document is about."""
    from edgekit.convert.result import ConvertResult
    from edgekit.gate.result import GateResult

    if isinstance(document, ConvertResult):
        return f"convert: {document.source.get('path') or document.source.get('name') or document.out}"
    if isinstance(document, GateResult):
        return f"gate: {document.config}: {document.verdict}"
    groups = groups_of(document)
    model = groups[0].bench.model if groups else {}
    hosts = f" on {len(groups)} hosts" if len(groups) > 1 else ""
    return f"{document.KIND}: {model.get('path')}{hosts}"


HEADLINE_COLUMNS = ["host / variant", "run", "status", "latency p50 ms", "95% CI of p50", "p90 ms",
                    "p99 ms", "CV", "runs", "thrpt p50", "readback p50", "accuracy", "where"]


def headline_rows(document: ResultDocument) -> list[list[str]]:
    """One row per run: the figures a reader compares first."""
    rows = []
    for group in groups_of(document):
        for run in group.bench.runs:
            rows.append(_row(group.name, run))
    return rows


def _row(group: str, run: RunResult) -> list[str]:
    latency = run.latency
    where = gpu_note(run) or str(run.runtime.get("kernels") or run.runtime.get("runtime") or "")
    if latency is None:
        return [group, run.label, run.status, "-", "-", "-", "-", "-", "-", "-", "-", accuracy_cell(run),
                run.reason[:80] or where]
    throughput = format_ms(run.throughput.p50) if run.throughput else (
        "= latency" if run.asynchronous is False else "-")
    low, high = latency.median_ci95
    return [group, run.label, run.status, format_ms(latency.p50), f"{format_ms(low)}-{format_ms(high)}",
            format_ms(latency.p90), format_ms(latency.p99), f"{latency.cv * 100:.1f}%", str(latency.count),
            throughput,
            format_ms(run.readback.p50) if run.readback else "-", accuracy_cell(run), where]


def gpu_note(run: RunResult) -> str:
    """Which GPU adapter ran, and whether it was software Vulkan (numerics, not latency)."""
    adapter = run.runtime.get("adapter") if run.runtime else None
    if not adapter:
        return ""
    note = str(adapter)
    if run.runtime.get("software"):
        note += " (software Vulkan: GPU numerics, NOT GPU latency)"
    accelerated = run.runtime.get("fully_accelerated")
    if accelerated is False:
        note += "; some ops fell back to CPU"
    return note


def where_measured(environment: dict[str, Any]) -> str:
    """The environment in one line, as the console header says it."""
    runtime = environment.get("runtime") or {}
    load = environment.get("load_average_at_start")
    cores = environment.get("usable_cores") or environment.get("logical_cores")
    line = (f"{environment.get('device', 'host')} {environment.get('hostname') or ''} - "
            f"{environment.get('cpu_model')}, {cores} cores, {environment.get('os')}, "
            f"Python {environment.get('python')}, "
            f"ai-edge-litert {runtime.get('ai-edge-litert')}")
    if load:
        line += f", load avg at start {load[0]:.2f}"
    return line.replace("  ", " ")
