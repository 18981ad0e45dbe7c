"""Which characters are unsafe to write as themselves into a source file or a line of text."""

from __future__ import annotations

import unicodedata

__all__ = ["is_invisible"]

#: Control, format (bidi overrides, zero-width), surrogate, line and paragraph separator.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def is_invisible(char: str) -> bool:
    """Whether CHAR cannot be shown as itself: it would break a line, reorder text, or not encode.

    U+2028/U+2029 end a line in JavaScript; U+202E reverses what a reviewer reads (Trojan Source);
    a lone surrogate (an undecodable file name) cannot be written as UTF-8 at all.
    """
    return unicodedata.category(char) in _INVISIBLE
