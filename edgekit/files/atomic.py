"""Publish files and folders so that a reader never sees half of one.

Everything edgekit writes for a user (result documents, their arrays, zoo files, converted
variants, scaffolded projects) goes through here: write beside the target, then rename over it.
An interrupted write leaves the old file or nothing, never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = ["open_output", "publish_directory", "write_bytes", "write_npz", "write_text"]


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary stream to a temporary file beside PATH, moved onto PATH when the block succeeds.

    On an error inside the block the temporary file is removed and PATH is left as it was.
    The published file is readable by everyone (0644), like any other file edgekit writes.
    """
    target = Path(path)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
        os.chmod(tmp, 0o644)  # mkstemp makes 0600
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write DATA to PATH through :func:`open_output`."""
    with open_output(path) as stream:
        stream.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """UTF-8 text through :func:`write_bytes`.

    A lone surrogate (what Python makes of an undecodable byte in a file name or a JSON ``\\udcff``
    escape in a document) has no UTF-8 form: it is written as its escape, as the terminal shows it,
    instead of failing the whole report.
    """
    return write_bytes(path, text.encode("utf-8", errors="backslashreplace"))


def write_npz(
    path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray], *, compressed: bool = True
) -> Path:
    """A named-array archive (``np.savez``) through :func:`open_output`."""
    save = np.savez_compressed if compressed else np.savez
    with open_output(path) as stream:
        # Values typed Any: numpy's stub checks **kwds against savez's own allow_pickle: bool.
        named: dict[str, Any] = dict(arrays)
        save(stream, **named)
    return Path(path)


def publish_directory(staging: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """Move the finished folder STAGING to DEST; an existing DEST goes only once STAGING is ready.

    Both must be on one file system (make STAGING beside DEST). The old DEST is renamed aside
    first and deleted last, so a failure in between leaves one complete folder in place.
    """
    staging, dest = Path(staging), Path(dest)
    if not dest.exists():
        os.replace(staging, dest)
        return dest
    old = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.old-")) / dest.name
    os.replace(dest, old)
    try:
        os.replace(staging, dest)
    except BaseException:
        os.replace(old, dest)
        raise
    finally:
        shutil.rmtree(old.parent, ignore_errors=True)
    return dest
