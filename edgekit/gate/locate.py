"""Find the line a TOML key is written on, for error messages.

``tomllib`` keeps no positions, so the text is scanned: table headers (``[models.pose.checks]``)
set the current table, ``key = value`` lines extend it (dotted keys included), and a key inside
an inline table (``size = { max_growth = "-5%" }``, one line in TOML 1.0) is found on the line
that opens it. Good enough to point a user at the right line; never used to read values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["locate_key", "split_key"]

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGNMENT = re.compile(
    r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)"
    r"\s*="
)


def split_key(dotted: str) -> list[str]:
    """``models."my model".checks`` -> ``["models", "my model", "checks"]``."""
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", dotted)
    return [next(p for p in groups if p) if any(groups) else "" for groups in parts]


def locate_key(text: str, path: Sequence[str]) -> int | None:
    """The 1-based line where the key PATH (``["models", "pose", "checks", "size"]``) is set.

    Falls back to the line of the deepest enclosing table or key found; None when nothing matches.
    """
    wanted = list(path)
    best: tuple[int, int] | None = None  # (matched depth, line)
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = split_key(header.group(1))
            best = _better(best, _common(table, wanted), number)
            continue
        assignment = _ASSIGNMENT.match(line)
        if not assignment:
            continue
        full = table + split_key(assignment.group(1))
        depth = _common(full, wanted)
        if depth == len(full) and depth < len(wanted):  # an inline table on this line may hold the rest
            depth += _inline_depth(line[assignment.end() :], wanted[depth:])
        best = _better(best, depth, number)
    return best[1] if best and best[0] > 0 else None


def _common(found: list[str], wanted: list[str]) -> int:
    """How many leading parts FOUND shares with WANTED, when FOUND lies on WANTED's path; else 0."""
    if len(found) > len(wanted) or wanted[: len(found)] != found:
        return 0
    return len(found)


def _inline_depth(rest: str, remaining: list[str]) -> int:
    """How many of REMAINING's keys appear, nested in order, in an inline table's text."""
    depth = 0
    for key in remaining:
        match = re.search(rf"(?:^|[{{,\s]){re.escape(key)}\s*=", rest)
        if not match:
            break
        rest, depth = rest[match.end() :], depth + 1
    return depth


def _better(best: tuple[int, int] | None, depth: int, line: int) -> tuple[int, int] | None:
    if depth and (best is None or depth > best[0]):
        return depth, line
    return best
