"""XML: text XML 1.0 can hold (JUnit reports), and Android string resources.

ElementTree escapes ``& < > "`` itself but writes any other character as it is, and XML 1.0
forbids most control characters outright (a JUnit file with ``\\x01`` in a model name is not XML,
and CI drops the whole report). :func:`xml_text` shows each such character visibly instead.
"""

from __future__ import annotations

from edgekit.text.escape.chars import is_invisible

__all__ = ["xml_text", "android_string"]


def _xml_char(code: int) -> bool:
    """XML 1.0's Char production: tab, LF, CR, and the rest of Unicode minus surrogates, FFFE, FFFF."""
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


def xml_text(value: object) -> str:
    """VALUE with every character XML 1.0 cannot hold written as ``\\uXXXX`` (markup is the writer's job)."""
    return "".join(char if _xml_char(ord(char)) else f"\\u{ord(char):04x}" for char in str(value))


# Android's string-resource escapes; `@` and `?` only matter first, where they would make a reference.
_ANDROID_ESCAPES = {"\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\t": "\\t"}
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def android_string(value: str) -> str:
    """``value`` as the text of an Android ``<string>`` resource that reads back as exactly ``value``.

    Android unescapes ``\\' \\" \\\\ \\n \\t \\@ \\? \\uXXXX``, drops unescaped double quotes, collapses
    runs of whitespace and trims both ends; so a space is kept literally only between two other
    characters, and everything else that Android or XML would read differently is escaped.
    """
    escaped = []
    for i, char in enumerate(value):
        if char in _ANDROID_ESCAPES:
            escaped.append(_ANDROID_ESCAPES[char])
        elif char in "@?" and i == 0:
            escaped.append("\\" + char)
        elif char == " " and not _between_words(value, i):
            escaped.append("\\u0020")
        elif is_invisible(char) or (char.isspace() and char != " "):
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(_XML_ESCAPES.get(char, char))
    return "".join(escaped)


def _between_words(text: str, i: int) -> bool:
    """``text[i]`` has a non-space on both sides: Android neither trims nor collapses it."""
    return 0 < i < len(text) - 1 and not text[i - 1].isspace() and not text[i + 1].isspace()
