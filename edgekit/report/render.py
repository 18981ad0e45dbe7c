"""``edgekit report``: read result documents and write the HTML page and the Markdown summary."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgekit.errors import UsageError
from edgekit.files import atomic
from edgekit.report.html import render_html
from edgekit.report.kinds import load_document
from edgekit.report.markdown import render_markdown
from edgekit.results.document import ResultDocument, read_document_json

__all__ = ["Report", "render_report"]


@dataclass(frozen=True)
class Report:
    """What a report rendered: the page, the Markdown, and where each was written (if anywhere)."""

    html: str
    markdown: str
    html_path: Path | None = None
    markdown_path: Path | None = None


def render_report(documents: Sequence[str | os.PathLike[str] | ResultDocument], *,
                  html: str | os.PathLike[str] | None = None,
                  md: str | os.PathLike[str] | None = None) -> Report:
    """Render DOCUMENTS (paths or loaded documents of any kind) and write HTML and MD where given."""
    if not documents:
        raise UsageError("documents", "give at least one result document")
    loaded = [_load(document) for document in documents]
    report = Report(render_html(loaded), render_markdown([document for document, _ in loaded]))
    html_path = atomic.write_text(Path(html), report.html) if html is not None else None
    md_path = atomic.write_text(Path(md), report.markdown) if md is not None else None
    return Report(report.html, report.markdown, html_path, md_path)


def _load(document: str | os.PathLike[str] | ResultDocument) -> tuple[ResultDocument, dict[str, Any]]:
    """The document and its raw JSON, whose sections not modelled yet (``profile``) are still shown."""
    if isinstance(document, ResultDocument):
        return document, {}
    loaded = load_document(document)
    return loaded, read_document_json(document)  # through the same bounded reader as the load
