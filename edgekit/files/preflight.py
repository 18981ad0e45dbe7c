"""Checks made before any work starts, so a bad path or an impossible request fails in a second.

A model path is judged by its file type (a FIFO or a device is never opened) and its first bytes
(never read whole to be refused); every output path is proven writable before the measurement
that would fill it; inputs that would not fit in memory are refused by their size, not by the
allocation that would fail.

Every file that arrives as data (a gate config, a golden file, a result document, a vocabulary)
is opened through :func:`open_input`: judged by type first, opened without blocking, judged again
on the open descriptor (a FIFO swapped in after the check still cannot block), and read up to a
limit, so neither ``/dev/zero`` nor a named pipe can hold edgekit.
"""

from __future__ import annotations

import contextlib
import os
import resource
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from edgekit.errors import CacheNotWritable, UsageError

__all__ = [
    "InputRefused",
    "check_writable_cache",
    "check_output_dir",
    "check_output_file",
    "memory_budget",
    "open_input",
    "read_head",
    "read_input",
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


#: The largest memory budget (:func:`memory_budget`), and the smallest.
MAX_MEMORY_BUDGET = 4 << 30
MIN_MEMORY_BUDGET = 256 << 20


class InputRefused(Exception):
    """A data file edgekit will not open or read; ``reason`` says why in words ("is a FIFO ...").

    Each reader turns it into its own error (a gate config's names file, key and line).
    """

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def special_file_kind(path: Path, *, folders: bool = False) -> str | None:
    """What PATH is when it is a FIFO, device or socket ("a FIFO (named pipe)"), else None.

    With FOLDERS a directory counts too ("a directory"): for readers that want one regular file.
    Decided by ``stat`` alone (symbolic links followed): opening a FIFO would block and reading a
    device may never end.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return _kind_of(mode, folders)


def _kind_of(mode: int, folders: bool) -> str | None:
    if folders and stat.S_ISDIR(mode):
        return "a directory"
    return next((kind for test, kind in _SPECIAL_KINDS if test(mode)), None)


@contextlib.contextmanager
def open_input(path: str | os.PathLike[str], *, limit: int | None = None) -> Iterator[BinaryIO]:
    """A binary stream of regular file PATH; InputRefused for anything else, with the reason.

    Refused: a directory, FIFO, device or socket (by type, never read), a missing or unreadable
    file, and with LIMIT a file larger than LIMIT bytes. The file is opened with O_NONBLOCK and
    judged again on the descriptor, so nothing swapped in after the first check can block.
    """
    target = Path(path)
    kind = special_file_kind(target, folders=True)
    if kind:
        raise InputRefused(target, f"is {kind}, not a regular file")
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputRefused(target, "does not exist") from None
    except OSError as exc:
        raise InputRefused(target, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        info = os.fstat(fd)
        kind = _kind_of(info.st_mode, folders=True)
        if kind or not stat.S_ISREG(info.st_mode):
            raise InputRefused(target, f"is {kind or 'not a regular file'}, not a regular file")
        if limit is not None and info.st_size > limit:
            raise InputRefused(target, f"is {info.st_size:,} bytes, above the {limit:,}-byte limit for it")
        os.set_blocking(fd, True)
        stream = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with stream:
        yield stream


def read_input(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of regular file PATH, opened by :func:`open_input`; never more than LIMIT bytes.

    A file that grows past LIMIT while it is read is refused too, not read on.
    """
    with open_input(path, limit=limit) as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as exc:
            raise InputRefused(Path(path), f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > limit:
        raise InputRefused(Path(path), f"is larger than the {limit:,}-byte limit for it")
    return data


def memory_budget() -> int:
    """Bytes one input, array file or document may claim: a quarter of the memory available now.

    Also at most a quarter of this process's address-space limit (``ulimit -v``), at most 4 GiB and
    at least 256 MiB. A quarter, because data exists several times over (the file's bytes, the
    array, copies made while judging it).
    """
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        available = MAX_MEMORY_BUDGET * 4
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (OSError, ValueError):
        soft = resource.RLIM_INFINITY
    if soft != resource.RLIM_INFINITY and soft > 0:
        available = min(available, soft)
    return max(MIN_MEMORY_BUDGET, min(MAX_MEMORY_BUDGET, available // 4))


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
