"""Several sets of named arrays in one ``.npz``: what a worker process is fed and what it gives back.

A bench run's input sets (the first timed, the others run once for accuracy), the models of a
profile or of a gate pair (one set each), and the outputs of each set travel between a parent and
its worker this way. Set K's array NAME is stored under ``K/NAME`` (a tensor name may hold ``/``
itself: only the first one splits), and the number of sets under ``sets``, so an empty set
survives the trip.

Writing goes through :mod:`edgekit.files.atomic` (a reader never sees half a file); reading
through the bounded reader (:mod:`edgekit.files.npz_reader`), because the file crosses a trust
boundary: a worker runs an untrusted model, and the parent must not allocate what a forged
header declares. String tensors (object arrays of bytes, as runtimes hand them over) are stored
as fixed-width bytes, never pickled.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.files import atomic
from edgekit.files.npz_reader import MAX_MEMBERS, ArraysRefused, read_npz

__all__ = ["pack_sets", "unpack_sets"]

_COUNT = "sets"


def pack_sets(path: str | os.PathLike[str], sets: Sequence[Mapping[str, Any]]) -> Path:
    """Write SETS (each: array name -> array) to the ``.npz`` at PATH, uncompressed; returns PATH."""
    arrays: dict[str, np.ndarray] = {_COUNT: np.array(len(sets), dtype=np.int64)}
    for index, named in enumerate(sets):
        arrays.update({f"{index}/{name}": _storable(value) for name, value in named.items()})
    return atomic.write_npz(path, arrays, compressed=False)


def unpack_sets(
    path: str | os.PathLike[str], *, budget: int | None = None
) -> tuple[dict[str, np.ndarray], ...]:
    """The sets :func:`pack_sets` wrote to PATH, in order; ArraysRefused for a file it did not write
    or one whose arrays declare more than BUDGET bytes (see :func:`edgekit.files.npz_reader.read_npz`)."""
    source = Path(path)
    arrays = read_npz(source, budget=budget)
    count = arrays.pop(_COUNT, None)
    if count is None or count.shape != () or count.dtype.kind not in "iu" or not 0 <= count <= MAX_MEMBERS:
        raise ArraysRefused(source, "is not a file of array sets (no valid set count)")
    sets: list[dict[str, np.ndarray]] = [{} for _ in range(int(count))]
    for key, value in arrays.items():
        index, slash, name = key.partition("/")
        if not (slash and name and index.isdecimal() and int(index) < len(sets)):
            raise ArraysRefused(source, f"array {key!r} is not SET/NAME with a set below {len(sets)}")
        sets[int(index)][name] = value
    return tuple(sets)


def _storable(value: Any) -> np.ndarray:
    """VALUE as an .npz holds it without pickles: an object array (a string tensor, items of bytes)
    becomes fixed-width bytes (``S``; trailing NUL bytes of an item are lost, as numpy's ``S`` drops
    them)."""
    array = np.asarray(value)
    if array.dtype != object:
        return array
    items = [item if isinstance(item, bytes) else str(item).encode() for item in array.flat]
    return np.array(items, dtype=np.bytes_).reshape(array.shape)
