"""The report's plots, from result documents to SVG: one function per plot, None when it has no data.

Every plot is an ``<svg data-plot="NAME">``: ``latency`` (distribution per run), ``variants``
(size x latency with the Pareto front), ``coverage`` (ops per op type each delegate maps),
``accuracy`` (verdict per run and output) and ``profile`` (time per op, when a document has one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edgekit.measure.stats import LatencyStats
from edgekit.report.svg import VERDICT_COLOURS, Bar, Box, Cell, Point, bar_chart, box_plot, heat_grid, scatter
from edgekit.report.view import LabelledRun, groups_of
from edgekit.results.document import ResultDocument

__all__ = ["latency_plot", "variants_plot", "pareto_front", "coverage_plot", "accuracy_plot", "profile_plot",
           "PLOT_NAMES"]

#: Every plot a report can hold, in page order.
PLOT_NAMES = ("latency", "variants", "coverage", "accuracy", "profile")
_SERIES = (("latency", "#4e79a7"), ("throughput", "#f28e2b"), ("readback", "#9c9c9c"))
_PROFILE_TIME_KEYS = ("ms", "avg_ms", "mean_ms", "time_ms", "total_ms")


def _runs(document: ResultDocument) -> list[LabelledRun]:
    return [LabelledRun(group.name, run) for group in groups_of(document) for run in group.bench.runs]


def _box(label: str, series: str, colour: str, stats: LatencyStats) -> Box:
    p25, p75 = (float(v) for v in np.percentile(np.asarray(stats.samples_ms), [25, 75]))
    return Box(label, series, colour, stats.min, p25, stats.p50, p75, stats.p99, stats.max, stats.count)


def latency_plot(document: ResultDocument) -> str | None:
    """Box plots of latency, throughput and readback for every run that measured."""
    boxes = []
    for labelled in _runs(document):
        run = labelled.run
        for series, colour in _SERIES:
            stats = getattr(run, series)
            if stats is not None:
                boxes.append(_box(labelled.label, series, colour, stats))
    if not boxes:
        return None
    return box_plot("latency", "latency distribution per run (box p25-p75, whiskers min-max, tick p99)",
                    boxes, "ms")


def pareto_front(points: list[tuple[str, float, float]]) -> set[str]:
    """Names of the points no other point beats on both size and latency (smaller is better)."""
    front = set()
    for name, size, latency in points:
        beaten = any(s <= size and t <= latency and (s, t) != (size, latency) for _, s, t in points)
        if not beaten:
            front.add(name)
    return front


def variants_plot(document: ResultDocument) -> str | None:
    """A convert document's variants: file size against latency p50, coloured by verdict."""
    from edgekit.convert.result import ConvertResult

    if not isinstance(document, ConvertResult):
        return None
    measured = []
    for variant in document.variants:
        run = next((r for r in (variant.bench.runs if variant.bench else []) if r.latency), None)
        if run is not None and run.latency is not None and variant.size_bytes:
            measured.append((variant, run.label, variant.size_bytes / 1e6, run.latency.p50))
    if not measured:
        return None
    front = pareto_front([(v.variant, size, p50) for v, _, size, p50 in measured])
    points = [
        Point(v.variant, size, p50, VERDICT_COLOURS.get(v.verdict, VERDICT_COLOURS[None]),
              f"{v.variant}: {size:.3f} MB, p50 {p50:.4g} ms on {label}, verdict {v.verdict or 'not judged'}"
              + (" - on the Pareto front" if v.variant in front else ""),
              ring=v.variant in front)
        for v, label, size, p50 in measured
    ]
    return scatter("variants", "variant matrix: size x latency p50, colour = verdict, ringed = Pareto front",
                   points, "size MB", "p50 ms")


def coverage_plot(document: ResultDocument) -> str | None:
    """Per op type, how many of its ops each delegate maps (from each run's static coverage)."""
    columns: list[str] = []
    unsupported: dict[tuple[str, str], int] = {}
    histogram: dict[str, int] = {}
    for group in groups_of(document):
        histogram.update(group.bench.model.get("op_histogram") or {})
        for run in group.bench.runs:
            coverage = run.coverage
            name = f"{group.name} | {run.delegate}" if group.name else run.delegate
            if not coverage or name in columns:
                continue
            columns.append(name)
            for entry in coverage.get("unsupported") or []:
                key = (str(entry.get("op")), name)
                unsupported[key] = unsupported.get(key, 0) + 1
    if not columns or not histogram:
        return None
    rows = sorted(histogram, key=lambda op: (-histogram[op], op))
    cells = []
    for op in rows:
        total = histogram[op]
        for column in columns:
            mapped = total - unsupported.get((op, column), 0)
            colour = "#2e7d32" if mapped == total else "#c62828" if mapped == 0 else "#e69f00"
            cells.append(Cell(op, column, f"{mapped}/{total}", colour,
                              f"{column}: {mapped} of {total} {op} ops supported"))
    return heat_grid("coverage", "delegate coverage per op type (ops mapped / ops of that type)",
                     rows, columns, cells)


def accuracy_plot(document: ResultDocument) -> str | None:
    """The verdict of every judged run on every output, with the deciding metric on hover."""
    rows: list[str] = []
    columns: list[str] = []
    cells = []
    for labelled in _runs(document):
        accuracy = labelled.run.accuracy
        if accuracy is None or not accuracy.decisions:
            continue
        rows.append(labelled.label)
        for decision in accuracy.decisions:
            if decision.output not in columns:
                columns.append(decision.output)
            cells.append(Cell(labelled.label, decision.output, f"{decision.verdict}: {decision.metric}"[:18],
                              VERDICT_COLOURS.get(decision.verdict, VERDICT_COLOURS[None]), decision.text))
    if not cells:
        return None
    return heat_grid("accuracy", "accuracy per output: verdict and the metric that decided it", rows, columns,
                     cells)


def profile_plot(raw: dict[str, Any]) -> str | None:
    """Time per op from a document's ``profile`` section (top 25), when it has one."""
    profile = raw.get("profile")
    entries = profile.get("ops", []) if isinstance(profile, dict) else profile
    bars = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        time = next((entry[k] for k in _PROFILE_TIME_KEYS if isinstance(entry.get(k), (int, float))), None)
        if time is None:
            continue
        name = " ".join(str(entry[k]) for k in ("index", "type", "op", "name") if entry.get(k) is not None)
        bars.append(Bar(name or "op", float(time), f"{name}: {time:.4g} ms"))
    if not bars:
        return None
    bars.sort(key=lambda bar: -bar.value)
    return bar_chart("profile", "per-op profile (top 25 by time)", bars[:25], "ms")
