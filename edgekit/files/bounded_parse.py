"""JSON and TOML that arrive as data, parsed with their nesting depth bounded first.

Python's parsers recurse once per nesting level, so ``[[[[...]]]]`` 100,000 deep ends in a
RecursionError (and code that walks a parsed value recurses again). The depth is measured on the
text with strings and comments blanked out, before parsing; anything deeper than a document of
ours could be is refused with a ParseRefused saying so, and any parser failure becomes one too.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

import numpy as np

from edgekit.files.preflight import InputRefused, read_input

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "JSON_MAX_DEPTH",
    "MAX_JSON_FILE_BYTES",
    "ParseRefused",
    "TOML_MAX_DEPTH",
    "nesting_depth",
    "parse_json",
    "parse_toml",
    "read_json_file",
]

#: Result documents nest about 8 deep; 128 leaves room and stays far below Python's recursion limit.
JSON_MAX_DEPTH = 128
#: Gate configurations nest about 4 deep (a table of inline tables of arrays).
TOML_MAX_DEPTH = 32
#: The largest JSON file read whole (a TF.js graph model's topology runs to a few megabytes).
MAX_JSON_FILE_BYTES = 256 << 20

_JSON_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
# Multi-line strings first; then one-line strings; then comments (a '#' outside any string).
_TOML_STRINGS = re.compile(
    rb'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*', re.DOTALL
)
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)


class ParseRefused(ValueError):
    """Text that is not valid JSON or TOML, or nests too deep; ``line`` where known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(reason)


def nesting_depth(text: bytes, strings: re.Pattern[bytes]) -> int:
    """How deep ``[`` and ``{`` nest in TEXT once what STRINGS matches (strings, comments) is blanked."""
    codes = np.frombuffer(strings.sub(b'""', text), dtype=np.uint8)
    steps = np.isin(codes, _OPEN).astype(np.int64) - np.isin(codes, _CLOSE).astype(np.int64)
    return int(np.cumsum(steps).max(initial=0))


def parse_json(data: bytes | str, *, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """DATA (UTF-8) parsed as JSON; ParseRefused when it is not JSON or nests deeper than MAX_DEPTH."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    depth = nesting_depth(raw, _JSON_STRINGS)
    if depth > max_depth:
        raise ParseRefused(f"nests {depth} levels deep, more than the {max_depth} allowed")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ParseRefused("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ParseRefused(f"not JSON (line {exc.lineno}, column {exc.colno})", exc.lineno) from None
    except (ValueError, RecursionError) as exc:  # an integer of 5,000 digits; a depth the scan missed
        raise ParseRefused(f"not JSON edgekit can read ({_words(exc)})") from None


def read_json_file(path: str | os.PathLike[str], *, limit: int = MAX_JSON_FILE_BYTES) -> Any:
    """The JSON in file PATH, read by :func:`edgekit.files.preflight.read_input` and :func:`parse_json`.

    ParseRefused for anything it will not read, with the reason: a FIFO, device or directory (by
    type), a file above LIMIT bytes, text that is not JSON or nests too deep.
    """
    try:
        data = read_input(path, limit)
    except InputRefused as exc:
        raise ParseRefused(exc.reason) from None
    return parse_json(data)


def parse_toml(text: str, *, max_depth: int = TOML_MAX_DEPTH) -> dict[str, Any]:
    """TEXT parsed as TOML; ParseRefused when it is not TOML or nests deeper than MAX_DEPTH."""
    depth = nesting_depth(text.encode("utf-8", errors="replace"), _TOML_STRINGS)
    if depth > max_depth:
        raise ParseRefused(f"nests {depth} levels deep, more than the {max_depth} allowed")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"at line (\d+)", str(exc))  # tomllib states the line in its message only
        raise ParseRefused(f"not valid TOML ({exc})", int(at.group(1)) if at else None) from None
    except (ValueError, RecursionError) as exc:
        raise ParseRefused(f"not TOML edgekit can read ({_words(exc)})") from None


def _words(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
