"""Model inputs: seeded and dtype/quantization aware, or loaded from the user's .npz.

The same inputs go to every run of a bench, so outputs can be compared across delegates.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from edgekit.errors import InputsError
from edgekit.model import Quantization, TensorInfo
from edgekit.quantization import dequantize, quantize, real_range

__all__ = ["generate_inputs", "load_inputs", "check_inputs", "convert_inputs", "read_npz"]

#: Token ids are drawn below this bound: every BERT-style vocabulary is larger.
TOKEN_ID_HIGH = 1000
_FLOAT_RANGE = (-1.0, 1.0)
#: Integer input types that carry quantization parameters (int32/int64 inputs are ids and masks).
_QUANTIZED_INPUT_DTYPES = ("int8", "uint8", "int16")


def generate_inputs(tensors: Sequence[TensorInfo], seed: int = 0) -> dict[str, np.ndarray]:
    """One seeded array per input tensor, keyed by tensor name.

    Floats are uniform in [-1, 1]. Quantized integer inputs are drawn uniformly over the real-valued
    range their scale and zero point can represent, then quantized. Other integers look like token
    ids, attention masks (names with "mask": ones) or segment ids (names with "segment"/"type_ids":
    zeros). Dynamic dimensions take the size stored in the model's static shape.
    """
    rng = np.random.default_rng(seed)
    return {tensor.name: _generate_one(tensor, rng) for tensor in tensors}


def _generate_one(tensor: TensorInfo, rng: np.random.Generator) -> np.ndarray:
    shape = tuple(max(1, dim) for dim in tensor.shape)
    dtype = tensor.dtype
    if dtype in ("float32", "float16", "float64"):
        return rng.uniform(*_FLOAT_RANGE, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype in _QUANTIZED_INPUT_DTYPES and tensor.quantization is not None:
        return _quantized_uniform(tensor, tensor.quantization, shape, rng)
    if dtype in ("int8", "uint8", "int16", "int32", "int64", "uint16", "uint32"):
        return _integer_like(tensor, shape, rng)
    raise InputsError(
        tensor.name,
        f"cannot generate {dtype} inputs; pass your own with `inputs` (an .npz keyed by input name)",
    )


def _quantized_uniform(
    tensor: TensorInfo, quantization: Quantization, shape: tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    real = rng.uniform(*real_range(quantization, tensor.dtype), size=shape)
    return quantize(real, quantization, tensor.dtype)


def _integer_like(tensor: TensorInfo, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    name = tensor.name.lower()
    if "mask" in name:
        return np.ones(shape, dtype=tensor.dtype)
    if "segment" in name or "type_ids" in name:
        return np.zeros(shape, dtype=tensor.dtype)
    high = min(TOKEN_ID_HIGH, int(np.iinfo(tensor.dtype).max) + 1)
    return rng.integers(0, high, size=shape).astype(tensor.dtype)


def load_inputs(path: str | os.PathLike, tensors: Sequence[TensorInfo]) -> dict[str, np.ndarray]:
    """Read an .npz keyed by input tensor name and check it against the model's inputs."""
    arrays = read_npz(path, "inputs file not found; pass an existing .npz keyed by input name")
    return check_inputs(arrays, tensors, source=str(path))


def read_npz(path: str | os.PathLike, missing: str) -> dict[str, np.ndarray]:
    """Every array of a user's .npz (inputs, expected outputs, calibration data), by key.

    Pickled Python objects are refused, never loaded. InputsError(MISSING) when the file is absent,
    a one-line InputsError saying what is wrong when it cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise InputsError(path, missing)
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        pickled = "it holds pickled Python objects, which edgekit never loads"
        detail = pickled if "pickle" in message else message
        reason = f"not a readable .npz file ({detail}); save plain arrays with numpy.savez"
        raise InputsError(path, reason) from exc


def check_inputs(
    arrays: Mapping[str, np.ndarray], tensors: Sequence[TensorInfo], source: str = "inputs"
) -> dict[str, np.ndarray]:
    """Match arrays to input tensors by name (or signature key), shape (dynamic dims free) and dtype.

    The result is keyed by tensor name, whichever of the two the caller used.
    """
    expected = {tensor.name: tensor for tensor in tensors}
    by_key = {tensor.key: tensor.name for tensor in tensors if tensor.key not in expected}
    if by_key and not any(name in expected for name in arrays):
        arrays = {by_key.get(name, name): value for name, value in arrays.items()}
    missing = [name for name in expected if name not in arrays]
    unknown = [name for name in arrays if name not in expected]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(repr(n) for n in missing)}")
        if unknown:
            parts.append(f"unexpected {', '.join(repr(n) for n in unknown)}")
        raise InputsError(
            source, f"{'; '.join(parts)}; the model's inputs are {', '.join(repr(n) for n in expected)}"
        )
    return {name: _conform(np.asarray(arrays[name]), tensor, source) for name, tensor in expected.items()}


def _conform(array: np.ndarray, tensor: TensorInfo, source: str) -> np.ndarray:
    signature = tensor.shape_signature or tensor.shape
    fits = len(array.shape) == len(signature) and all(
        want < 0 or want == got for want, got in zip(signature, array.shape, strict=True)
    )
    if not fits:
        wanted = "x".join("?" if d < 0 else str(d) for d in signature)
        got = "x".join(str(d) for d in array.shape) or "scalar"
        raise InputsError(source, f"input {tensor.name!r} has shape {got}, the model expects {wanted}")
    target = np.dtype(tensor.dtype)
    if array.dtype == target:
        return array
    if np.can_cast(array.dtype, target, casting="same_kind") or _is_exact_integer_cast(array, target):
        return array.astype(target)
    raise InputsError(
        source, f"input {tensor.name!r} is {array.dtype}, the model expects {target} (cannot convert safely)"
    )


def _is_exact_integer_cast(array: np.ndarray, target: np.dtype) -> bool:
    if array.dtype.kind not in "iub" or target.kind not in "iu":
        return False
    info = np.iinfo(target)
    return array.size == 0 or (int(array.min()) >= info.min and int(array.max()) <= info.max)


def convert_inputs(
    arrays: Mapping[str, np.ndarray], source: Sequence[TensorInfo], target: Sequence[TensorInfo]
) -> dict[str, np.ndarray]:
    """Carry inputs from one model to another through each model's own quantization.

    Used when a quantized variant is compared with its float reference: both must see the same
    real values. Inputs are matched by name, else by position; a quantized source is dequantized,
    a quantized target is quantized (rounded and clipped), anything else is cast.
    """
    if len(source) != len(target):
        raise InputsError(
            "reference", f"the models have {len(source)} and {len(target)} inputs; they cannot share inputs"
        )
    names = {t.name for t in target}
    by_name = all(s.name in names for s in source)
    targets = {t.name: t for t in target}
    converted = {}
    for position, tensor in enumerate(source):
        destination = targets[tensor.name] if by_name else target[position]
        array = arrays[tensor.name]
        if tuple(max(1, d) for d in destination.shape) != array.shape and not destination.is_dynamic:
            raise InputsError(
                "reference",
                f"input {tensor.name!r} has shape {'x'.join(map(str, array.shape))} but the other model's "
                f"{destination.name!r} expects {'x'.join(map(str, destination.shape))}",
            )
        converted[destination.name] = _requantize(array, tensor, destination)
    return converted


def _requantize(array: np.ndarray, source: TensorInfo, target: TensorInfo) -> np.ndarray:
    quantized_source = source.dtype in _QUANTIZED_INPUT_DTYPES
    real = dequantize(array, source.quantization) if quantized_source else array.astype(np.float64)
    if target.dtype in _QUANTIZED_INPUT_DTYPES:
        return quantize(real, target.quantization, target.dtype)
    return real.astype(target.dtype)
