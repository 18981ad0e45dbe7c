"""edgekit.inputs.wordpiece on a small hand-made vocabulary.

The real vocab.txt is tested in tests/convert/test_minilm.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edgekit.errors import ModelFormatError, UsageError
from edgekit.inputs.wordpiece import WordPieceTokenizer

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", ",", "world", "!", "un", "##aff", "##able", "cafe",
         "a", "##b", "ab", "abc", "中", "文", "$", "5", "x"]
PAD, UNK, CLS, SEP = 0, 1, 2, 3


@pytest.fixture
def tokenizer(tmp_path: Path) -> WordPieceTokenizer:
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    return WordPieceTokenizer.from_vocab(path)


def ids(*tokens: str) -> list[int]:
    return [VOCAB.index(token) for token in tokens]


@pytest.mark.parametrize(("text", "expected"), [
    ("Hello, world!", ["hello", ",", "world", "!"]),  # lowercased, punctuation split off
    ("unaffable", ["un", "##aff", "##able"]),  # greedy longest match first, ## continuations
    ("abc ab abb", ["abc", "ab", "ab", "##b"]),
    ("Café CAFÉ", ["cafe", "cafe"]),  # accents stripped (NFD, combining marks dropped)
    ("中文", ["中", "文"]),  # CJK characters are words of their own
    ("$5", ["$", "5"]),  # ASCII symbols count as punctuation in BERT
    ("hello\u00a0world\tx\n", ["hello", "world", "x"]),  # no-break space and tabs are whitespace
    ("hel\x00lo\u200b", ["hello"]),  # NUL and format characters (zero-width space) are removed
    ("abz", ["[UNK]"]),  # one piece that does not match makes the whole word unknown
    ("x" * 101, ["[UNK]"]),  # words over 100 characters are unknown
    ("  ", []),
])
def test_tokenize(tokenizer: WordPieceTokenizer, text: str, expected: list[str]):
    assert tokenizer.tokenize(text) == expected


def test_a_word_of_exactly_100_characters_is_still_split(tokenizer: WordPieceTokenizer):
    assert tokenizer.tokenize("ab" + "b" * 98) == ["ab"] + ["##b"] * 98


def test_encode_single_pads_and_masks(tokenizer: WordPieceTokenizer):
    encoded = tokenizer.encode("Hello, world!", 8)
    assert set(encoded) == {"input_ids", "attention_mask", "token_type_ids"}
    assert all(a.dtype == np.int32 and a.shape == (1, 8) for a in encoded.values())
    assert encoded["input_ids"].tolist() == [[CLS, *ids("hello", ",", "world", "!"), SEP, PAD, PAD]]
    assert encoded["attention_mask"].tolist() == [[1, 1, 1, 1, 1, 1, 0, 0]]
    assert encoded["token_type_ids"].tolist() == [[0] * 8]


def test_encode_pair_marks_the_second_segment(tokenizer: WordPieceTokenizer):
    encoded = tokenizer.encode("hello", 8, text_pair="world !")
    assert encoded["input_ids"].tolist() == [[CLS, *ids("hello"), SEP, *ids("world", "!"), SEP, PAD, PAD]]
    assert encoded["token_type_ids"].tolist() == [[0, 0, 0, 1, 1, 1, 0, 0]]  # padding is type 0
    assert encoded["attention_mask"].tolist() == [[1] * 6 + [0, 0]]


def test_encode_truncates_from_the_end(tokenizer: WordPieceTokenizer):
    encoded = tokenizer.encode("hello world x a", 4)
    assert encoded["input_ids"].tolist() == [[CLS, *ids("hello", "world"), SEP]]
    assert encoded["attention_mask"].tolist() == [[1, 1, 1, 1]]


def test_encode_pair_truncates_the_longer_segment_first(tokenizer: WordPieceTokenizer):
    encoded = tokenizer.encode("a a a a a", 8, text_pair="x x")  # 5 + 2 tokens, room for 5
    assert encoded["input_ids"].tolist() == [[CLS, *ids("a", "a", "a"), SEP, *ids("x", "x"), SEP]]
    tied = tokenizer.encode("a a", 6, text_pair="x x")  # a tie takes from the second segment
    assert tied["input_ids"].tolist() == [[CLS, *ids("a", "a"), SEP, *ids("x"), SEP]]


def test_encode_refuses_a_length_without_room_for_special_tokens(tokenizer: WordPieceTokenizer):
    with pytest.raises(UsageError, match="no room"):
        tokenizer.encode("hello", 1)
    with pytest.raises(UsageError, match="no room"):
        tokenizer.encode("hello", 2, text_pair="world")


def test_vocab_without_special_tokens_is_refused(tmp_path: Path):
    path = tmp_path / "vocab.txt"
    path.write_text("hello\nworld\n", encoding="utf-8")
    with pytest.raises(ModelFormatError, match=r"\[PAD\]"):
        WordPieceTokenizer.from_vocab(path)


def test_pieces_carry_offsets_into_the_text_as_written(tokenizer: WordPieceTokenizer):
    text = "Un-affable CAFÉ 中!"
    pieces = tokenizer.pieces(text)
    assert [(p.text, text[p.start:p.end]) for p in pieces] == [
        ("un", "Un"), ("[UNK]", "-"), ("[UNK]", "affable"), ("cafe", "CAFÉ"), ("中", "中"), ("!", "!")]
    assert [p.id for p in pieces] == [*ids("un"), UNK, UNK, *ids("cafe", "中", "!")]


def test_vocab_with_a_byte_order_mark_and_crlf_line_endings(tmp_path: Path):
    path = tmp_path / "vocab.txt"
    path.write_bytes(("\ufeff" + "\r\n".join(VOCAB) + "\r\n").encode("utf-8"))
    assert WordPieceTokenizer.from_vocab(path).vocab == {token: index for index, token in enumerate(VOCAB)}
