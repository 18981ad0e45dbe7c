"""Affine quantization arithmetic, ``real = scale * (q - zero_point)``, in one place.

Pure numpy over :class:`edgekit.model.model.Quantization`: dequantize outputs for accuracy checks,
quantize real values into a model's integer inputs (rounded half to even, clipped to the integer
type), and the real range a quantized tensor can hold. Per-axis parameters apply along
``quantization.axis``. A tensor whose scales are all zero (some converters write that to mean
"not quantized") is only cast, both ways.
"""

from __future__ import annotations

from typing import TypeGuard

import numpy as np

from edgekit.model.model import Quantization

__all__ = ["dequantize", "quantize", "is_quantized", "real_range"]


def is_quantized(quantization: Quantization | None) -> TypeGuard[Quantization]:
    """True when ``quantization`` carries at least one non-zero scale."""
    return quantization is not None and any(quantization.scale)


def dequantize(array: np.ndarray, quantization: Quantization | None) -> np.ndarray:
    """Real values of ``array`` as float64: ``scale * (q - zero_point)``, per axis when per-axis.

    Float arrays, non-quantized integers and all-zero scales are only cast. Complex values (TFLite
    has COMPLEX64 tensors; a golden or expected file can hold any dtype) keep both parts, as a last
    axis of 2: casting would drop the imaginary part with a numpy warning. Raises ValueError on
    parameters that do not fit the array.
    """
    values = np.asarray(array)
    if np.iscomplexobj(values):
        return np.stack([values.real, values.imag], axis=-1).astype(np.float64)
    if not is_quantized(quantization) or not np.issubdtype(values.dtype, np.integer):
        # A signalling NaN (what a GPU leaves in an unwritten buffer) raises numpy's "invalid"
        # flag when cast; it stays NaN, which the accuracy checks count.
        with np.errstate(invalid="ignore"):
            return values.astype(np.float64)
    scale, zero_point = _parameters(quantization, values.ndim, values.shape)
    with np.errstate(over="ignore"):  # a huge scale gives inf, which the accuracy checks count
        return (values.astype(np.float64) - zero_point) * scale


def quantize(real: np.ndarray, quantization: Quantization | None, dtype: str | np.dtype) -> np.ndarray:
    """``round(real / scale) + zero_point`` clipped to ``dtype``'s range, as ``dtype``.

    Without quantization (or with all-zero scales) the values are only cast. NaN, which no integer
    stands for, becomes the zero point (real 0); infinities clip to the type's ends. Raises
    ValueError on parameters that do not fit the array.
    """
    values = np.asarray(real, dtype=np.float64)
    if not is_quantized(quantization):
        return values.astype(dtype)
    info = np.iinfo(dtype)
    scale, zero_point = _parameters(quantization, values.ndim, values.shape)
    with np.errstate(over="ignore"):  # beyond the type's range: clipped just below
        steps = np.round(np.where(np.isnan(values), 0.0, values) / scale)
    return np.clip(steps + zero_point, info.min, info.max).astype(dtype)


def real_range(quantization: Quantization, dtype: str | np.dtype) -> tuple[float, float]:
    """The real values the integer type's ends stand for, with the first (per-tensor) parameters."""
    info = np.iinfo(dtype)
    scale = float(quantization.scale[0])
    zero_point = quantization.zero_point[0] if quantization.zero_point else 0
    return scale * (info.min - zero_point), scale * (info.max - zero_point)


def _parameters(
    quantization: Quantization, ndim: int, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Scale and zero point as float64 arrays that broadcast against an array of ``shape``."""
    scale = np.asarray(quantization.scale, dtype=np.float64)
    zero_point = np.asarray(quantization.zero_point or (0,), dtype=np.float64)
    if zero_point.size not in (1, scale.size):
        raise ValueError(f"{zero_point.size} zero points for {scale.size} scales")
    if scale.size > 1:
        axis = quantization.axis
        if axis is None or not -ndim <= axis < ndim or shape[axis] != scale.size:
            raise ValueError(f"{scale.size} per-axis scales on axis {axis} do not fit shape {shape}")
        along_axis = [1] * ndim
        along_axis[axis] = scale.size
        scale = scale.reshape(along_axis)
        zero_point = zero_point.reshape(along_axis) if zero_point.size > 1 else zero_point
    return scale, zero_point
