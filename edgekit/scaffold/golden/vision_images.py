"""The images in every vision app's golden set: edgekit's drawn figure and real photographs.

Drawn figures have flat colours, so a sub-pixel slip between Python and the app changes almost no
input value; photographs have texture, where the same slip changes many. A parity test passed only
on drawings says little about a camera, so every vision golden set holds both. Each image is
written at the model's input size, so the app's own resize to its input is the identity and the
app and Python see the same pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.inputs.photos import PHOTO_SCENES, PhotoScene, render_photo_scene
from edgekit.inputs.scenes import SCENES, Scene, draw_scene
from edgekit.scaffold.apps import PLATFORMS, Platform

__all__ = ["GoldenImage", "DRAWN", "DRAWN_OFFCENTRE", "PHOTO_IMAGES", "platform_of", "model_dir_of"]


@dataclass(frozen=True)
class GoldenImage:
    """One golden image: its file, what it shows and how many people, and how to draw it."""

    file: str
    label: str
    people: int
    drawn: Scene | None = None
    photo: PhotoScene | None = None

    def render(self, height: int, width: int) -> np.ndarray:
        """The image at HEIGHT x WIDTH, RGB uint8."""
        if self.drawn is not None:
            return draw_scene(self.drawn, height, width)
        if self.photo is None:
            raise ValueError(f"golden image {self.file} has neither a drawn scene nor a photo")
        return render_photo_scene(self.photo, height, width)

    def record(self) -> dict[str, Any]:
        """The golden file's entry for the image."""
        return {"file": self.file, "label": self.label, "people": self.people,
                "kind": "drawn" if self.drawn is not None else "photo"}


DRAWN = GoldenImage("input.png", SCENES[0].label, len(SCENES[0].people), drawn=SCENES[0])
DRAWN_OFFCENTRE = GoldenImage("input-offcentre.png", SCENES[1].label, len(SCENES[1].people), drawn=SCENES[1])
_SLUGS = ("astronaut", "astronaut-mirrored", "astronaut-small", "coffee", "chelsea")
PHOTO_IMAGES = tuple(GoldenImage(f"photo-{slug}.png", scene.label, scene.people, photo=scene)
                     for slug, scene in zip(_SLUGS, PHOTO_SCENES, strict=True))


def platform_of(dest: Path) -> Platform:
    """The platform whose golden folder ``dest`` is (golden makers are told the folder, not the platform)."""
    for platform in PLATFORMS:
        if dest.as_posix().endswith("/" + platform.golden_dir):
            return platform
    raise ValueError(f"{dest} is no platform's golden folder ({', '.join(p.golden_dir for p in PLATFORMS)})")


def model_dir_of(dest: Path) -> Path:
    """The platform's model folder in the project whose golden folder is ``dest``."""
    platform = platform_of(dest)
    return Path(dest.as_posix()[: -len(platform.golden_dir)]) / platform.model_dir
