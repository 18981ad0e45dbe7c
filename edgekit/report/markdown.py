"""The report as Markdown for a PR comment: the same headline table as the HTML, and what to read."""

from __future__ import annotations

from collections.abc import Sequence

from edgekit.document import ResultDocument
from edgekit.gate.result import GateResult
from edgekit.report.gate_markdown import gate_sections
from edgekit.report.view import HEADLINE_COLUMNS, groups_of, headline_rows, title_of, where_measured

__all__ = ["render_markdown"]


def render_markdown(documents: Sequence[ResultDocument]) -> str:
    """Per document: its title, where each group was measured, the headline table, warnings; a gate
    document: its checks, verdicts, warnings and evidence."""
    lines = ["# edgekit report"]
    for document in documents:
        lines += ["", f"## {title_of(document)}", ""]
        if isinstance(document, GateResult):
            lines += gate_sections(document)
            continue
        for group in groups_of(document):
            name = f"**{group.name}**: " if group.name else ""
            lines.append(f"- {name}{_escape(where_measured(group.bench.environment))}")
        rows = headline_rows(document)
        if rows:
            lines += ["", "| " + " | ".join(HEADLINE_COLUMNS) + " |",
                      "|" + "|".join("---" for _ in HEADLINE_COLUMNS) + "|"]
            lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows]
        warnings = [(g.name, w) for g in groups_of(document) for w in g.bench.warnings]
        if warnings:
            lines.append("")
            lines += [f"> warning{f' ({name})' if name else ''}: {_escape(text)}" for name, text in warnings]
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
