"""The gate as Markdown: a one-glance table (model, check, verdict, evidence), then the evidence.

Written by ``edgekit gate --markdown FILE`` and appended to ``$GITHUB_STEP_SUMMARY`` in GitHub
Actions. The evidence section gives each check's verdict line and its deciding numbers: ratio,
interval and workers for latency by CPU time and by wall time, the deciding output and metric for
accuracy. The gate's warnings (a crowded machine, more threads than cores) follow the table. Model
names, check names, paths and evidence come from configs and models, so each goes through
:mod:`edgekit.text.escape.markdown`.
"""

from __future__ import annotations

from typing import Any

from edgekit.gate.result import CheckResult, GateResult
from edgekit.text.escape.markdown import markdown_code, markdown_text

__all__ = ["MARK", "evidence_items", "gate_sections", "render_gate_markdown"]

MARK = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail", "skip": "⏭️ skip"}
#: Evidence keys worth a line of their own, in this order; samples and raw arrays stay in the JSON.
_SHOWN = (
    "figure_words",
    "ratio",
    "low",
    "high",
    "ratio_cpu",
    "ratio_wall",
    "confidence",
    "threshold",
    "rounds",
    "seconds",
    "confirmed",
    "reason",
    "load",
    "method",
    "value",
    "baseline",
    "growth",
    "max_growth",
    "max_bytes",
    "max",
    "mapped_ops",
    "total_ops",
    "baseline_mapped_ops",
    "new",
    "precision",
    "judged_on",
    "golden_runtime",
    "runtime",
    "p50_ms",
    "budget_ms",
    "device_class",
)


def render_gate_markdown(result: GateResult) -> str:
    """The whole report as Markdown text."""
    return "\n".join([f"## edgekit gate: {MARK[result.verdict]}", "", *gate_sections(result)]) + "\n"


def gate_sections(result: GateResult) -> list[str]:
    """The lines under the heading: the one-glance table, the warnings, the evidence per check.

    ``edgekit report gate.json --md`` shows the same lines under its own heading.
    """
    lines = [
        f"{markdown_code(result.config)}: {len(result.checks)} checks, {len(result.failed_checks)} failed.",
        "",
        "| model | check | verdict | evidence |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(c.model)} | {_cell(c.check)} | {MARK[c.verdict]} | {_cell(_summary(c))} |"
        for c in result.checks
    ]
    if result.warnings:
        lines.append("")
        lines += [f"> warning: {_cell(text)}" for text in result.warnings]
    lines += ["", "### Evidence", ""]
    for check in result.checks:
        lines.append(f"- **{_cell(check.model)} / {_cell(check.check)}**: {_cell(check.line)}")
        lines += [f"  - {_cell(key)}: {_cell(value)}" for key, value in evidence_items(check)]
    return lines


def _summary(check: CheckResult) -> str:
    return check.summary + (" (noisy)" if check.noisy and "noisy" not in check.summary else "")


def evidence_items(check: CheckResult) -> list[tuple[str, str]]:
    """(name, value as text) of the figures that decided CHECK, in reading order."""
    return [(key, _value(value)) for key, value in _deciding(check)]


def _deciding(check: CheckResult) -> list[tuple[str, Any]]:
    evidence = check.evidence
    shown = [(key, evidence[key]) for key in _SHOWN if evidence.get(key) not in (None, "", {}, [])]
    for decision in check.evidence.get("decisions", []):
        if decision.get("verdict") != "pass":
            shown.append((f"{decision['output']} ({decision['metric']})", decision["text"]))
    return shown


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items())
    return str(value)


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell: one line, no pipes, no markup."""
    return markdown_text(text)
