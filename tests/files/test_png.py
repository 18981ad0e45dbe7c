"""PNG files written and read without an imaging library: unfiltered (golden images) and filtered (photos)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from edgekit.files.png import png_bytes, read_png, write_png


def _noise(height: int, width: int) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    smooth = np.stack([rows * 3 + cols, rows * 7 % 256, (rows + cols) * 5 % 256], axis=-1)
    return ((smooth + np.random.default_rng(0).integers(0, 9, (height, width, 3))) % 256).astype(np.uint8)


@pytest.mark.parametrize("filtered", [False, True])
def test_round_trip_keeps_every_pixel(tmp_path, filtered):
    pixels = _noise(17, 23)
    write_png(tmp_path / "x.png", pixels, filtered=filtered)
    assert np.array_equal(read_png(tmp_path / "x.png"), pixels)
    assert np.array_equal(read_png((tmp_path / "x.png").read_bytes()), pixels)


def test_filtered_rows_use_sub_and_up_and_make_smooth_images_smaller():
    pixels = _noise(64, 64)
    plain, filtered = png_bytes(pixels), png_bytes(pixels, filtered=True)
    assert len(filtered) < len(plain)
    start = filtered.index(b"IDAT") + 4
    length = int.from_bytes(filtered[start - 8:start - 4], "big")
    rows = zlib.decompress(filtered[start:start + length])
    kinds = {rows[r * (1 + 64 * 3)] for r in range(64)}
    assert kinds <= {1, 2} and kinds  # Sub and Up only: what read_png decodes with numpy


def test_unsupported_pngs_are_refused_with_the_reason(tmp_path):
    with pytest.raises(ValueError, match="not a PNG file"):
        read_png(b"GIF89a")
    paeth = bytearray(png_bytes(_noise(2, 2)))
    start = paeth.index(b"IDAT") + 4
    length = int.from_bytes(paeth[start - 8:start - 4], "big")
    raw = bytearray(zlib.decompress(bytes(paeth[start:start + length])))
    raw[0] = 4  # the first row now claims the Paeth filter
    body = zlib.compress(bytes(raw))
    crc = zlib.crc32(b"IDAT" + body).to_bytes(4, "big")
    data = bytes(paeth[:start - 8]) + len(body).to_bytes(4, "big") + b"IDAT" + body + crc + bytes(
        paeth[start + length + 4:])
    with pytest.raises(ValueError, match="row filter Paeth"):
        read_png(data)
    with pytest.raises(ValueError, match="H x W x 3 uint8"):
        png_bytes(np.zeros((2, 2), dtype=np.uint8))
