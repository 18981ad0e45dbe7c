"""The fixed image the vision apps' golden vectors are computed on, and the preprocessing they share.

The image is drawn with numpy (the first of :mod:`edgekit.inputs.scenes`: a figure on a plain
background, no randomness) at the model's input size, so the app's resize to H x W is the
identity and browser and Python see the same pixels. It is written as an 8-bit RGB PNG without
colour-space chunks (:func:`write_png`), which browsers and Android decode exactly.
:func:`preprocess` is the reference for the apps' own preprocessing: ``normalize`` (low, high) maps
a pixel p to ``low + p / 255 * (high - low)`` as float32; ``None`` feeds the raw 0..255 values as
the input's integer type.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.inputs.scenes import synthetic_person
from edgekit.scaffold.binding import ImageInput

__all__ = ["synthetic_person", "write_png", "read_png", "preprocess", "input_record", "INPUT_FILE"]

INPUT_FILE = "input.png"

def write_png(path: Path, rgb: np.ndarray) -> None:
    """Write an H x W x 3 uint8 array as an 8-bit RGB PNG (no filter, no colour-space chunks)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an H x W x 3 uint8 array, got {rgb.dtype} {rgb.shape}")
    height, width = rgb.shape[:2]
    raw = b"".join(b"\x00" + rgb[row].tobytes() for row in range(height))  # filter type 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, truecolour, no interlace
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
                     + chunk(b"IEND", b""))


def read_png(path: Path) -> np.ndarray:
    """Read back a PNG written by :func:`write_png` (8-bit RGB, filter type 0 only)."""
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    offset, idat, width, height = 8, b"", 0, 0
    while offset < len(data):
        (length,), kind = struct.unpack(">I", data[offset:offset + 4]), data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if (depth, colour) != (8, 2):
                raise ValueError(f"{path}: only 8-bit RGB PNGs are read here")
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * 3)
    if rows[:, 0].any():
        raise ValueError(f"{path}: uses PNG row filters; only filter type 0 is read here")
    return rows[:, 1:].reshape(height, width, 3).copy()


def input_record(image: ImageInput) -> dict[str, Any]:
    """The golden file's "input" entry: the image file and how the app turns it into the model input."""
    return {
        "file": INPUT_FILE,
        "height": image.height,
        "width": image.width,
        "dtype": image.tensor.dtype,
        "normalize": list(image.normalize) if image.normalize is not None else None,
    }


def preprocess(rgb: np.ndarray, image: ImageInput) -> np.ndarray:
    """The model input [1, H, W, 3] for an H x W x 3 uint8 image, as the apps compute it."""
    if rgb.shape != (image.height, image.width, 3):
        raise ValueError(f"image is {rgb.shape}, the model takes {image.height} x {image.width} x 3")
    if image.normalize is None:
        return rgb.astype(np.int32 if image.tensor.dtype == "int32" else np.uint8)[None]
    low, high = image.normalize
    # Double precision rounded once to float32, as the apps do (JavaScript numbers into a Float32Array).
    pixels = rgb.astype(np.float64)
    return (low + pixels / 255.0 * (high - low)).astype(np.float32)[None]
