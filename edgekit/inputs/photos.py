"""Real photographs as model inputs, beside the scenes edgekit draws.

Drawn scenes have flat colours and hard edges; a camera sees texture, noise and soft light, and a
verdict or a parity test passed only on drawings says little about photos. edgekit ships small
copies of three public-domain / CC0 photographs from scikit-image's sample data (``data/photos``,
with their licence notes in ``data/photos/NOTICE``): a person (the astronaut Eileen Collins), a
cup of coffee and a cat, the last two with nobody in them. Copies rather than a dependency on
scikit-image: 210 KB of PNG against a 13 MB wheel with SciPy behind it.

:data:`PHOTO_SCENES` are the photo inputs edgekit feeds a vision model: each photo as it is, the
astronaut mirrored, and the astronaut small and off-centre on a plain background. A photo that
fills the frame is resampled to the model's input (bilinear, stretched as the apps stretch camera
frames); one pasted small keeps its aspect ratio. The same scene at the same size is the same pixels
on every machine. :func:`person_points` says where the astronaut's nose and shoulders are in a scene
(placed by hand on the photo), so an app's keypoints can be checked to land on her.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np

from edgekit.errors import DataFileError
from edgekit.files.png import read_png

__all__ = ["Photo", "PhotoScene", "PHOTOS", "PHOTO_SCENES", "load_photo", "fit", "resize",
           "render_photo_scene", "person_points", "PERSON_POINTS"]

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

#: Where the person in a photo has her nose (BlazePose landmark 0) and shoulders (11: her left, on
#: the image's right; 12: her right), as (x, y) fractions of the photo, placed by eye on the
#: 512 x 512 original. The shoulder joints are hidden under the suit's collar ring: approximate.
PERSON_POINTS: dict[str, dict[int, tuple[float, float]]] = {
    "astronaut": {0: (0.434, 0.230), 11: (0.61, 0.46), 12: (0.22, 0.46)},
}


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
        return resize(photo, height, width)
    left, top, small_w, side = _pasted_box(scene, height, width)
    small = fit(photo, side, small_w)
    frame = np.empty((height, width, 3), dtype=np.uint8)
    frame[:] = _BACKGROUND
    frame[top:top + side, left:left + small_w] = small
    return frame


def person_points(scene: PhotoScene, height: int, width: int) -> dict[int, tuple[float, float]]:
    """:data:`PERSON_POINTS` of the scene's photo where SCENE at HEIGHT x WIDTH shows them (frame
    fractions); empty for a photo without them. Mirrored, the person's left shoulder is still the
    one on the image's right (she still faces the camera), so 11 and 12 trade places."""
    points = dict(PERSON_POINTS.get(scene.photo, {}))
    if scene.mirrored:
        points = {_MIRRORED.get(k, k): (1 - x, y) for k, (x, y) in points.items()}
    if scene.placement is None:
        return points
    left, top, small_w, side = _pasted_box(scene, height, width)
    return {k: ((left + x * small_w) / width, (top + y * side) / height) for k, (x, y) in points.items()}


_MIRRORED = {11: 12, 12: 11}


def _pasted_box(scene: PhotoScene, height: int, width: int) -> tuple[int, int, int, int]:
    """(left, top, width, height) in pixels of a pasted photo, as :func:`render_photo_scene` places it."""
    if scene.placement is None:
        raise ValueError(f"{scene.label} fills the frame; it is not pasted")
    centre_y, centre_x, scale = scene.placement
    photo = _load(scene.photo)
    side = max(1, round(scale * min(height, width)))
    small_w = max(1, round(side * photo.shape[1] / photo.shape[0]))
    top = min(max(0, round(centre_y * height - side / 2)), height - side)
    left = min(max(0, round(centre_x * width - small_w / 2)), width - small_w)
    return left, top, small_w, side
