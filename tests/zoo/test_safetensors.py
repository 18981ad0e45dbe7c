"""edgekit.zoo.safetensors on files written byte by byte here (header length, JSON header, data)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from edgekit.errors import ModelFormatError
from edgekit.zoo.safetensors import read_safetensors


def write_safetensors(path: Path, tensors: list[tuple[str, str, list[int], bytes]], pad: int = 0) -> Path:
    """Lay tensors out one after another; ``pad`` adds header spaces, as writers do to align data."""
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header).encode("utf-8") + b" " * pad
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in tensors))
    return path


def test_reads_every_dtype_with_its_shape_and_values(tmp_path: Path):
    path = write_safetensors(tmp_path / "t.safetensors", [
        ("weight", "F32", [2, 3], struct.pack("<6f", 1.0, -2.0, 3.5, 0.0, 1e-3, 7.0)),
        ("ids", "I64", [1, 2], struct.pack("<2q", 511, -1)),
        ("half", "F16", [2], struct.pack("<2e", 0.5, -4.0)),
        ("brain", "BF16", [2], struct.pack("<2H", 0x3FC0, 0xC000)),  # 1.5 and -2.0: a float32's top half
        ("flags", "BOOL", [3], bytes([1, 0, 1])),
        ("scalar", "I32", [], struct.pack("<i", 42)),
    ], pad=5)
    tensors = read_safetensors(path)
    assert list(tensors) == ["weight", "ids", "half", "brain", "flags", "scalar"]  # __metadata__ is no tensor
    np.testing.assert_array_equal(
        tensors["weight"], np.array([[1.0, -2.0, 3.5], [0.0, 1e-3, 7.0]], np.float32)
    )
    assert tensors["weight"].dtype == np.float32
    np.testing.assert_array_equal(tensors["ids"], [[511, -1]])
    assert tensors["ids"].dtype == np.int64
    np.testing.assert_array_equal(tensors["half"], np.array([0.5, -4.0], np.float16))
    np.testing.assert_array_equal(tensors["brain"], np.array([1.5, -2.0], np.float32))
    assert tensors["brain"].dtype == np.float32
    np.testing.assert_array_equal(tensors["flags"], [True, False, True])
    assert tensors["scalar"].shape == () and tensors["scalar"] == 42
    tensors["weight"][0, 0] = 9.0  # callers may modify what they get


def test_empty_tensor(tmp_path: Path):
    tensors = read_safetensors(write_safetensors(tmp_path / "t.safetensors", [("none", "F32", [0, 4], b"")]))
    assert tensors["none"].shape == (0, 4)


@pytest.mark.parametrize(("content", "reason"), [
    (b"\x05\x00", "too short"),
    (struct.pack("<Q", 1000) + b"{}", "header length 1000 exceeds"),
    (struct.pack("<Q", 4) + b"nope", "header is not JSON"),
    (struct.pack("<Q", 2) + b"[]", "not a JSON object"),
])
def test_broken_header_is_a_format_error(tmp_path: Path, content: bytes, reason: str):
    path = tmp_path / "broken.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelFormatError, match=reason) as caught:
        read_safetensors(path)
    assert "safetensors" in str(caught.value)


@pytest.mark.parametrize(("dtype", "shape", "data", "reason"), [
    ("F32", [3], struct.pack("<2f", 1, 2), "do not hold"),  # 8 bytes for 3 floats
    ("F8_E4M3", [2], b"\x00\x01", "unsupported dtype 'F8_E4M3'"),
])
def test_inconsistent_tensor_is_a_format_error(tmp_path: Path, dtype, shape, data, reason):
    path = write_safetensors(tmp_path / "t.safetensors", [("x", dtype, shape, data)])
    with pytest.raises(ModelFormatError, match=reason):
        read_safetensors(path)


def test_offsets_past_the_end_are_refused(tmp_path: Path):
    path = write_safetensors(tmp_path / "t.safetensors", [("x", "F32", [2], struct.pack("<2f", 1, 2))])
    path.write_bytes(path.read_bytes()[:-4])  # the file ends halfway through the tensor
    with pytest.raises(ModelFormatError, match="do not hold"):
        read_safetensors(path)
