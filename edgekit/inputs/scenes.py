"""Realistic inputs edgekit makes itself: drawn scenes with people, and ordinary sentences.

A verdict on random noise says little: noise drives a segmentation model's logits to -1300 and
its keypoints anywhere. These are inputs a camera or a user could produce, drawn with numpy (no
randomness, no files): a standing figure, arms out, on a striped background, then the same
figure small and off-centre, large, twice, on a dark background, and nobody at all. The first
scene is the scaffold's golden image, pixel for pixel. Sentences are a short bundled list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SCENES", "SENTENCES", "Scene", "draw_scene", "synthetic_person"]

_BACKGROUND = (214, 222, 230)
_STRIPE = (188, 200, 176)
_DARK_BACKGROUND = (38, 42, 52)
_DARK_STRIPE = (60, 58, 70)
_SKIN = (224, 172, 138)
_SHIRT = (40, 90, 170)
_TROUSERS = (50, 50, 60)
_HAIR = (60, 40, 30)


@dataclass(frozen=True)
class Scene:
    """People as (centre y, centre x, scale) in image fractions, on a light or dark background."""

    label: str
    people: tuple[tuple[float, float, float], ...]
    dark: bool = False


SCENES = (
    Scene("one person, centred", ((0.5, 0.5, 1.0),)),
    Scene("one person, small and off-centre", ((0.62, 0.3, 0.4),)),
    Scene("one person, close up", ((0.58, 0.5, 1.35),)),
    Scene("two people", ((0.5, 0.27, 0.55), (0.52, 0.73, 0.55))),
    Scene("one person on a dark background", ((0.5, 0.5, 1.0),), dark=True),
    Scene("nobody (background only)", ()),
)

SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Edge devices run small models close to where the data is made.",
    "Where is the nearest train station from the museum?",
    "She reviewed the quarterly report before the meeting on Tuesday.",
)


def synthetic_person(height: int, width: int) -> np.ndarray:
    """An H x W x 3 uint8 image: a standing figure, arms out, on a plain light background."""
    return draw_scene(SCENES[0], height, width)


def draw_scene(scene: Scene, height: int, width: int) -> np.ndarray:
    """SCENE drawn at H x W as an RGB uint8 array; positions scale with the image."""
    image = np.empty((height, width, 3), dtype=np.uint8)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    y, x = rows / height, cols / width
    image[:] = _DARK_BACKGROUND if scene.dark else _BACKGROUND
    image[np.floor((x + y) * 8) % 2 == 1] = _DARK_STRIPE if scene.dark else _STRIPE
    for centre_y, centre_x, scale in scene.people:
        _figure(image, y, x, height, width, centre_y, centre_x, scale)
    return image


def _figure(image: np.ndarray, y: np.ndarray, x: np.ndarray, height: int, width: int,
            centre_y: float, centre_x: float, scale: float) -> None:
    unit = min(height, width)
    # The figure is drawn in its own frame (centred at 0.5, 0.5) and placed by centre and scale;
    # at the identity the numbers are used as written, so the first scene is exactly the golden one.
    identity = (centre_y, centre_x, scale) == (0.5, 0.5, 1.0)

    def place(value: float, centre: float) -> float:
        return value if identity else centre + (value - 0.5) * scale

    def window(y_low: float, y_high: float, x_low: float, x_high: float, reach: float) -> tuple[slice, slice]:
        """The pixels a shape within REACH pixels of a box (in image fractions) can touch, with a
        pixel to spare: testing only those gives the same pixels as testing all, at a fraction of the
        cost (pixels outside fail the same test by more than the margin)."""
        def span(low: float, high: float, size: int) -> slice:
            first, last = math.floor(low * size - reach) - 2, math.ceil(high * size + reach) + 3
            return slice(max(0, first), max(0, last))

        return span(y_low, y_high, height), span(x_low, x_high, width)

    def disc(cy: float, cx: float, radius: float, colour: tuple[int, int, int]) -> None:
        cy, cx, radius = place(cy, centre_y), place(cx, centre_x), radius * scale
        box = window(cy, cy, cx, cx, radius * unit)
        yy, xx = y[box], x[box]
        inside = ((yy - cy) * height) ** 2 + ((xx - cx) * width) ** 2 <= (radius * unit) ** 2
        image[box][inside] = colour

    def limb(
        y0: float, x0: float, y1: float, x1: float, thickness: float, colour: tuple[int, int, int]
    ) -> None:
        y0, y1, x0, x1 = place(y0, centre_y), place(y1, centre_y), place(x0, centre_x), place(x1, centre_x)
        box = window(min(y0, y1), max(y0, y1), min(x0, x1), max(x0, x1), thickness * scale * unit / 2)
        yy, xx = y[box], x[box]
        # Distance (in pixels) from each pixel to the segment (y0, x0)-(y1, x1).
        py, px = (yy - y0) * height, (xx - x0) * width
        dy, dx = (y1 - y0) * height, (x1 - x0) * width
        t = np.clip((py * dy + px * dx) / (dy * dy + dx * dx), 0.0, 1.0)
        inside = (py - t * dy) ** 2 + (px - t * dx) ** 2 <= (thickness * scale * unit / 2) ** 2
        image[box][inside] = colour

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
