"""Model inputs: seeded and dtype/quantization aware, or loaded from the user's .npz.

The same inputs go to every run of a bench, so outputs can be compared across delegates.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from edgekit.errors import InputsError, UsageError
from edgekit.files import npz_reader
from edgekit.files.preflight import memory_budget, read_head, special_file_kind
from edgekit.model.model import Quantization, TensorInfo
from edgekit.model.quantization import dequantize, quantize, real_range

__all__ = [
    "check_input_budget",
    "check_inputs",
    "convert_inputs",
    "default_input_budget",
    "generate_inputs",
    "input_bytes",
    "load_inputs",
    "read_npz",
]

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
    if dtype in ("float32", "float64"):  # drawn in the tensor's own type: no float64 copy of a float32
        return _uniform(rng, shape, np.dtype(dtype))
    if dtype == "float16":
        return _uniform(rng, shape, np.dtype(np.float32)).astype(np.float16)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape, dtype=np.bool_)
    if dtype in _QUANTIZED_INPUT_DTYPES and tensor.quantization is not None:
        return _quantized_uniform(tensor, tensor.quantization, shape, rng)
    if dtype in ("int8", "uint8", "int16", "int32", "int64", "uint16", "uint32"):
        return _integer_like(tensor, shape, rng)
    raise InputsError(
        tensor.name,
        f"cannot generate {dtype} inputs; pass your own with `inputs` (an .npz keyed by input name)",
    )


def _uniform(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Uniform over _FLOAT_RANGE, in place, so the array is allocated once."""
    low, high = _FLOAT_RANGE
    values = rng.random(size=shape, dtype=dtype)
    values *= high - low
    values += low
    return values


def input_bytes(tensors: Sequence[TensorInfo]) -> int:
    """Bytes one set of inputs for TENSORS takes (dynamic dims at their static size, at least 1)."""
    total = 0
    for tensor in tensors:
        count = 1
        for dim in tensor.shape:
            count *= max(1, dim)
        total += count * _itemsize(tensor.dtype)
    return total


def _itemsize(dtype: str) -> int:
    try:
        return np.dtype(dtype).itemsize
    except TypeError:  # string, resource, variant: sized by their content, not their shape
        return 1


def default_input_budget() -> int:
    """The default `max_input_bytes`: a quarter of the memory available now, at most 4 GiB.

    A quarter, because inputs exist several times over: the array, its file for the worker, the
    worker's copy and the runtime's tensor. The one budget every reader of arrays shares
    (:func:`edgekit.files.preflight.memory_budget`).
    """
    return memory_budget()


def check_input_budget(
    tensors: Sequence[TensorInfo], max_input_bytes: int | None, others: Sequence[TensorInfo] = ()
) -> None:
    """Refuse inputs larger than MAX_INPUT_BYTES (default: :func:`default_input_budget`) before allocating.

    Each of OTHERS (the model's computed tensors, which the runtime allocates) must fit the same
    budget alone: a damaged dimension must not make a worker claim all of the machine's memory.
    """
    if max_input_bytes is not None and (isinstance(max_input_bytes, bool) or max_input_bytes < 1):
        raise UsageError("max_input_bytes", f"{max_input_bytes!r} is not a positive number of bytes")
    budget = default_input_budget() if max_input_bytes is None else int(max_input_bytes)
    for tensor in others:
        size = input_bytes([tensor])
        if size > budget:
            shape = "x".join(str(max(1, d)) for d in tensor.shape)
            raise UsageError(
                "max_input_bytes",
                f"the runtime would allocate {_gigabytes(size)} for tensor {tensor.name!r} ({shape} "
                f"{tensor.dtype}), above the {_gigabytes(budget)} budget; raise `max_input_bytes` if this "
                "machine can hold it",
            )
    needed = input_bytes(tensors)
    if needed <= budget:
        return
    largest = max(tensors, key=lambda t: input_bytes([t]))
    shape = "x".join(str(max(1, d)) for d in largest.shape)
    raise UsageError(
        "max_input_bytes",
        f"the model's inputs need {_gigabytes(needed)} ({largest.name!r} is {shape} {largest.dtype}), "
        f"above the {_gigabytes(budget)} budget; raise `max_input_bytes` if this machine can hold them",
    )


def _gigabytes(count: int) -> str:
    return f"{count / 1e9:.2f} GB" if count >= 10**7 else f"{count} bytes"


def _quantized_uniform(
    tensor: TensorInfo, quantization: Quantization, shape: tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    low, high = real_range(quantization, tensor.dtype)
    if not (math.isfinite(low) and math.isfinite(high) and low <= high):  # a scale inf, NaN or negative
        raise InputsError(
            tensor.name,
            f"its quantization (scale {quantization.scale[0]:g}) gives no range to draw inputs from; pass "
            "your own with `inputs` (an .npz keyed by input name)",
        )
    real = rng.uniform(low, high, size=shape)
    return quantize(real, quantization, tensor.dtype)


def _integer_like(tensor: TensorInfo, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    name = tensor.name.lower()
    if "mask" in name:
        return np.ones(shape, dtype=tensor.dtype)
    if "segment" in name or "type_ids" in name:
        return np.zeros(shape, dtype=tensor.dtype)
    high = min(TOKEN_ID_HIGH, int(np.iinfo(tensor.dtype).max) + 1)
    return rng.integers(0, high, size=shape, dtype=np.dtype(tensor.dtype))


def load_inputs(
    path: str | os.PathLike, tensors: Sequence[TensorInfo], notes: list[str] | None = None
) -> dict[str, np.ndarray]:
    """Read an .npz keyed by input tensor name and check it against the model's inputs (see check_inputs)."""
    arrays = read_npz(path, "inputs file not found; pass an existing .npz keyed by input name")
    return check_inputs(arrays, tensors, source=str(path), notes=notes)


def read_npz(path: str | os.PathLike, missing: str) -> dict[str, np.ndarray]:
    """Every array of a user's .npz (inputs, expected outputs, calibration data), by key.

    Pickled Python objects are refused, never loaded. InputsError(MISSING) when the file is absent,
    a one-line InputsError saying what is wrong when it cannot be read.
    """
    path = Path(path)
    kind = special_file_kind(path)
    if kind:
        raise InputsError(path, f"is {kind}, not an .npz file; save plain arrays with numpy.savez")
    if path.is_dir():
        raise InputsError(path, "is a directory; pass the .npz file (saved with numpy.savez)")
    if not path.is_file():
        raise InputsError(path, missing)
    save = "save plain arrays with numpy.savez"
    try:
        head = read_head(path, 256)
    except OSError as exc:
        raise InputsError(path, f"cannot be read ({exc.strerror or exc}); {save}") from None
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise InputsError(path, f"not an .npz file ({_npz_impostor(head)}); {save}")
    try:
        return npz_reader.read_npz(path)
    except npz_reader.ArraysRefused as exc:
        detail = "it holds pickled Python objects, which edgekit never loads" if exc.pickled else exc.reason
        raise InputsError(path, f"not a readable .npz file ({detail}); {save}") from None


def _npz_impostor(head: bytes) -> str:
    """What a file that is no .npz looks like instead, from its first bytes."""
    if not head:
        return "it is empty"
    if head.startswith(b"\x93NUMPY"):
        return "it is a single .npy array, not named arrays"
    if head[:1] == b"\x80":
        return "it is a pickle, which edgekit never loads"
    if all(32 <= b < 127 or b in b"\t\r\n" for b in head):
        return "it is a text file"
    return "it is not a zip archive of .npy arrays"


def check_inputs(
    arrays: Mapping[str, np.ndarray],
    tensors: Sequence[TensorInfo],
    source: str = "inputs",
    notes: list[str] | None = None,
) -> dict[str, np.ndarray]:
    """Match arrays to input tensors by name (or signature key), shape (dynamic dims free) and dtype.

    The result is keyed by tensor name, whichever of the two the caller used. An array of another
    type is converted only when every value survives exactly (int32 counts for a float32 input) or
    it is a float of another width; each conversion is described in NOTES. Anything else is refused.
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
    said = notes if notes is not None else []
    return {
        name: _conform(np.asarray(arrays[name]), tensor, source, said) for name, tensor in expected.items()
    }


def _conform(array: np.ndarray, tensor: TensorInfo, source: str, notes: list[str]) -> np.ndarray:
    signature = tensor.shape_signature or tensor.shape
    fits = len(array.shape) == len(signature) and all(
        want < 0 or want == got for want, got in zip(signature, array.shape, strict=True)
    )
    if not fits:
        wanted = "x".join("?" if d < 0 else str(d) for d in signature)
        got = "x".join(str(d) for d in array.shape) or "scalar"
        raise InputsError(source, f"input {tensor.name!r} has shape {got}, the model expects {wanted}")
    if tensor.dtype == "string":
        if array.dtype.kind == "S":
            return array
        if array.dtype.kind == "U":
            return np.char.encode(array, "utf-8")
        raise InputsError(source, f"input {tensor.name!r} is a string input; give an array of str or bytes, "
                                  f"not {array.dtype}")
    try:
        target = np.dtype(tensor.dtype)
    except TypeError:
        raise InputsError(source, f"input {tensor.name!r} has type {tensor.dtype}, which edgekit cannot "
                                  "feed from an array") from None
    if array.dtype == target:
        return array
    converted = _exact_cast(array, target)
    if converted is None:
        raise InputsError(
            source,
            f"input {tensor.name!r} is {array.dtype}, the model expects {target}, and its values do not "
            f"convert exactly; save the array as {target}",
        )
    how = "rounded to its precision" if array.dtype.kind == target.kind == "f" else "every value exact"
    notes.append(f"{source}: input {tensor.name!r} converted from {array.dtype} to {target} ({how})")
    return converted


def _exact_cast(array: np.ndarray, target: np.dtype) -> np.ndarray | None:
    """ARRAY as TARGET when no value changes (floats may narrow, but not overflow), else None."""
    if array.dtype.kind not in "iubf" or target.kind not in "iubf":
        return None
    if array.dtype.kind == "f" and target.kind != "f":
        return None
    if array.dtype.kind == "f":
        with np.errstate(over="ignore"):
            converted = array.astype(target)
        overflowed = np.isinf(converted) & ~np.isinf(array)
        return None if overflowed.any() else converted
    if target.kind in "iu":
        info = np.iinfo(target)
        if array.size and (int(array.min()) < info.min or int(array.max()) > info.max):
            return None
        return array.astype(target)
    converted = array.astype(target)
    same = converted.astype(array.dtype) == array
    return converted if bool(np.all(same)) else None


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
