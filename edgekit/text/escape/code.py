"""Values inside generated source code: JSON, TypeScript/JavaScript, Kotlin.

Each function returns a complete literal (or, for a template literal, its inside) that evaluates
to exactly the value, whatever it holds: quotes, backslashes, ``${``, backticks, line breaks,
U+2028/U+2029, bidi controls, ``</script>``, ``*/``. Non-ASCII text is written as ``\\uXXXX``
wherever the language allows it, so a generated file is plain ASCII around data and the file
cannot be re-read differently by an editor or a reviewer.
"""

from __future__ import annotations

import json
from typing import Any

from edgekit.text.escape.chars import is_invisible

__all__ = ["json_text", "ts_value", "ts_string", "ts_template", "kotlin_string", "line_comment"]

# Valid escapes in JSON and JavaScript strings alike: the value can then also sit in an HTML
# <script> or a comment without closing it.
_MARKUP = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def _quiet(text: str) -> str:
    for char, escape in _MARKUP.items():
        text = text.replace(char, escape)
    return text


def json_text(value: Any, indent: int | None = None) -> str:
    """VALUE as strict JSON (no NaN or Infinity: ValueError), ASCII only."""
    return _quiet(json.dumps(value, ensure_ascii=True, allow_nan=False, indent=indent))


def ts_value(value: Any, indent: int | None = None) -> str:
    """VALUE (JSON-shaped) as a TypeScript/JavaScript expression; NaN and Infinity as JS spells them."""
    return _quiet(json.dumps(value, ensure_ascii=True, allow_nan=True, indent=indent))


def ts_string(value: str) -> str:
    """VALUE as a double-quoted TypeScript/JavaScript string literal."""
    if not isinstance(value, str):
        raise TypeError(f"ts_string takes text, not {type(value).__name__}")
    return ts_value(value)


# Inside `...`: a backtick ends the literal, `${` starts code, a backslash starts an escape.
_TEMPLATE_ESCAPES = {"\\": "\\\\", "`": "\\`", "$": "\\$", "\n": "\\n", "\r": "\\r", **_MARKUP}


def ts_template(value: str) -> str:
    """VALUE as the text inside a TypeScript/JavaScript template literal (the backticks are the caller's)."""
    if not isinstance(value, str):
        raise TypeError(f"ts_template takes text, not {type(value).__name__}")
    escaped = []
    for char in value:
        if char in _TEMPLATE_ESCAPES:
            escaped.append(_TEMPLATE_ESCAPES[char])
        elif is_invisible(char) or not char.isascii():
            escaped.append(f"\\u{{{ord(char):x}}}")
        else:
            escaped.append(char)
    return "".join(escaped)


# Kotlin's escapes (https://kotlinlang.org/docs/characters.html); `$` would start a string template.
_KOTLIN_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                   "\b": "\\b"}


def kotlin_string(value: str) -> str:
    """``value`` as a quoted Kotlin string literal that evaluates to exactly ``value``.

    Other control and format characters (and lone surrogates from undecodable file names) become
    ``\\uXXXX``.
    """
    escaped = []
    for char in value:
        if char in _KOTLIN_ESCAPES:
            escaped.append(_KOTLIN_ESCAPES[char])
        elif is_invisible(char):
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def line_comment(value: str) -> str:
    """VALUE as the text of a line comment (``//`` in TypeScript or Kotlin, ``#`` in TOML or properties).

    Only a line break ends such a comment; every character that could be one (CR, LF, U+2028,
    U+2029, NEL) or that TOML forbids in a comment (other controls) becomes a space.
    """
    return "".join(" " if is_invisible(char) or (char.isspace() and char != " ") else char for char in value)
