"""BERT's WordPiece tokenizer in plain Python, driven by a ``vocab.txt``, with character offsets.

The one tokenizer edgekit has: it feeds and calibrates text models (``minilm-l6``) without the
``tokenizers`` package, and computes the golden ids that the scaffolded apps' TypeScript and
Kotlin tokenizers must reproduce. The rules, in order (what a BERT ``tokenizer.json`` with
``BertNormalizer``, ``BertPreTokenizer`` and a ``WordPiece`` model does):

* **Normalisation**, per character of the original text: drop NUL, U+FFFD and control characters
  (Unicode category C*, except tab, newline, carriage return); whitespace (those three and
  category Zs) becomes a space; CJK ideographs get a space on each side. For an uncased
  vocabulary each character is then NFD-decomposed, combining marks (Mn) are dropped and the
  result is lowercased as one string (so Greek final sigma follows its context).
* **Pre-tokenisation**: split on spaces, U+2028 and U+2029 (what ``str.split()`` still sees after
  normalisation); every punctuation character (ASCII symbols and category P*) is a word.
* **WordPiece**: greedy longest match with ``##`` continuations; a word longer than 100 code
  points, or with a piece that matches nothing, is one ``[UNK]``. Special tokens written inside
  the text are tokenized as text.
* **Offsets**: every piece knows the [start, end) code points of the original text it came from,
  so an answer span is cut from the passage as the user wrote it.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgekit.errors import ModelFormatError, UsageError

__all__ = ["Piece", "Encoded", "WordPieceTokenizer", "read_vocab", "MAX_WORD_CHARS"]

MAX_WORD_CHARS = 100
_SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]")
_SPLITS = (" ", "\u2028", "\u2029")

#: A normalised character and the code-point index of the original character it came from.
_Char = tuple[str, int]


@dataclass(frozen=True)
class Piece:
    """One word piece: its text, vocabulary id and the [start, end) code points it covers."""

    text: str
    id: int
    start: int
    end: int


@dataclass(frozen=True)
class Encoded:
    """One encoded sequence (``seq_len`` ids, mask, type ids) and the pieces that survived truncation."""

    ids: list[int]
    mask: list[int]
    types: list[int]
    first: list[Piece]
    second: list[Piece]

    @property
    def second_offset(self) -> int:
        """Position of the second part's first piece (after ``[CLS] first [SEP]``)."""
        return len(self.first) + 2

    def arrays(self) -> dict[str, np.ndarray]:
        """``input_ids``, ``attention_mask``, ``token_type_ids`` as int32 arrays shaped [1, seq_len]."""
        return {
            "input_ids": np.array([self.ids], dtype=np.int32),
            "attention_mask": np.array([self.mask], dtype=np.int32),
            "token_type_ids": np.array([self.types], dtype=np.int32),
        }


def read_vocab(path: str | os.PathLike) -> dict[str, int]:
    """``vocab.txt``: one token a line (any line ending; a UTF-8 BOM is skipped), id = line number.

    A token listed twice keeps its last line's id, as a dictionary built line by line does.
    """
    lines = Path(path).read_text(encoding="utf-8-sig").split("\n")  # text mode: \r\n and \r read as \n
    if lines and lines[-1] == "":
        lines.pop()
    return {line: index for index, line in enumerate(lines)}


class WordPieceTokenizer:
    """BERT WordPiece over a vocabulary; ``lowercase`` (the default) for uncased vocabularies."""

    max_input_chars_per_word = MAX_WORD_CHARS

    def __init__(self, vocab: Mapping[str, int], lowercase: bool = True) -> None:
        self.vocab = dict(vocab)
        self.lowercase = lowercase
        missing = [t for t in _SPECIAL if t not in self.vocab]
        if missing:
            raise ValueError(f"vocabulary lacks the special tokens {missing}")
        self.pad_id, self.unk_id = self.vocab["[PAD]"], self.vocab["[UNK]"]
        self.cls_id, self.sep_id = self.vocab["[CLS]"], self.vocab["[SEP]"]

    @classmethod
    def from_vocab(cls, path: str | os.PathLike, lowercase: bool = True) -> WordPieceTokenizer:
        """A tokenizer for ``vocab.txt`` (see :func:`read_vocab`)."""
        try:
            return cls(read_vocab(path), lowercase)
        except ValueError as exc:
            raise ModelFormatError(os.fspath(path), str(exc), "a BERT vocab.txt") from exc

    def pieces(self, text: str) -> list[Piece]:
        """Word pieces of ``text`` with their offsets, without special tokens."""
        words = _words(_normalized(text, self.lowercase))
        return [piece for word in words for piece in self._word_pieces(word)]

    def tokenize(self, text: str) -> list[str]:
        """Word piece texts of ``text``, without special tokens."""
        return [piece.text for piece in self.pieces(text)]

    def encode(self, text: str, seq_len: int, text_pair: str | None = None) -> dict[str, np.ndarray]:
        """Model inputs for ``text`` (and ``text_pair``): int32 arrays shaped [1, seq_len]."""
        second = None if text_pair is None else self.pieces(text_pair)
        return self.encode_pieces(self.pieces(text), seq_len, second).arrays()

    def encode_pieces(
        self, first: Sequence[Piece], seq_len: int, second: Sequence[Piece] | None = None
    ) -> Encoded:
        """``[CLS] first [SEP]`` or ``[CLS] first [SEP] second [SEP]``, truncated and padded to ``seq_len``.

        Type ids are 1 from the second part on; padding is ``[PAD]`` with mask and type 0.
        Truncation drops pieces from the end of the longer part, one at a time (the second part on
        a tie), as BERT's ``longest_first`` strategy does.
        """
        special = 2 if second is None else 3
        if seq_len < special:
            raise UsageError("seq_len", f"{seq_len} leaves no room for the {special} special tokens")
        budget = seq_len - special
        kept_first, kept_second = list(first), None if second is None else list(second)
        if kept_second is None:
            kept_first = kept_first[:budget]
        else:
            while len(kept_first) + len(kept_second) > budget:
                (kept_first if len(kept_first) > len(kept_second) else kept_second).pop()
        ids = [self.cls_id, *(p.id for p in kept_first), self.sep_id]
        types = [0] * len(ids)
        if kept_second is not None:
            ids += [*(p.id for p in kept_second), self.sep_id]
            types += [1] * (len(kept_second) + 1)
        padding = seq_len - len(ids)
        return Encoded(ids=ids + [self.pad_id] * padding, mask=[1] * len(ids) + [0] * padding,
                       types=types + [0] * padding, first=kept_first, second=kept_second or [])

    def _word_pieces(self, word: list[_Char]) -> list[Piece]:
        whole = [Piece("[UNK]", self.unk_id, word[0][1], word[-1][1] + 1)]
        if len(word) > self.max_input_chars_per_word:
            return whole
        chars = [char for char, _ in word]
        pieces, start = [], 0
        while start < len(chars):
            end = len(chars)
            while end > start:
                candidate = ("" if start == 0 else "##") + "".join(chars[start:end])
                if candidate in self.vocab:
                    break
                end -= 1
            if end == start:
                return whole
            pieces.append(Piece(candidate, self.vocab[candidate], word[start][1], word[end - 1][1] + 1))
            start = end
        return pieces


def _normalized(text: str, lowercase: bool) -> list[_Char]:
    """BertNormalizer(clean_text, handle_chinese_chars, strip_accents, lowercase), keeping offsets."""
    chars: list[_Char] = []
    for offset, char in enumerate(text):
        code = ord(char)
        if code in (0, 0xFFFD) or _is_control(char):
            continue
        if _is_whitespace(char):
            chars.append((" ", offset))
        elif _is_cjk(code):
            chars += [(" ", offset), (char, offset), (" ", offset)]
        else:
            chars.append((char, offset))
    if not lowercase:
        return chars
    stripped = [(part, offset) for char, offset in chars for part in unicodedata.normalize("NFD", char)
                if unicodedata.category(part) != "Mn"]
    # Lowercase the whole string (final sigma depends on its neighbours) and hand each original
    # character the slice its own lowercase form has: context changes a letter, never a length.
    lowered = "".join(char for char, _ in stripped).lower()
    out, position = [], 0
    for char, offset in stripped:
        width = len(char.lower())
        out += [(letter, offset) for letter in lowered[position:position + width]]
        position += width
    return out


def _words(chars: list[_Char]) -> list[list[_Char]]:
    """BertPreTokenizer: split on whitespace; every punctuation character is a word of its own."""
    words: list[list[_Char]] = []
    current: list[_Char] = []
    for char, offset in chars:
        if char in _SPLITS or _is_punctuation(char):
            if current:
                words.append(current)
            current = []
            if char not in _SPLITS:
                words.append([(char, offset)])
        else:
            current.append((char, offset))
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
