"""Read ``.safetensors`` files with NumPy alone (no torch, no ``safetensors`` package).

The format: an 8-byte little-endian header length, a JSON header mapping each tensor name to its
``dtype``, ``shape`` and ``data_offsets`` (relative to the end of the header), then the raw
little-endian data of every tensor.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.errors import ModelFormatError

__all__ = ["read_safetensors"]

_SAFETENSORS_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U8": "u1", "BOOL": "?",
}


def read_safetensors(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every tensor of a ``.safetensors`` file as a writable NumPy array (BF16 widened to float32).

    ModelFormatError when the file is truncated, its header is not JSON, a dtype is unknown, or a
    tensor's offsets do not match its shape.
    """
    path = Path(path)
    data = bytearray(path.read_bytes())  # writable, so the arrays are too
    if len(data) < 8:
        raise _bad_safetensors(path, f"{len(data)} bytes is too short for the 8-byte header length")
    header_len = int.from_bytes(data[:8], "little")
    if header_len > len(data) - 8:
        raise _bad_safetensors(path, f"header length {header_len} exceeds the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8:8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad_safetensors(path, f"header is not JSON ({exc})") from exc
    if not isinstance(header, dict):
        raise _bad_safetensors(path, "header is not a JSON object")
    start = 8 + header_len
    return {
        name: _tensor(path, name, info, data, start)
        for name, info in header.items() if name != "__metadata__"
    }


def _tensor(path: Path, name: str, info: Any, data: bytearray, start: int) -> np.ndarray:
    try:
        dtype_name, shape, (begin, end) = (
            info["dtype"],
            tuple(int(d) for d in info["shape"]),
            info["data_offsets"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad_safetensors(path, f"tensor {name!r} lacks dtype, shape or data_offsets") from exc
    widen = dtype_name == "BF16"
    dtype = np.dtype("<u2" if widen else _SAFETENSORS_DTYPES.get(dtype_name, "V0"))
    if dtype.itemsize == 0:
        raise _bad_safetensors(path, f"tensor {name!r} has unsupported dtype {dtype_name!r}")
    count = int(np.prod(shape, dtype=np.int64))
    if not 0 <= begin <= end <= len(data) - start or end - begin != count * dtype.itemsize:
        raise _bad_safetensors(
            path, f"tensor {name!r}: data_offsets [{begin}, {end}] do not hold {shape} {dtype_name}"
        )
    array = np.frombuffer(data, dtype=dtype, count=count, offset=start + begin).reshape(shape)
    if widen:  # bfloat16 is the top half of a float32
        return (array.astype(np.uint32) << 16).view(np.float32)
    return array


def _bad_safetensors(path: Path, reason: str) -> ModelFormatError:
    return ModelFormatError(path, reason, "a readable safetensors file")
