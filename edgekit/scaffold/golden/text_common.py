"""Text logic the qa and smart-scroll golden modules share, mirrored line for line by the apps.

The generated apps tokenize in TypeScript (web ``src/tokenizer.ts``) or Kotlin (Android); their
tests compare against the ids computed here with :class:`edgekit.inputs.wordpiece.WordPieceTokenizer`
(the tokenizer edgekit feeds models with), whose docstring lists the rules the apps implement.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edgekit.inputs.wordpiece import Encoded, WordPieceTokenizer
from edgekit.scaffold.binding import TextInputs

__all__ = [
    "model_inputs", "tokenizer_for", "TOKENIZER_CASES", "tokenizer_cases", "float_list", "SCHEMA_VERSION",
]

#: Version of the expected.json layout the text golden modules write.
SCHEMA_VERSION = 1

#: Strings that exercise every normalisation rule; their ids go into each golden file so the apps'
#: tokenizers are checked on them, not only on plain English.
TOKENIZER_CASES = (
    "Hello, World! It's 9:30 a.m.; isn't it?",
    "Café naïve résumé — Ångström, Straße",
    "ΟΔΟΣ ΟΣ.Α σοφός",
    "日本語のテキストと中文 mixed",
    "$100+tax @home #tag 50% (x^2) {a|b} ~tilde `code`",
    "tab\there\r\nnew line\u2028sep\u00a0nbsp\u200bzero\u0007bell",
    "İstanbul ﬁne ＦＵＬＬ ①②",
    "unaffable supercalifragilisticexpialidocious " + "x" * 101,
    "emoji 🙂 and 👍🏽 stay",
)


def model_inputs(text: TextInputs, encoded: Encoded) -> dict[str, np.ndarray]:
    """Inputs by tensor key for the bound model (mask and segment ids only when it takes them)."""
    feeds = ((text.ids, encoded.ids), (text.mask, encoded.mask), (text.segment, encoded.types))
    return {tensor.key: np.array([values], dtype=np.int32) for tensor, values in feeds if tensor is not None}


def tokenizer_cases(tokenizer: WordPieceTokenizer) -> list[dict[str, Any]]:
    """``[{"text", "ids"}]`` for :data:`TOKENIZER_CASES`: the ids without special tokens."""
    return [{"text": text, "ids": [p.id for p in tokenizer.pieces(text)]} for text in TOKENIZER_CASES]


def float_list(values: np.ndarray, digits: int = 8) -> list[float]:
    """A float array as a JSON-ready list, rounded to ``digits`` decimals (float32 holds ~7)."""
    return [round(float(v), digits) for v in np.asarray(values, dtype=np.float64).ravel()]


def tokenizer_for(text: TextInputs) -> WordPieceTokenizer:
    """The tokenizer of a bound text model."""
    return WordPieceTokenizer.from_vocab(text.vocab, text.lowercase)
