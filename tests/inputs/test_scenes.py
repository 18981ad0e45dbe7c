"""Drawn scenes: each shape is tested only on the pixels it can reach, which must give exactly the
pixels a test of the whole image gives (the scaffold's golden image is the first scene)."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.inputs import scenes
from edgekit.inputs.scenes import SCENES, Scene, draw_scene


def _whole_image(scene: Scene, height: int, width: int) -> np.ndarray:
    """The scene drawn by testing every pixel against every shape (slow, obviously complete); the
    shapes are the figure's, as ``edgekit.inputs.scenes`` draws them."""
    image = np.empty((height, width, 3), dtype=np.uint8)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    y, x = rows / height, cols / width
    image[:] = scenes._DARK_BACKGROUND if scene.dark else scenes._BACKGROUND
    image[np.floor((x + y) * 8) % 2 == 1] = scenes._DARK_STRIPE if scene.dark else scenes._STRIPE
    unit = min(height, width)
    for centre_y, centre_x, scale in scene.people:
        identity = (centre_y, centre_x, scale) == (0.5, 0.5, 1.0)

        def place(value, centre, identity=identity, scale=scale):
            return value if identity else centre + (value - 0.5) * scale

        for y0, x0, y1, x1, thickness, colour in _LIMBS:
            y0, y1 = place(y0, centre_y), place(y1, centre_y)
            x0, x1 = place(x0, centre_x), place(x1, centre_x)
            py, px = (y - y0) * height, (x - x0) * width
            dy, dx = (y1 - y0) * height, (x1 - x0) * width
            t = np.clip((py * dy + px * dx) / (dy * dy + dx * dx), 0.0, 1.0)
            image[(py - t * dy) ** 2 + (px - t * dx) ** 2 <= (thickness * scale * unit / 2) ** 2] = colour
        for cy, cx, radius, colour in _DISCS:
            cy, cx, radius = place(cy, centre_y), place(cx, centre_x), radius * scale
            image[((y - cy) * height) ** 2 + ((x - cx) * width) ** 2 <= (radius * unit) ** 2] = colour
    return image


_LIMBS = [
    (0.56, 0.45, 0.90, 0.40, 0.09, scenes._TROUSERS), (0.56, 0.55, 0.90, 0.60, 0.09, scenes._TROUSERS),
    (0.90, 0.40, 0.93, 0.35, 0.06, scenes._TROUSERS), (0.90, 0.60, 0.93, 0.65, 0.06, scenes._TROUSERS),
    (0.30, 0.50, 0.58, 0.50, 0.20, scenes._SHIRT), (0.31, 0.42, 0.44, 0.27, 0.07, scenes._SHIRT),
    (0.31, 0.58, 0.44, 0.73, 0.07, scenes._SHIRT), (0.44, 0.27, 0.56, 0.22, 0.055, scenes._SKIN),
    (0.44, 0.73, 0.56, 0.78, 0.055, scenes._SKIN), (0.22, 0.50, 0.30, 0.50, 0.06, scenes._SKIN),
]
_DISCS = [
    (0.155, 0.50, 0.075, scenes._HAIR), (0.175, 0.50, 0.068, scenes._SKIN),
    (0.165, 0.475, 0.009, scenes._HAIR), (0.165, 0.525, 0.009, scenes._HAIR),
]
_AT_THE_BORDERS = (
    Scene("cut by the top right corner", ((0.02, 0.98, 1.6),)),
    Scene("cut by two corners", ((0.99, 0.01, 2.0), (0.0, 0.0, 0.1))),
)


@pytest.mark.parametrize("size", [(16, 16), (17, 31), (64, 64), (144, 256), (256, 256), (257, 255),
                                  (33, 200)])
def test_each_shape_tested_on_its_reach_gives_the_whole_image_pixels(size):
    for scene in (*SCENES, *_AT_THE_BORDERS):
        expected = _whole_image(scene, *size)
        np.testing.assert_array_equal(draw_scene(scene, *size), expected, err_msg=scene.label)
