"""A terminal or CI log: a message stays one line and cannot drive the terminal.

Error messages name files, tensors and labels that came from data. Written raw, a line break in
one would add lines (and in GitHub Actions a line starting with ``::`` is a workflow command), and
an escape sequence would rewrite the screen. :func:`terminal_line` shows each such character as
its Python escape (``\\n``, ``\\x1b``, ``\\u2028``) instead.
"""

from __future__ import annotations

from edgekit.text.escape.chars import is_invisible

__all__ = ["terminal_line"]


def terminal_line(value: object) -> str:
    """VALUE on one line, with every control, format or separator character written as its escape."""
    return "".join(repr(char)[1:-1] if is_invisible(char) or (char.isspace() and char != " ") else char
                   for char in str(value))
