"""Real photographs as model inputs, beside the scenes edgekit draws.

Drawn scenes have flat colours and hard edges; a camera sees texture, noise and soft light, and a
verdict or a parity test passed only on drawings says little about photos. edgekit ships small
copies of three public-domain / CC0 photographs from scikit-image's sample data (``data/photos``,
with their licence notes in ``data/photos/NOTICE``): a person (the astronaut Eileen Collins), a
cup of coffee and a cat, the last two with nobody in them. Copies rather than a dependency on
scikit-image: 210 KB of PNG against a 13 MB wheel with SciPy behind it.

:data:`PHOTO_SCENES` are the photo inputs edgekit feeds a vision model: each photo as it is, the
astronaut mirrored, and the astronaut small and off-centre on a plain background. Every photo is
fitted to the model's input (centre crop to its aspect ratio, then bilinear resampling), so the
same scene at the same size is the same pixels on every machine.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np

from edgekit.errors import DataFileError
from edgekit.png import read_png

__all__ = ["Photo", "PhotoScene", "PHOTOS", "PHOTO_SCENES", "load_photo", "fit", "resize",
           "render_photo_scene"]

#: Background of a photo pasted small: the drawn scenes' light background.
_BACKGROUND = (214, 222, 230)


@dataclass(frozen=True)
class Photo:
    """A shipped photograph: file stem, what it shows, how many people are in it, its licence."""

    name: str
    shows: str
    people: int
    licence: str


PHOTOS = (
    Photo("astronaut", "a person (the astronaut Eileen Collins)", 1, "NASA, public domain"),
    Photo("coffee", "a cup of coffee on a table", 0, "CC0, Rachel Michetti"),
    Photo("chelsea", "a cat (Chelsea)", 0, "CC0, Stefan van der Walt"),
)
_BY_NAME = {photo.name: photo for photo in PHOTOS}


@dataclass(frozen=True)
class PhotoScene:
    """A photo as a model input: mirrored or not, whole or pasted at (centre y, centre x, scale)."""

    label: str
    photo: str
    mirrored: bool = False
    #: None: the photo fills the frame; else its centre (fractions of the frame) and its side as a
    #: fraction of the frame's shorter side, on a plain background.
    placement: tuple[float, float, float] | None = None

    @property
    def people(self) -> int:
        """How many people the scene shows."""
        return _BY_NAME[self.photo].people


PHOTO_SCENES = (
    PhotoScene("photo: a person (astronaut)", "astronaut"),
    PhotoScene("photo: a person (astronaut), mirrored", "astronaut", mirrored=True),
    PhotoScene("photo: a person (astronaut) at 40 %, off-centre", "astronaut", placement=(0.6, 0.34, 0.4)),
    PhotoScene("photo: nobody (coffee cup)", "coffee"),
    PhotoScene("photo: nobody (a cat)", "chelsea"),
)


@functools.cache
def _load(name: str) -> np.ndarray:
    if name not in _BY_NAME:
        raise KeyError(f"no photo {name!r}; photos: {', '.join(_BY_NAME)}")
    where = f"edgekit:data/photos/{name}.png"
    try:
        data = resources.files("edgekit").joinpath(f"data/photos/{name}.png").read_bytes()
        pixels = read_png(data)
    except (OSError, ValueError) as exc:
        raise DataFileError(where, f"cannot be read ({exc})") from exc
    pixels.flags.writeable = False
    return pixels


def load_photo(name: str) -> np.ndarray:
    """The shipped photo NAME (``astronaut``, ``coffee``, ``chelsea``) as an H x W x 3 uint8 array."""
    return _load(name).copy()


def resize(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """RGB resampled to HEIGHT x WIDTH: bilinear between pixel centres, edges clamped, rounded."""
    source_height, source_width = rgb.shape[:2]

    def taps(size: int, source: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        position = np.clip((np.arange(size) + 0.5) * source / size - 0.5, 0, source - 1)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, source - 1)
        return low, high, position - low

    y0, y1, ty = taps(height, source_height)
    x0, x1, tx = taps(width, source_width)
    pixels = rgb.astype(np.float64)
    rows = pixels[y0] * (1 - ty)[:, None, None] + pixels[y1] * ty[:, None, None]
    out = rows[:, x0] * (1 - tx)[None, :, None] + rows[:, x1] * tx[None, :, None]
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def fit(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """RGB centre-cropped to the aspect ratio of HEIGHT x WIDTH, then resized to it."""
    source_height, source_width = rgb.shape[:2]
    if source_width * height > width * source_height:  # wider than the target: crop the sides
        keep = max(1, round(source_height * width / height))
        left = (source_width - keep) // 2
        rgb = rgb[:, left:left + keep]
    else:
        keep = max(1, round(source_width * height / width))
        top = (source_height - keep) // 2
        rgb = rgb[top:top + keep]
    return resize(rgb, height, width)


def render_photo_scene(scene: PhotoScene, height: int, width: int) -> np.ndarray:
    """SCENE at HEIGHT x WIDTH as an RGB uint8 array."""
    photo = _load(scene.photo)
    if scene.mirrored:
        photo = photo[:, ::-1]
    if scene.placement is None:
        return fit(photo, height, width)
    centre_y, centre_x, scale = scene.placement
    side = max(1, round(scale * min(height, width)))
    aspect = photo.shape[1] / photo.shape[0]
    small = fit(photo, side, max(1, round(side * aspect)))
    frame = np.empty((height, width, 3), dtype=np.uint8)
    frame[:] = _BACKGROUND
    top = min(max(0, round(centre_y * height - small.shape[0] / 2)), height - small.shape[0])
    left = min(max(0, round(centre_x * width - small.shape[1] / 2)), width - small.shape[1])
    frame[top:top + small.shape[0], left:left + small.shape[1]] = small
    return frame
