"""SHA-256 of files and streams, read in chunks: the one way edgekit pins and verifies what it fetches."""

from __future__ import annotations

import hashlib
import os
from typing import IO

__all__ = ["sha256_file", "copy_hashing"]

_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The hex SHA-256 of the file at PATH."""
    with open(path, "rb") as stream:
        return copy_hashing(stream, None)


def copy_hashing(source: IO[bytes], out: IO[bytes] | None) -> str:
    """Copy SOURCE into OUT (when given) chunk by chunk and return the hex SHA-256 of what passed."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: source.read(_CHUNK), b""):
        digest.update(chunk)
        if out is not None:
            out.write(chunk)
    return digest.hexdigest()
