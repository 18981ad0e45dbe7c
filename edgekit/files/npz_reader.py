"""The one reader of ``.npz`` array files that arrive as data: golden files, result sidecars, inputs.

numpy's own loader allocates whatever a member's ``.npy`` header declares before it reads a byte
of the data: a 3 MB archive of zeros can declare 16 GiB. Here every member's header is read
first, and the archive is refused before anything is allocated when its declared bytes exceed
the memory budget, or exceed what the member really holds (its size in the zip directory).
Object arrays would need pickles and are refused, never loaded.
"""

from __future__ import annotations

import math
import os
import tokenize
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from edgekit.files.preflight import InputRefused, memory_budget, open_input

__all__ = ["ArraysRefused", "MAX_MEMBERS", "read_npz"]

#: More arrays than any document edgekit writes holds; a zip directory of millions is refused.
MAX_MEMBERS = 100_000
#: numpy's own bound on an ``.npy`` header (``max_header_size``).
_HEADER_LIMIT = 10_000
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
#: What a damaged archive raises from zipfile, zlib and numpy's format module (a version 1 header
#: that is not a Python literal goes through numpy's tokenizer fallback: TokenError, SyntaxError).
_DAMAGE = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError,
           tokenize.TokenError, SyntaxError)


class ArraysRefused(Exception):
    """An array file edgekit will not load; ``reason`` says why, for the caller's own error."""

    def __init__(self, path: Path, reason: str, *, pickled: bool = False) -> None:
        self.path = path
        self.reason = reason
        self.pickled = pickled
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class _Member:
    info: zipfile.ZipInfo
    key: str
    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int


def read_npz(path: str | os.PathLike[str], *, budget: int | None = None) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at PATH, by key; ArraysRefused before any large allocation.

    BUDGET (bytes, default :func:`edgekit.files.preflight.memory_budget`) bounds the sum of what the
    members declare. The file is opened by :func:`edgekit.files.preflight.open_input`: a FIFO, device
    or directory is refused by type, never read.
    """
    source = Path(path)
    limit = memory_budget() if budget is None else budget
    try:
        with open_input(source) as stream:
            if stream.read(6) == b"\x93NUMPY":
                raise ArraysRefused(source, "is a single .npy array, not an .npz archive; "
                                            "save named arrays with numpy.savez")
            stream.seek(0)
            return _read_archive(source, stream, limit)
    except InputRefused as exc:
        raise ArraysRefused(source, exc.reason) from None
    except _DAMAGE as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ArraysRefused(source, f"is damaged or not an .npz archive ({detail})") from None


def _read_archive(source: Path, stream: IO[bytes], budget: int) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(stream) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ArraysRefused(source, f"holds {len(infos):,} members, more than the {MAX_MEMBERS:,} "
                                        "an array file may have")
        members = [_declared(source, archive, info) for info in infos]
        total = sum(member.nbytes for member in members)
        if total > budget:
            largest = max(members, key=lambda member: member.nbytes)
            raise ArraysRefused(
                source,
                f"declares {_size(total)} of arrays ({largest.key!r} is {_shape(largest)}), above the "
                f"{_size(budget)} memory budget; it was not loaded",
            )
        arrays = {}
        for member in members:
            with archive.open(member.info) as data:
                arrays[member.key] = np.lib.format.read_array(
                    data, allow_pickle=False, max_header_size=_HEADER_LIMIT
                )
        return arrays


def _declared(source: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Member:
    """What one member's ``.npy`` header declares, checked against what the member holds."""
    if not info.filename.endswith(".npy"):
        raise ArraysRefused(source, f"member {info.filename!r} is not a .npy array")
    key = info.filename[: -len(".npy")]
    with archive.open(info) as data:
        version = np.lib.format.read_magic(data)
        reader = _HEADER_READERS.get(version)
        if reader is None:
            raise ArraysRefused(source, f"member {key!r} is .npy format {version}, which edgekit cannot read")
        shape, _, dtype = reader(data, max_header_size=_HEADER_LIMIT)
        header = data.tell()
    if dtype.hasobject:
        raise ArraysRefused(source, f"array {key!r} holds pickled Python objects, which edgekit never loads",
                            pickled=True)
    if any(dim < 0 for dim in shape):
        raise ArraysRefused(source, f"array {key!r} declares a negative dimension {shape}")
    nbytes = math.prod(shape) * dtype.itemsize
    member = _Member(info, key, tuple(shape), dtype, nbytes)
    if nbytes > info.file_size - header:
        raise ArraysRefused(
            source,
            f"array {key!r} declares {_shape(member)} but its member holds "
            f"{_size(max(0, info.file_size - header))}: the file is damaged or forged",
        )
    return member


def _shape(member: _Member) -> str:
    dims = "x".join(str(dim) for dim in member.shape) or "scalar"
    return f"{dims} {member.dtype} = {_size(member.nbytes)}"


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
