"""Checks made before any work starts, so a bad path or an impossible request fails in a second.

A model path is judged by its file type (a FIFO or a device is never opened) and its first bytes
(never read whole to be refused); every output path is proven writable before the measurement
that would fill it; inputs that would not fit in memory are refused by their size, not by the
allocation that would fail.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from edgekit.errors import CacheNotWritable, UsageError

__all__ = [
    "check_finite",
    "check_writable_cache",
    "check_output_dir",
    "check_output_file",
    "read_head",
    "special_file_kind",
    "usable_cores",
    "thread_count_warning",
]

_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_file_kind(path: Path) -> str | None:
    """What PATH is when it is a FIFO, device or socket ("a FIFO (named pipe)"), else None.

    Decided by ``stat`` alone: opening a FIFO would block and reading a device may never end.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return next((kind for test, kind in _SPECIAL_KINDS if test(mode)), None)


def read_head(path: Path, size: int) -> bytes:
    """The first SIZE bytes of regular file PATH (fewer when the file is shorter)."""
    with open(path, "rb") as stream:
        return stream.read(size)


def check_output_file(path: str | os.PathLike[str], parameter: str) -> Path:
    """PATH, once proven a file edgekit can create or replace; UsageError naming PARAMETER otherwise.

    Proven by creating a file beside it (and removing it), which is the one test that also holds
    for root, read-only mounts and /proc.
    """
    target = Path(path)
    kind = special_file_kind(target)
    if kind:
        raise UsageError(parameter, f"{target} is {kind}; give a regular file name")
    if target.is_dir():
        example = target / "result.json"
        raise UsageError(parameter, f"{target} is a directory; give a file name such as {example}")
    parent = target.parent
    if not parent.is_dir():
        why = "is not a directory" if parent.exists() else "does not exist; create it first"
        raise UsageError(parameter, f"directory {parent} {why}")
    _probe_directory(parent, parameter, f"cannot write {target.name} in {parent}")
    return target


def check_output_dir(path: str | os.PathLike[str], parameter: str) -> Path:
    """PATH, once proven a folder edgekit can create or write into; UsageError naming PARAMETER if not.

    A folder that does not exist yet is judged by its nearest existing ancestor, where it would be
    created.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise UsageError(parameter, f"{target} exists and is not a folder; choose another `{parameter}`")
    existing = target
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise UsageError(parameter, f"{target} cannot be created: {existing} is a file, not a folder")
    _probe_directory(existing, parameter, f"cannot write into {existing}")
    return target


def _probe_directory(folder: Path, parameter: str, what: str) -> None:
    # A unique name: threads of one process may probe the same folder at once.
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".edgekit-write-probe-")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(parameter, f"{what} ({reason}); choose a writable place") from None
    os.close(fd)
    Path(probe).unlink(missing_ok=True)


def check_writable_cache(folder: Path) -> Path:
    """FOLDER (edgekit's cache) once proven writable; a one-line error naming $EDGEKIT_CACHE_DIR if not."""
    try:
        return check_output_dir(folder, "EDGEKIT_CACHE_DIR")
    except UsageError as exc:
        raise CacheNotWritable(folder, exc.reason.removesuffix("; choose a writable place")) from None


def check_finite(parameter: str, value: float | None, *, positive: bool = False) -> None:
    """UsageError naming PARAMETER for a duration edgekit cannot use; the rule is
    :func:`edgekit.option_checks.check_seconds` (finite, not negative, at most a day)."""
    from edgekit.option_checks import check_seconds

    check_seconds(parameter, value, positive=positive)


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def thread_count_warning(threads: Sequence[int]) -> str | None:
    """One line when a thread count exceeds the usable cores (it is measured anyway, as asked)."""
    cores = usable_cores()
    above = [count for count in threads if count > cores]
    if not above:
        return None
    counts = ", ".join(str(count) for count in above)
    return (f"threads {counts} exceed the {cores} usable core{'s' if cores != 1 else ''} here: "
            "those runs share cores and measure contention, not speed-up")
