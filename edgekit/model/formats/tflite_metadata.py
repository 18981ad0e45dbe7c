"""The input value ranges a ``.tflite`` file's own metadata states (TFLite Support's ``TFLITE_METADATA``).

Models written with TFLite Support's metadata writers carry, per input tensor, a NormalizationOptions
process unit: the app computes ``(pixel - mean) / std`` for pixels in 0..255, so the model expects
values in ``[(0 - mean) / std, (255 - mean) / std]`` (per channel; the widest span is taken).
The metadata is its own flatbuffer (file identifier ``M001``, schema ``metadata_schema.fbs`` in
tensorflow/tflite-support); no package ships its reader beside LiteRT, so the few fields needed are
read here by their schema positions:

- ModelMetadata field 3 ``subgraph_metadata`` -> SubGraphMetadata field 2 ``input_tensor_metadata``
- TensorMetadata field 4 ``process_units`` -> ProcessUnit ``options`` (union; type 1 is
  NormalizationOptions) -> NormalizationOptions fields 0 ``mean`` and 1 ``std`` ([float]).

The bytes come from the model file, which may be hostile: anything that does not read cleanly
gives no range rather than an error (the metadata only adds a check, it never stops one).
"""

from __future__ import annotations

import math
import struct

from flatbuffers import number_types
from flatbuffers.table import Table

__all__ = ["METADATA_NAME", "input_value_ranges"]

METADATA_NAME = "TFLITE_METADATA"
_IDENTIFIER = b"M001"
_NORMALIZATION_OPTIONS = 1  # ProcessUnitOptions union: NormalizationOptions is its first member
_MAX_ITEMS = 4096  # more inputs or process units than any real model has: not metadata we read


def input_value_ranges(data: bytes | None) -> dict[int, tuple[float, float]]:
    """{input index: (low, high)} from the metadata flatbuffer DATA; empty when it says nothing."""
    if not data or len(data) < 8 or data[4:8] != _IDENTIFIER:
        return {}
    try:
        return _ranges(bytes(data))
    except (IndexError, struct.error, ValueError, TypeError):
        return {}


def _ranges(buf: bytes) -> dict[int, tuple[float, float]]:
    root = _table(buf, _uoffset(buf, 0))
    ranges: dict[int, tuple[float, float]] = {}
    subgraphs = _tables(root, 3)
    if not subgraphs:
        return ranges
    for index, tensor in enumerate(_tables(subgraphs[0], 2)):
        for unit in _tables(tensor, 4):
            options = _normalization(unit)
            if options is None:
                continue
            means, stds = _floats(options, 0), _floats(options, 1)
            found = _range(means, stds)
            if found is not None:
                ranges[index] = found
                break
    return ranges


def _range(means: list[float], stds: list[float]) -> tuple[float, float] | None:
    """Per channel (a single value applies to all), the span of (0..255 - mean) / std; the union."""
    if not means or not stds:
        return None
    channels = max(len(means), len(stds))
    lows, highs = [], []
    for c in range(channels):
        mean, std = means[min(c, len(means) - 1)], stds[min(c, len(stds) - 1)]
        if not (math.isfinite(mean) and math.isfinite(std)) or std == 0:
            return None
        ends = ((0 - mean) / std, (255 - mean) / std)
        lows.append(min(ends))
        highs.append(max(ends))
    return min(lows), max(highs)


def _uoffset(buf: bytes, pos: int) -> int:
    if pos < 0 or pos + 4 > len(buf):
        raise IndexError(f"offset {pos} is outside the metadata")
    return pos + struct.unpack_from("<I", buf, pos)[0]


def _table(buf: bytes, pos: int) -> Table:
    if pos < 0 or pos + 4 > len(buf):
        raise IndexError(f"table at {pos} is outside the metadata")
    return Table(bytearray(buf), pos)


def _field(table: Table, index: int) -> int:
    """The field's absolute position, or 0 when the table does not have it."""
    offset = table.Offset(4 + 2 * index)
    return table.Pos + offset if offset else 0


def _vector(table: Table, index: int) -> tuple[int, int]:
    """(start, length) of a vector field; (0, 0) when absent."""
    at = _field(table, index)
    if not at:
        return 0, 0
    start = at + struct.unpack_from("<I", table.Bytes, at)[0]  # the vector's length word
    length = struct.unpack_from("<I", table.Bytes, start)[0]
    if length > _MAX_ITEMS or start + 4 + 4 * length > len(table.Bytes):
        raise ValueError("vector runs past the metadata")
    return start + 4, length


def _tables(table: Table, index: int) -> list[Table]:
    start, length = _vector(table, index)
    found = []
    for k in range(length):
        element = start + 4 * k
        found.append(Table(table.Bytes, element + struct.unpack_from("<I", table.Bytes, element)[0]))
    return found


def _floats(table: Table, index: int) -> list[float]:
    start, length = _vector(table, index)
    return [struct.unpack_from("<f", table.Bytes, start + 4 * k)[0] for k in range(length)]


def _normalization(unit: Table) -> Table | None:
    kind_at = _field(unit, 0)
    if not kind_at or unit.Get(number_types.Uint8Flags, kind_at) != _NORMALIZATION_OPTIONS:
        return None
    value_at = _field(unit, 1)
    if not value_at:
        return None
    return Table(unit.Bytes, value_at + struct.unpack_from("<I", unit.Bytes, value_at)[0])
