"""Weight shards of a TF.js model read back per its manifest: dtypes, quantization, damaged files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edgekit.errors import ModelFormatError
from edgekit.model.formats.tfjs_weights import read_weights


def _write(folder: Path, chunks: list[bytes], split: int | None = None) -> list[str]:
    data = b"".join(chunks)
    split = len(data) if split is None else split
    (folder / "group1-shard1of2.bin").write_bytes(data[:split])
    (folder / "group1-shard2of2.bin").write_bytes(data[split:])
    return ["group1-shard1of2.bin", "group1-shard2of2.bin"]


def test_plain_dtypes_come_back_across_shard_boundaries(tmp_path):
    floats = np.arange(6, dtype="<f4").reshape(2, 3) / 4
    ints = np.array([-7, 0, 2**31 - 1], dtype="<i4")
    flags = np.array([True, False, True])
    words = [b"a", b"", "é".encode()]
    encoded = b"".join(len(w).to_bytes(4, "little") + w for w in words)
    paths = _write(tmp_path, [floats.tobytes(), ints.tobytes(), flags.tobytes(), encoded], split=10)
    manifest = [{"paths": paths, "weights": [
        {"name": "f", "shape": [2, 3], "dtype": "float32"},
        {"name": "i", "shape": [3], "dtype": "int32"},
        {"name": "b", "shape": [3], "dtype": "bool"},
        {"name": "s", "shape": [3], "dtype": "string"},
    ]}]
    weights = read_weights(tmp_path / "model.json", manifest)
    assert np.array_equal(weights["f"], floats) and weights["f"].dtype == np.float32
    assert np.array_equal(weights["i"], ints) and weights["i"].dtype == np.int32
    assert weights["b"].tolist() == [True, False, True]
    assert weights["s"].tolist() == words


def test_quantized_weights_are_dequantized_as_tfjs_does(tmp_path):
    # value = q * scale + min; an int32 weight is rounded back (tfjs-core decodeWeights).
    paths = _write(tmp_path, [
        np.array([0, 1, 255], dtype="u1").tobytes(),
        np.array([0, 65535], dtype="<u2").tobytes(),
        np.array([0.5, -2.25, 65504], dtype="<f2").tobytes(),
        np.array([0, 3], dtype="u1").tobytes(),
    ])
    manifest = [{"paths": paths, "weights": [
        {"name": "u8", "shape": [3], "dtype": "float32",
         "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0, "original_dtype": "float32"}},
        {"name": "u16", "shape": [2], "dtype": "float32",
         "quantization": {"dtype": "uint16", "scale": 0.001, "min": 2.0}},
        {"name": "f16", "shape": [3], "dtype": "float32", "quantization": {"dtype": "float16"}},
        {"name": "q_int", "shape": [2], "dtype": "int32",
         "quantization": {"dtype": "uint8", "scale": 0.6, "min": -1.0}},
    ]}]
    weights = read_weights(tmp_path / "model.json", manifest)
    assert weights["u8"].tolist() == [-1.0, -0.5, 126.5]
    assert weights["u16"] == pytest.approx([2.0, 67.535], rel=1e-6)
    assert weights["f16"].tolist() == [0.5, -2.25, 65504.0] and weights["f16"].dtype == np.float32
    assert weights["q_int"].tolist() == [-1, 1] and weights["q_int"].dtype == np.int32


def test_shards_that_do_not_match_the_manifest_are_refused(tmp_path):
    paths = _write(tmp_path, [np.zeros(3, dtype="<f4").tobytes()])
    short = [{"paths": paths, "weights": [{"name": "w", "shape": [4], "dtype": "float32"}]}]
    with pytest.raises(ModelFormatError, match="hold 12 bytes, the manifest describes 16"):
        read_weights(tmp_path / "model.json", short)
    long = [{"paths": paths, "weights": [{"name": "w", "shape": [2], "dtype": "float32"}]}]
    with pytest.raises(ModelFormatError, match="hold 12 bytes, the manifest describes 8"):
        read_weights(tmp_path / "model.json", long)
    missing = [{"paths": ["gone.bin"], "weights": []}]
    with pytest.raises(ModelFormatError, match="weight file gone.bin named in model.json is missing"):
        read_weights(tmp_path / "model.json", missing)


def test_unknown_storage_is_named(tmp_path):
    paths = _write(tmp_path, [b"\0" * 8])
    manifest = [{"paths": paths, "weights": [{"name": "c", "shape": [1], "dtype": "complex64"}]}]
    with pytest.raises(ModelFormatError, match="weight 'c' is stored as complex64"):
        read_weights(tmp_path / "model.json", manifest)


@pytest.mark.parametrize(("weights", "reason"), [
    ([{"name": "w", "shape": [1 << 31, 1 << 31], "dtype": "float32"}], "the manifest describes 18,446,744"),
    ([{"name": "w", "shape": [-4], "dtype": "float32"}], "not a list of whole numbers 0 or more"),
    ([{"name": "w", "shape": [1.5], "dtype": "float32"}], "not a list of whole numbers 0 or more"),
    ([{"name": "w", "shape": [2], "dtype": "complex64"}], "stored as complex64, which edgekit cannot read"),
    ([{"shape": [2], "dtype": "float32"}], "has no name"),
    ({"paths": "big.bin", "weights": []}, "is not an object with a 'paths' list and a 'weights' list"),
])
def test_a_manifest_is_checked_against_the_shard_sizes_before_any_is_read(tmp_path, weights, reason):
    from edgekit.model.formats.tfjs_weights import check_manifest

    sparse = tmp_path / "big.bin"
    with open(sparse, "wb") as stream:
        stream.truncate(3 << 30)  # 3 GB of holes: stat'ed, never read
    manifest = [{"paths": ["big.bin"], "weights": weights}] if isinstance(weights, list) else [weights]
    with pytest.raises(ModelFormatError, match=reason):
        check_manifest(tmp_path / "model.json", manifest)


def test_weights_above_the_memory_budget_are_refused(tmp_path, monkeypatch):
    from edgekit.model.formats import tfjs_weights

    paths = _write(tmp_path, [np.zeros(1024, dtype="<f4").tobytes()])
    monkeypatch.setattr(tfjs_weights, "memory_budget", lambda: 1000)
    manifest = [{"paths": paths, "weights": [{"name": "w", "shape": [1024], "dtype": "float32"}]}]
    with pytest.raises(ModelFormatError, match="its weights are 4,096 bytes, above the 1,000-byte memory"):
        tfjs_weights.read_weights(tmp_path / "model.json", manifest)
