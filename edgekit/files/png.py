"""8-bit RGB PNG files, written and read with numpy and zlib alone (no imaging library).

Two uses: the golden images scaffold writes into generated apps (no row filters and no
colour-space chunks, so browsers and Android decode exactly these bytes), and the photographs
edgekit ships (rows filtered with PNG's Sub or Up filter, whichever is smaller, which makes
photos about a quarter smaller). :func:`read_png` reads both: 8-bit RGB without interlacing,
row filters None, Sub and Up. Anything else is refused with a ValueError saying what it is.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

__all__ = ["write_png", "read_png", "png_bytes"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_NONE, _SUB, _UP = 0, 1, 2
_FILTER_NAMES = {3: "Average", 4: "Paeth"}


def png_bytes(rgb: np.ndarray, *, filtered: bool = False) -> bytes:
    """An H x W x 3 uint8 array as PNG bytes; FILTERED picks Sub or Up per row (smaller for photos)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an H x W x 3 uint8 array, got {rgb.dtype} {rgb.shape}")
    height, width = rgb.shape[:2]
    rows = []
    previous = np.zeros(width * 3, dtype=np.int16)
    for row in range(height):
        current = rgb[row].reshape(-1).astype(np.int16)
        if not filtered:
            rows.append(b"\x00" + rgb[row].tobytes())
            continue
        left = np.concatenate([np.zeros(3, dtype=np.int16), current[:-3]])
        candidates = {_SUB: (current - left) % 256, _UP: (current - previous) % 256}
        # The usual heuristic: the filter whose residuals, read as signed bytes, are smallest.
        kind = min(candidates, key=lambda k: int(np.abs(((candidates[k] + 128) % 256) - 128).sum()))
        rows.append(bytes([kind]) + candidates[kind].astype(np.uint8).tobytes())
        previous = current
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, truecolour, no interlace
    return (_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + _chunk(b"IEND", b""))


def write_png(path: Path, rgb: np.ndarray, *, filtered: bool = False) -> None:
    """Write an H x W x 3 uint8 array to PATH as an 8-bit RGB PNG (see :func:`png_bytes`)."""
    Path(path).write_bytes(png_bytes(rgb, filtered=filtered))


def read_png(source: Path | bytes) -> np.ndarray:
    """The H x W x 3 uint8 pixels of an 8-bit RGB PNG (a path or its bytes); row filters 0 to 2."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    where = "PNG data" if isinstance(source, bytes) else str(source)
    if data[:8] != _SIGNATURE:
        raise ValueError(f"{where} is not a PNG file")
    offset, idat, width, height = 8, b"", 0, 0
    while offset + 8 <= len(data):
        (length,), kind = struct.unpack(">I", data[offset:offset + 4]), data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body[:13])
            if (depth, colour, interlace) != (8, 2, 0):
                raise ValueError(f"{where}: only 8-bit RGB PNGs without interlacing are read here")
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    if width == 0 or height == 0:
        raise ValueError(f"{where}: no image header")
    stride = 1 + width * 3
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8)
    if raw.size != height * stride:
        raise ValueError(f"{where}: {raw.size} bytes of pixel data, {height * stride} expected")
    rows = raw.reshape(height, stride)
    pixels = np.zeros((height, width * 3), dtype=np.uint8)
    previous = np.zeros(width * 3, dtype=np.uint8)
    for row in range(height):
        row_filter, line = int(rows[row, 0]), rows[row, 1:]
        if row_filter == _NONE:
            pixels[row] = line
        elif row_filter == _SUB:  # each byte adds the one a pixel to its left: a running sum per channel
            pixels[row] = (np.cumsum(line.reshape(width, 3).astype(np.int64), axis=0) % 256).reshape(-1)
        elif row_filter == _UP:
            pixels[row] = (line.astype(np.int64) + previous) % 256
        else:
            name = _FILTER_NAMES.get(row_filter, f"type {row_filter}")
            raise ValueError(f"{where}: uses the PNG row filter {name}; only None, Sub and Up are read here")
        previous = pixels[row]
    return pixels.reshape(height, width, 3)


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return struct.pack(">I", len(data)) + kind + data + crc
