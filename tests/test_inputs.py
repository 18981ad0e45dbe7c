"""edgekit.inputs: quantization-aware generation and carrying inputs between models, by hand."""

from __future__ import annotations

import numpy as np

from edgekit.inputs import convert_inputs, generate_inputs
from edgekit.model import Quantization, TensorInfo


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
