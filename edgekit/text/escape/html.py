"""HTML: markup is built from literal templates only, and every value put into one is escaped.

:func:`html` formats a template written in edgekit's code with values: each value is escaped for
text and for quoted attributes alike (``& < > " '``) unless it is already :class:`Markup` (markup
built the same way). So an id, a ``data-`` attribute or a cell gets the same treatment, and there is
no call site that could forget it. The page also carries :data:`CONTENT_SECURITY_POLICY`: should an
escape ever be missed, the browser still runs no script and loads nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

__all__ = ["Markup", "html", "html_text", "join", "CONTENT_SECURITY_POLICY", "csp_meta"]

#: What a report page may use: its own inline styles and data: images; no script, no fetch, no form.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                           "base-uri 'none'; form-action 'none'")


def html_text(value: object) -> Markup:
    """VALUE as HTML text, safe in an element and in a quoted attribute."""
    return escape(value if isinstance(value, Markup) else str(value))


def html(template: str, *args: object, **kwargs: object) -> Markup:
    """TEMPLATE (edgekit's own literal markup, ``str.format`` syntax) with every value escaped.

    Format specs work on numbers (``{x:.1f}``); values that are :class:`Markup` go in as they are.
    """
    return Markup(template).format(*args, **kwargs)


def join(parts: Iterable[str], separator: str = "") -> Markup:
    """PARTS joined: Markup as it is, plain text escaped."""
    return Markup(separator).join(parts)


def csp_meta() -> Markup:
    """The ``<meta>`` that applies :data:`CONTENT_SECURITY_POLICY` to a page opened from a file."""
    return html('<meta http-equiv="Content-Security-Policy" content="{}">', CONTENT_SECURITY_POLICY)
