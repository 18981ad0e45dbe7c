"""Calibration data for integer quantization: the user's real data, or random with a loud warning.

`--calibration` takes an `.npz` keyed by input name (samples stacked on the first axis), a folder
of images (resized to the input's H x W, scaled to `--calibration-range`), or a text file of
sentences for a text model (tokenized with the vocabulary that comes with the source).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgekit.errors import InputsError, UsageError
from edgekit.files.preflight import InputRefused, read_input, special_file_kind
from edgekit.model.contract import TensorInfo
from edgekit.system.tensorflow import tensorflow

__all__ = ["Calibration", "load_calibration", "RANDOM_WARNING"]

RANDOM_SAMPLES = 32
#: A calibration text is sentences, not a corpus; a larger file is refused, not read on.
MAX_TEXT_BYTES = 64 << 20
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
RANDOM_WARNING = (
    "WARNING: no `calibration` data: integer variants were calibrated on RANDOM inputs; their activation "
    "ranges are guesses and their accuracy verdicts say little about real data"
)


@dataclass(frozen=True)
class Calibration:
    kind: str  # "npz" | "images" | "text" | "random"
    samples: tuple[dict[str, np.ndarray], ...]
    source: str
    warning: str = ""

    def representative_dataset(self, order: Sequence[str]) -> Callable[[], Iterator[list[np.ndarray]]]:
        def generate() -> Iterator[list[np.ndarray]]:
            for sample in self.samples:
                yield [sample[name] for name in order]

        return generate

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "samples": len(self.samples),
            "source": self.source,
            "warning": self.warning,
        }


def load_calibration(
    spec: str | os.PathLike | None,
    inputs: Sequence[TensorInfo],
    *,
    value_range: tuple[float, float] = (-1.0, 1.0),
    encode_text: Callable[[str], dict[str, np.ndarray]] | None = None,
    seed: int = 0,
) -> Calibration:
    """Calibration samples, each a dict input name -> array of the input's full shape."""
    if spec is None:
        return _random(inputs, seed)
    path = Path(spec)
    if path.is_dir():
        return _images(path, inputs, value_range)
    kind = special_file_kind(path)  # by type: a FIFO or a device is not "not found", and is never opened
    if kind:
        raise InputsError(path, f"is {kind}; pass an .npz, a folder of images or a text file")
    if not path.is_file():
        raise InputsError(path, "calibration data not found; pass an .npz, a folder of images or a text file")
    if path.suffix == ".npz":
        return _npz(path, inputs)
    if encode_text is None:
        raise InputsError(path, "text calibration needs a text model with a vocabulary (e.g. minilm-l6)")
    try:
        text = read_input(path, MAX_TEXT_BYTES).decode("utf-8")
    except (InputRefused, UnicodeDecodeError) as exc:
        reason = exc.reason if isinstance(exc, InputRefused) else "is not UTF-8 text"
        raise InputsError(path, f"calibration text {reason}; pass one sentence a line") from None
    sentences = [line.strip() for line in text.splitlines() if line.strip()]
    if not sentences:
        raise InputsError(path, "the calibration text file has no sentences")
    return Calibration("text", tuple(encode_text(s) for s in sentences), str(path))


def _random(inputs: Sequence[TensorInfo], seed: int) -> Calibration:
    from edgekit.inputs.seeded import generate_inputs
    from edgekit.model.model import TensorInfo

    tensors = [TensorInfo(i, s.name, s.shape, s.shape, s.dtype, None) for i, s in enumerate(inputs)]
    samples = tuple(generate_inputs(tensors, seed=seed + n) for n in range(RANDOM_SAMPLES))
    return Calibration("random", samples, f"{RANDOM_SAMPLES} seeded random samples", RANDOM_WARNING)


def _npz(path: Path, inputs: Sequence[TensorInfo]) -> Calibration:
    from edgekit.inputs.seeded import read_npz

    arrays = read_npz(path, "calibration data not found; pass an .npz keyed by input name")
    missing = [s.name for s in inputs if s.name not in arrays]
    if missing:
        raise InputsError(path, f"missing {', '.join(map(repr, missing))}; the source's inputs are "
                                f"{', '.join(repr(s.name) for s in inputs)}")
    counts = set()
    for spec in inputs:
        array = arrays[spec.name]
        if tuple(array.shape[1:]) != spec.shape[1:] and tuple(array.shape) != spec.shape:
            raise InputsError(
                path, f"{spec.name!r} has shape {array.shape}; expected N samples of {spec.shape}"
            )
        counts.add(array.shape[0] if tuple(array.shape) != spec.shape else 1)
    if len(counts) != 1:
        raise InputsError(path, "every input needs the same number of samples")
    count = counts.pop()
    samples = tuple(
        {s.name: arrays[s.name].reshape((count, *s.shape))[n].astype(s.dtype) for s in inputs}
        for n in range(count)
    )
    return Calibration("npz", samples, str(path))


def _images(path: Path, inputs: Sequence[TensorInfo], value_range: tuple[float, float]) -> Calibration:
    images = [inputs[0]] if len(inputs) == 1 else []
    if not images or len(images[0].shape) != 4 or images[0].shape[-1] not in (1, 3):
        raise UsageError("calibration", "a folder of images needs a model with one NHWC image input")
    spec = images[0]
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise InputsError(path, f"no images ({', '.join(IMAGE_SUFFIXES)}) in the folder")
    tf = tensorflow()
    low, high = value_range
    samples = []
    for file in files:
        try:
            image = tf.io.decode_image(file.read_bytes(), channels=spec.shape[-1], expand_animations=False)
        except Exception as exc:
            raise InputsError(file, f"not a readable image ({' '.join(str(exc).split())[:120]})") from exc
        resized = tf.image.resize(tf.cast(image, tf.float32), spec.shape[1:3]).numpy() / 255.0
        samples.append({spec.name: (low + resized * (high - low))[None].astype(spec.dtype)})
    return Calibration(
        "images", tuple(samples), f"{len(files)} images from {path}, scaled to [{low:g}, {high:g}]"
    )
