"""The gate as Markdown: a one-glance table (model, check, verdict, evidence), then the evidence.

Written by ``edgekit gate --markdown FILE`` and appended to ``$GITHUB_STEP_SUMMARY`` in GitHub
Actions. The evidence section gives each check's verdict line and its deciding numbers: ratio,
interval and rounds for latency, the deciding output and metric for accuracy. Model names, check
names, paths and evidence come from configs and models, so each goes through
:mod:`edgekit.text.escape.markdown`.
"""

from __future__ import annotations

from typing import Any

from edgekit.gate.result import CheckResult, GateResult
from edgekit.text.escape.markdown import markdown_code, markdown_text

__all__ = ["render_gate_markdown"]

_MARK = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail", "skip": "⏭️ skip"}
#: Evidence keys worth a line of their own, in this order; samples and raw arrays stay in the JSON.
_SHOWN = (
    "ratio",
    "low",
    "high",
    "confidence",
    "threshold",
    "rounds",
    "seconds",
    "confirmed",
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
    lines = [
        f"## edgekit gate: {_MARK[result.verdict]}",
        "",
        f"{markdown_code(result.config)}: {len(result.checks)} checks, {len(result.failed_checks)} failed.",
        "",
        "| model | check | verdict | evidence |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(c.model)} | {_cell(c.check)} | {_MARK[c.verdict]} | {_cell(_summary(c))} |"
        for c in result.checks
    ]
    lines += ["", "### Evidence", ""]
    for check in result.checks:
        lines.append(f"- **{_cell(check.model)} / {_cell(check.check)}**: {_cell(check.line)}")
        lines += [f"  - {_cell(key)}: {_value(value)}" for key, value in _deciding(check)]
    return "\n".join(lines) + "\n"


def _summary(check: CheckResult) -> str:
    return check.summary + (" (noisy)" if check.noisy and "noisy" not in check.summary else "")


def _deciding(check: CheckResult) -> list[tuple[str, Any]]:
    shown = [(key, check.evidence[key]) for key in _SHOWN if key in check.evidence]
    for decision in check.evidence.get("decisions", []):
        if decision.get("verdict") != "pass":
            shown.append((f"{decision['output']} ({decision['metric']})", decision["text"]))
    return shown


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{_cell(k)} {_value(v)}" for k, v in value.items())
    return _cell(str(value))


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell: one line, no pipes, no markup."""
    return markdown_text(text)
