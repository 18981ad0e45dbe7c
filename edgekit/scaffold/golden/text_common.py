"""Text logic the qa and smart-scroll golden modules share, mirrored line for line by the apps.

The generated apps tokenize in TypeScript (web ``src/tokenizer.ts``) or Kotlin (Android); their
tests compare against the ids computed here, so every rule below is one the apps implement the
same way:

* **Normalisation** (BERT's, per character of the original text): drop NUL, U+FFFD and control
  characters (Unicode category C*, except tab, newline, carriage return); whitespace (those three
  and category Zs) becomes a space; CJK ideographs get a space on each side. For an uncased
  vocabulary each character is then NFD-decomposed, combining marks (Mn) are dropped and the
  result is lowercased as one string (so Greek final sigma follows its context).
* **Pre-tokenisation**: split on spaces, U+2028 and U+2029 (what ``str.split()`` still sees
  after normalisation); every punctuation character (ASCII symbols and category P*) is a word.
* **WordPiece**: greedy longest match with ``##`` continuations; a word longer than 100 code
  points, or with a piece that matches nothing, is one ``[UNK]``.
* **Offsets**: every piece knows the span of the original text it came from, so an answer is
  cut from the passage as the user wrote it.

For an uncased vocabulary the ids are checked against :class:`edgekit.convert.wordpiece.WordPieceTokenizer`
(the tokenizer edgekit feeds models with) on every golden input.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.convert.wordpiece import WordPieceTokenizer, _is_cjk, _is_control, _is_punctuation, _is_whitespace
from edgekit.scaffold.binding import TextInputs

__all__ = ["Piece", "TextTokenizer", "Encoded", "model_inputs", "tokenizer_for", "TOKENIZER_CASES",
           "tokenizer_cases", "float_list", "SCHEMA_VERSION"]

#: Version of the expected.json layout the text golden modules write.
SCHEMA_VERSION = 1

MAX_WORD_CHARS = 100
_SPLITS = (" ", "\u2028", "\u2029")

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


@dataclass(frozen=True)
class Piece:
    """One word piece: its vocabulary id and the [start, end) code points of the original text it covers."""

    text: str
    id: int
    start: int
    end: int


class TextTokenizer:
    """BERT WordPiece over ``vocab.txt`` with character offsets; ``lowercase`` for uncased vocabularies."""

    def __init__(self, vocab_path: Path, lowercase: bool) -> None:
        self.vocab = read_vocab(Path(vocab_path))
        self.lowercase = lowercase
        self.vocab_path = Path(vocab_path)
        self.cls_id, self.sep_id = self.vocab["[CLS]"], self.vocab["[SEP]"]
        self.pad_id, self.unk_id = self.vocab["[PAD]"], self.vocab["[UNK]"]

    def tokenize(self, text: str) -> list[Piece]:
        """The word pieces of ``text``, without special tokens."""
        pieces = [piece for word in _words(_normalized(text, self.lowercase)) for piece in self._pieces(word)]
        if self.lowercase:
            self._check_reference(text, pieces)
        return pieces

    def _pieces(self, word: list[tuple[str, int]]) -> list[Piece]:
        chars = [char for char, _ in word]
        whole = Piece("[UNK]", self.unk_id, word[0][1], word[-1][1] + 1)
        if len(chars) > MAX_WORD_CHARS:
            return [whole]
        pieces, start = [], 0
        while start < len(chars):
            end = len(chars)
            while end > start:
                candidate = ("" if start == 0 else "##") + "".join(chars[start:end])
                if candidate in self.vocab:
                    break
                end -= 1
            if end == start:
                return [whole]
            pieces.append(Piece(candidate, self.vocab[candidate], word[start][1], word[end - 1][1] + 1))
            start = end
        return pieces

    def _check_reference(self, text: str, pieces: list[Piece]) -> None:
        reference = WordPieceTokenizer(self.vocab).tokenize(text)
        if [p.text for p in pieces] != reference:
            raise AssertionError(f"offset tokenizer disagrees with WordPieceTokenizer on {text!r}: "
                                 f"{[p.text for p in pieces]} != {reference}; this is a bug in edgekit")

    def encode(self, first: list[Piece], seq_len: int, second: list[Piece] | None = None) -> "Encoded":
        """``[CLS] first [SEP]`` or ``[CLS] first [SEP] second [SEP]``, truncated and padded to ``seq_len``.

        Truncation drops pieces from the end of the longer part, one at a time (the second part on
        a tie), as BERT's ``longest_first`` strategy does.
        """
        budget = seq_len - (2 if second is None else 3)
        first, second = list(first), None if second is None else list(second)
        if second is None:
            first = first[:budget]
        else:
            while len(first) + len(second) > budget:
                (first if len(first) > len(second) else second).pop()
        ids = [self.cls_id, *(p.id for p in first), self.sep_id]
        types = [0] * len(ids)
        if second is not None:
            ids += [*(p.id for p in second), self.sep_id]
            types += [1] * (len(second) + 1)
        used = len(ids)
        return Encoded(ids=ids + [self.pad_id] * (seq_len - used), mask=[1] * used + [0] * (seq_len - used),
                       types=types + [0] * (seq_len - used), first=first, second=second or [])


@dataclass(frozen=True)
class Encoded:
    """Model inputs of one sequence, and the pieces that survived truncation."""

    ids: list[int]
    mask: list[int]
    types: list[int]
    first: list[Piece]
    second: list[Piece]

    @property
    def second_offset(self) -> int:
        """Position of the second part's first piece (after ``[CLS] first [SEP]``)."""
        return len(self.first) + 2


def model_inputs(text: TextInputs, encoded: Encoded) -> dict[str, np.ndarray]:
    """Inputs by tensor key for the bound model (mask and segment ids only when it takes them)."""
    feeds = ((text.ids, encoded.ids), (text.mask, encoded.mask), (text.segment, encoded.types))
    return {tensor.key: np.array([values], dtype=np.int32) for tensor, values in feeds if tensor is not None}


def tokenizer_cases(tokenizer: TextTokenizer) -> list[dict[str, Any]]:
    """``[{"text", "ids"}]`` for :data:`TOKENIZER_CASES`: the ids without special tokens."""
    return [{"text": text, "ids": [p.id for p in tokenizer.tokenize(text)]} for text in TOKENIZER_CASES]


def float_list(values: np.ndarray, digits: int = 8) -> list[float]:
    """A float array as a JSON-ready list, rounded to ``digits`` decimals (float32 holds ~7)."""
    return [round(float(v), digits) for v in np.asarray(values, dtype=np.float64).ravel()]


def read_vocab(path: Path) -> dict[str, int]:
    """``vocab.txt``: one token a line (any line ending; a UTF-8 BOM is skipped), id = line number.

    A token listed twice keeps its last line's id, as a dictionary built line by line does.
    """
    lines = path.read_text(encoding="utf-8-sig").split("\n")  # text mode: \r\n and \r read as \n
    if lines and lines[-1] == "":
        lines.pop()
    return {line: index for index, line in enumerate(lines)}


def tokenizer_for(text: TextInputs) -> TextTokenizer:
    """The tokenizer of a bound text model."""
    return TextTokenizer(text.vocab, text.lowercase)


def _normalized(text: str, lowercase: bool) -> list[tuple[str, int]]:
    """Normalised characters, each with the code-point index of the original character it came from."""
    chars: list[tuple[str, int]] = []
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


def _words(chars: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """Split on whitespace; every punctuation character is a word of its own."""
    words: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []
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
