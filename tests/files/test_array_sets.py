"""Array sets between a parent and its worker: written atomically, read back through the bounded reader."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from edgekit.files.array_sets import pack_sets, unpack_sets
from edgekit.files.npz_reader import ArraysRefused


def test_sets_come_back_in_order_with_their_names_dtypes_and_empty_sets(tmp_path: Path):
    first = {"serving_default/input:0": np.arange(6, dtype=np.float32).reshape(1, 6), "ids": np.array([3, 1])}
    second: dict[str, np.ndarray] = {}
    third = {"ids": np.array([7, 7], dtype=np.int64)}
    path = pack_sets(tmp_path / "inputs.npz", [first, second, third])
    assert path == tmp_path / "inputs.npz" and [p.name for p in tmp_path.iterdir()] == ["inputs.npz"]
    sets = unpack_sets(path)
    assert len(sets) == 3 and sets[1] == {}
    assert sets[0].keys() == first.keys() and sets[2].keys() == third.keys()
    for got, want in ((sets[0], first), (sets[2], third)):
        for name, value in want.items():
            np.testing.assert_array_equal(got[name], value)
            assert got[name].dtype == value.dtype and got[name].shape == value.shape
    assert unpack_sets(pack_sets(tmp_path / "none.npz", [])) == ()


def test_a_string_tensor_travels_as_bytes_never_as_a_pickle(tmp_path: Path):
    text = np.array([[b"hello", "w\u00f6rld"]], dtype=object)
    (only,) = unpack_sets(pack_sets(tmp_path / "s.npz", [{"text": text}]))
    assert only["text"].dtype.kind == "S" and only["text"].shape == (1, 2)
    assert only["text"].tolist() == [[b"hello", "w\u00f6rld".encode()]]


def test_a_file_the_packer_did_not_write_is_refused(tmp_path: Path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.zeros(3))
    with pytest.raises(ArraysRefused, match="not a file of array sets"):
        unpack_sets(plain)
    stray = tmp_path / "stray.npz"
    np.savez(stray, sets=np.array(1), **{"0/x": np.zeros(1), "5/y": np.zeros(1)})
    with pytest.raises(ArraysRefused, match=r"'5/y' is not SET/NAME with a set below 1"):
        unpack_sets(stray)
    for count in (np.array(-1), np.array([1, 2]), np.array(1.5), np.array(10**9)):
        bad = tmp_path / "count.npz"
        np.savez(bad, sets=count)
        with pytest.raises(ArraysRefused, match="no valid set count"):
            unpack_sets(bad)


def test_a_forged_header_is_refused_before_anything_is_allocated(tmp_path: Path):
    """What a compromised worker could write: a member declaring 64 GiB in a file of a few bytes."""
    path = pack_sets(tmp_path / "outputs.npz", [{"y": np.zeros(4, np.float32)}])
    forged = tmp_path / "forged.npz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(forged, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "0/y.npy":
                data = data.replace(b"(4,)", b"(17179869184,)")
            out.writestr(info, data)
    with pytest.raises(ArraysRefused, match="declares"):
        unpack_sets(forged)
    with pytest.raises(ArraysRefused, match="memory budget"):
        unpack_sets(path, budget=8)
