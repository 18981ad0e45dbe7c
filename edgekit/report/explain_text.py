"""Plain-text views of ``profile`` and ``bisect`` documents: top-N tables, the check, the diff, the curve."""

from __future__ import annotations

from edgekit.explain.result import BisectResult, DelegateProfile, ProfileResult
from edgekit.report.table import render_table

__all__ = ["format_bisect", "format_profile"]


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _run_lines(run: DelegateProfile, top: int) -> list[str]:
    if run.status != "ok":
        return [f"{run.label}: {run.status}: {run.reason}"]
    check = run.check()
    verdict = "pass" if check["passed"] else "FAIL"
    lines = [
        f"{run.label}: whole model {run.whole_ms:.3f} ms; segments sum {check['sum_ms']:.3f} ms; "
        f"ratio {check['ratio']:.3f} (within ±{check['tolerance']:.0%}: {verdict})"
    ]
    ranked = sorted(run.segments, key=lambda s: -s.ms)[:top]
    rows = [[s.index, s.type, f"{s.ms:.3f}", f"{s.share:.1%}", len(s.ops), s.name[:60]] for s in ranked]
    lines += render_table(["ops", "type", "ms", "share", "n", "output"], rows, right={2, 3, 4})
    by_type = [[t, f"{ms:.3f}"] for t, ms in list(run.by_type().items())[:top]]
    lines += ["", "by op type (a segment counts for its costliest op):"]
    lines += render_table(["type", "ms"], by_type, right={1})
    return lines


def format_profile(result: ProfileResult, top: int = 10) -> str:
    """The top TOP segments per delegate, the sum check, and the diff against a baseline."""
    lines = [
        f"profile of {result.model['path']} ({result.model['compute_ops']} compute ops)",
        f"method: {result.method}",
        "",
    ]
    for run in result.runs:
        lines += [*_run_lines(run, top), ""]
    for label, changes in result.changes.items():
        lines.append(
            f"diff against {result.baseline and result.baseline['path']} on {label} (largest change first):"
        )
        rows = [
            [
                c["index"],
                c["type"],
                f"{c['baseline_ms']:.3f}",
                f"{c['ms']:.3f}",
                f"{c['delta_ms']:+.3f}",
                str(c["name"])[:50],
            ]
            for c in changes[:top]
        ]
        lines += render_table(["ops", "type", "baseline ms", "ms", "change", "output"], rows, right={2, 3, 4})
        lines.append("")
    lines += [f"warning: {line}" for line in result.warnings]
    return "\n".join(lines).rstrip() + "\n"


def format_bisect(result: BisectResult) -> str:
    """The culprit (or none), the rule, and the error curve along the graph."""
    reference = result.reference
    lines = [
        f"bisect of {result.model['path']} on {result.candidate['delegate']} against "
        f"{reference['delegate']} ({reference['kind']}: {reference['path']})",
        f"inputs: {result.inputs['description']}",
        f"rule: {result.rule['text']}",
    ]
    culprit = result.culprit
    if culprit is None:
        lines.append("culprit: none (no op's error jumps)")
    else:
        lines.append(
            f"culprit: op {culprit.index} {culprit.type} -> {culprit.tensor!r}: SNR "
            f"{_number(culprit.snr_db)} dB after inputs at {_number(culprit.input_snr_db)} dB"
        )
    rows = [
        [
            op.index,
            op.type,
            _number(op.snr_db),
            _number(op.cosine, 5),
            _number(op.input_snr_db),
            "JUMP" if op.jump else op.note,
        ]
        for op in result.curve
    ]
    lines += [
        "",
        *render_table(["op", "type", "SNR dB", "cosine", "inputs dB", ""], rows, right={0, 2, 3, 4}),
    ]
    lines += [f"warning: {line}" for line in result.warnings]
    return "\n".join(lines) + "\n"
