"""Terminal table of a variant matrix."""

from __future__ import annotations

from edgekit.convert.matrix import ConvertResult
from edgekit.report.table import render_table
from edgekit.text.sizes import format_size

__all__ = ["format_convert_table"]


def format_convert_table(result: ConvertResult) -> str:
    """The matrix a person reads: the source, one row per variant and run, then notes."""
    source = result.source
    env = result.environment
    lines = [
        f"source: {source['path']} ({source['kind']}, signature {source['signature']}, "
        f"TensorFlow {source['tensorflow_version']})",
        "inputs: "
        + ", ".join(f"{i['name']} {'x'.join(map(str, i['shape']))} {i['dtype']}" for i in source["inputs"]),
        f"measured on: host - {env.get('cpu_model')}, "
        f"{env.get('usable_cores') or env.get('logical_cores')} cores, "
        f"ai-edge-litert {env.get('runtime', {}).get('ai-edge-litert')}; accuracy against {result.reference}",
    ]
    if result.calibration:
        calibration = result.calibration
        lines.append(f"calibration: {calibration['source']}")
        if calibration["warning"]:
            lines.append(calibration["warning"])
    columns = ["variant", "status", "size", "convert s", "run", "p50 ms", "worst cosine", "verdict"]
    rows = []
    notes = []
    for variant in result.variants:
        base = [variant.variant, variant.status, format_size(variant.size_bytes),
                f"{variant.convert_seconds:.1f}" if variant.convert_seconds is not None else "-"]
        runs = variant.bench.runs if variant.bench else []
        if not runs:
            rows.append(base + ["-", "-", "-", "-"])
        for index, run in enumerate(runs):
            cosine = min((o.cosine for o in run.accuracy.outputs), default=None) if run.accuracy else None
            cells = [run.label, f"{run.latency.p50:.2f}" if run.latency else run.status,
                     f"{cosine:.4f}" if cosine is not None else "-",
                     run.accuracy.verdict.upper() if run.accuracy and run.accuracy.verdict != "pass" else
                     (run.accuracy.verdict if run.accuracy else "-")]
            rows.append((base if index == 0 else [""] * 4) + cells)
            if run.accuracy and run.accuracy.verdict == "fail":
                notes += [
                    f"  {variant.variant} {run.label}: FAIL - {reason}" for reason in run.accuracy.reasons[:3]
                ]
        if variant.reason:
            notes.append(f"  {variant.variant}: {variant.status.upper()} - {variant.reason}")
        if variant.note:
            notes.append(f"  {variant.variant}: {variant.note}")
    lines += ["", *render_table(columns, rows)]
    if notes:
        lines += ["", *notes]
    lines += ["", f"variants written to {result.out}"]
    return "\n".join(lines)

