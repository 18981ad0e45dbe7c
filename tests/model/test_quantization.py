"""edgekit.model.quantization against values worked out by hand
(dequantize's own cases: tests/verdicts/test_accuracy.py)."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.model.model import Quantization
from edgekit.model.quantization import dequantize, is_quantized, quantize, real_range


def test_quantize_rounds_half_to_even_adds_the_zero_point_and_clips():
    q = Quantization((0.5,), (10,))
    # 1.25/0.5 = 2.5 -> 2; -0.25/0.5 = -0.5 -> -0; 100 -> 210 clipped to 127; -100 -> -190 -> -128
    assert quantize(np.array([1.25, -0.25, 100.0, -100.0]), q, "int8").tolist() == [12, 10, 127, -128]
    assert quantize(np.array([1.25]), q, "int8").dtype == np.int8


def test_quantize_per_axis_and_round_trip():
    q = Quantization((0.1, 1.0), (0, 5), axis=1)
    real = np.array([[0.3, 2.0], [-0.2, -3.0]])
    ints = quantize(real, q, "int16")
    assert ints.tolist() == [[3, 7], [-2, 2]]
    np.testing.assert_allclose(dequantize(ints, q), real)


def test_without_parameters_values_are_only_cast():
    assert quantize(np.array([1.7, -2.2]), None, "int32").tolist() == [1, -2]
    assert quantize(np.array([3.0]), Quantization((0.0,), (0,)), "uint8").tolist() == [3]
    assert not is_quantized(Quantization((0.0,), (0,))) and not is_quantized(None)
    assert is_quantized(Quantization((0.5,), ()))


def test_real_range_is_what_the_integer_ends_stand_for():
    assert real_range(Quantization((0.5,), (-128,)), "int8") == (0.0, 127.5)
    assert real_range(Quantization((2.0,), ()), "uint8") == (0.0, 510.0)


def test_parameters_that_do_not_fit_are_refused():
    with pytest.raises(ValueError, match="per-axis scales on axis 0"):
        quantize(np.zeros((3,)), Quantization((1.0, 2.0), (0,), axis=0), "int8")
    with pytest.raises(ValueError, match="2 zero points for 3 scales"):
        quantize(np.zeros((3,)), Quantization((1.0, 2.0, 3.0), (0, 0), axis=0), "int8")
