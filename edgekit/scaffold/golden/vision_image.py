"""The fixed image the vision apps' golden vectors are computed on, and the preprocessing they share.

The image is drawn with numpy (a figure on a plain background, no randomness) at the model's input
size, so the app's resize to H x W is the identity and browser and Python see the same pixels. It
is written as an 8-bit RGB PNG without colour-space chunks (:func:`write_png`), which browsers and
Android decode exactly. :func:`preprocess` is the reference for the apps' own preprocessing:
``normalize`` (low, high) maps a pixel p to ``low + p / 255 * (high - low)`` as float32; ``None``
feeds the raw 0..255 values as the input's integer type.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from edgekit.scaffold.binding import ImageInput

__all__ = ["synthetic_person", "write_png", "read_png", "preprocess", "INPUT_FILE"]

INPUT_FILE = "input.png"

_BACKGROUND = (214, 222, 230)
_STRIPE = (188, 200, 176)
_SKIN = (224, 172, 138)
_SHIRT = (40, 90, 170)
_TROUSERS = (50, 50, 60)
_HAIR = (60, 40, 30)


def synthetic_person(height: int, width: int) -> np.ndarray:
    """An H x W x 3 uint8 image: a standing figure, arms out, on a plain light background."""
    image = np.empty((height, width, 3), dtype=np.uint8)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    # Positions are fractions of the image, so every input size gets the same picture.
    y, x = rows / height, cols / width
    unit = min(height, width)
    image[:] = _BACKGROUND
    image[np.floor((x + y) * 8) % 2 == 1] = _STRIPE  # diagonal bands, so a blurred background shows

    def disc(cy: float, cx: float, radius: float, colour: tuple[int, int, int]) -> None:
        inside = ((y - cy) * height) ** 2 + ((x - cx) * width) ** 2 <= (radius * unit) ** 2
        image[inside] = colour

    def limb(y0: float, x0: float, y1: float, x1: float, thickness: float, colour: tuple[int, int, int]) -> None:
        # Distance (in pixels) from each pixel to the segment (y0, x0)-(y1, x1).
        py, px = (y - y0) * height, (x - x0) * width
        dy, dx = (y1 - y0) * height, (x1 - x0) * width
        t = np.clip((py * dy + px * dx) / (dy * dy + dx * dx), 0.0, 1.0)
        inside = (py - t * dy) ** 2 + (px - t * dx) ** 2 <= (thickness * unit / 2) ** 2
        image[inside] = colour

    limb(0.56, 0.45, 0.90, 0.40, 0.09, _TROUSERS)  # legs
    limb(0.56, 0.55, 0.90, 0.60, 0.09, _TROUSERS)
    limb(0.90, 0.40, 0.93, 0.35, 0.06, _TROUSERS)  # feet
    limb(0.90, 0.60, 0.93, 0.65, 0.06, _TROUSERS)
    limb(0.30, 0.50, 0.58, 0.50, 0.20, _SHIRT)  # torso
    limb(0.31, 0.42, 0.44, 0.27, 0.07, _SHIRT)  # upper arms
    limb(0.31, 0.58, 0.44, 0.73, 0.07, _SHIRT)
    limb(0.44, 0.27, 0.56, 0.22, 0.055, _SKIN)  # forearms
    limb(0.44, 0.73, 0.56, 0.78, 0.055, _SKIN)
    limb(0.22, 0.50, 0.30, 0.50, 0.06, _SKIN)  # neck
    disc(0.155, 0.50, 0.075, _HAIR)
    disc(0.175, 0.50, 0.068, _SKIN)  # face, below the hair line
    disc(0.165, 0.475, 0.009, _HAIR)  # eyes
    disc(0.165, 0.525, 0.009, _HAIR)
    return image


def write_png(path: Path, rgb: np.ndarray) -> None:
    """Write an H x W x 3 uint8 array as an 8-bit RGB PNG (no filter, no colour-space chunks)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an H x W x 3 uint8 array, got {rgb.dtype} {rgb.shape}")
    height, width = rgb.shape[:2]
    raw = b"".join(b"\x00" + rgb[row].tobytes() for row in range(height))  # filter type 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

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
