"""The report as Markdown for a PR comment: the same headline table as the HTML, and what to read.

Every value from a document (titles, host and variant labels, cells, warnings) goes through
:func:`edgekit.text.escape.markdown.markdown_text`: a label cannot add lines, cells or links.
"""

from __future__ import annotations

from collections.abc import Sequence

from edgekit.gate.result import GateResult
from edgekit.report.gate_markdown import gate_sections
from edgekit.report.view import HEADLINE_COLUMNS, groups_of, headline_rows, title_of, where_measured
from edgekit.results.document import ResultDocument
from edgekit.text.escape.markdown import markdown_text

__all__ = ["render_markdown"]


def render_markdown(documents: Sequence[ResultDocument]) -> str:
    """Per document: its title, where each group was measured, the headline table, warnings; a gate
    document: its checks, verdicts, warnings and evidence."""
    lines = ["# edgekit report"]
    for document in documents:
        lines += ["", f"## {markdown_text(title_of(document))}", ""]
        if isinstance(document, GateResult):
            lines += gate_sections(document)
            continue
        for group in groups_of(document):
            name = f"**{markdown_text(group.name)}**: " if group.name else ""
            lines.append(f"- {name}{markdown_text(where_measured(group.bench.environment))}")
        rows = headline_rows(document)
        if rows:
            lines += ["", "| " + " | ".join(HEADLINE_COLUMNS) + " |",
                      "|" + "|".join("---" for _ in HEADLINE_COLUMNS) + "|"]
            lines += ["| " + " | ".join(markdown_text(cell) for cell in row) + " |" for row in rows]
        warnings = [(g.name, w) for g in groups_of(document) for w in g.bench.warnings]
        if warnings:
            lines.append("")
            lines += [f"> warning{f' ({markdown_text(name)})' if name else ''}: {markdown_text(text)}"
                      for name, text in warnings]
    return "\n".join(lines) + "\n"

