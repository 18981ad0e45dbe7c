"""edgekit.inputs.seeded: quantization-aware generation and carrying inputs between models, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.errors import InputsError
from edgekit.inputs.seeded import convert_inputs, generate_inputs, read_npz
from edgekit.model.model import Quantization, TensorInfo


def tensor(name: str, dtype: str, quantization: Quantization | None = None, shape=(1, 4)) -> TensorInfo:
    return TensorInfo(0, name, shape, shape, dtype, quantization, False, False)


def test_quantized_inputs_cover_the_whole_integer_range():
    arrays = generate_inputs([tensor("x", "int8", Quantization((0.5,), (-128,)), shape=(1, 4000))], seed=3)
    assert arrays["x"].dtype == np.int8
    assert (arrays["x"].min(), arrays["x"].max()) == (-128, 127)


def test_inputs_travel_between_models_through_each_models_quantization():
    int8 = [tensor("x", "int8", Quantization((0.5,), (10,)))]
    floats = [tensor("x", "float32")]
    real = convert_inputs({"x": np.array([[10, 12, -128, 127]], np.int8)}, int8, floats)["x"]
    assert real.dtype == np.float32 and real.tolist() == [[0.0, 1.0, -69.0, 58.5]]
    back = convert_inputs({"x": np.array([[0.0, 1.0, 0.75, 1000.0]], np.float32)}, floats, int8)["x"]
    assert back.tolist() == [[10, 12, 12, 127]]  # 1.5 rounds half to even, 2010 clips to 127


def test_npz_files_with_pickled_objects_are_refused_in_one_line(tmp_path):
    path = tmp_path / "inputs.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(InputsError, match=r"not a readable .npz file \(it holds pickled Python") as info:
        read_npz(path, "not found")
    assert "\n" not in str(info.value)


def test_unreadable_and_missing_npz_files(tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 torn")
    with pytest.raises(InputsError, match=r"broken.npz: not a readable .npz file \(.+\); save plain arrays"):
        read_npz(broken, "not found")
    with pytest.raises(InputsError, match="absent.npz: pass one"):
        read_npz(tmp_path / "absent.npz", "pass one")
