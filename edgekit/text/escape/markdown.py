"""Markdown (CommonMark with GitHub's tables): a value stays on its line and in its table cell.

A value is shown as written, but it can neither start a new line (and with it a heading, a list
or a table row), end a table cell, nor open emphasis, a link, an image, raw HTML, an entity,
math or strikethrough. Line breaks, tabs and control or format characters become single spaces.
"""

from __future__ import annotations

import re

from edgekit.text.escape.chars import is_invisible

__all__ = ["markdown_text", "markdown_code"]

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones that
# can start or end something inline (and `|`, which ends a GitHub table cell, even in a code span).
# A bracket only makes a link (or an image) as `](` or `][`: those are escaped, a lone [x] is text.
_SPECIAL = re.compile(r"([\\`*_<>&|~$]|\](?=[(\[]))")


def _one_line(value: object) -> str:
    text = "".join(" " if is_invisible(char) or char.isspace() else char for char in str(value))
    return " ".join(text.split())


def markdown_text(value: object) -> str:
    """VALUE as inline Markdown text that reads back as itself, safe in a table cell too."""
    return _SPECIAL.sub(r"\\\1", _one_line(value))


def markdown_code(value: object, in_table: bool = False) -> str:
    """VALUE as a code span: a backtick fence longer than any backtick run inside it.

    Backslashes do not escape inside a code span, so the fence is what keeps the value in. In a
    GitHub table (IN_TABLE) a ``|`` still ends the cell inside a code span and is written ``\\|``.
    """
    text = _one_line(value) or " "
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    if in_table:
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"
