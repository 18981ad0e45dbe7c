"""Progress of a download that another program makes (``npm pack``): count what it writes.

npm prints nothing useful while it fetches a 145 MB tarball. Pointed at a cache folder of its own,
everything it downloads lands in that folder, so the folder's size is the bytes fetched so far.
:class:`FolderWatch` polls it on a thread and hands the count to a report callback; :func:`reporter`
makes that callback from a ``log``: a live bar when the log can draw one (``log.transfer``), else a
plain line every few seconds.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

__all__ = ["FolderWatch", "folder_bytes", "reporter", "megabytes"]

#: Seconds between polls of the folder, and between plain progress lines.
POLL_S = 0.5
LINE_S = 5.0


def folder_bytes(folder: Path) -> int:
    """Bytes in every regular file under FOLDER (0 when it does not exist yet)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name), follow_symlinks=False).st_size
            except OSError:  # a file renamed or removed between the walk and the stat
                continue
    return total


def megabytes(size: int) -> str:
    """``144.5 MB`` (decimal megabytes, as npm and browsers count them)."""
    return f"{size / 1e6:.1f} MB"


class FolderWatch:
    """Inside its ``with`` block, reports the bytes under FOLDER every POLL_S seconds, and once at the end."""

    def __init__(self, folder: Path, report: Callable[[int], None], interval_s: float = POLL_S) -> None:
        self._folder = folder
        self._report = report
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="edgekit-transfer-watch", daemon=True)

    def __enter__(self) -> FolderWatch:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        if kind is None:
            self._report(folder_bytes(self._folder))

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._report(folder_bytes(self._folder))


def reporter(log: Callable[[str], None], what: str, total: int) -> Callable[[int], None]:
    """A report callback for fetching WHAT (TOTAL bytes, 0 if unknown) that speaks through LOG.

    A log with a ``transfer(what, done, total)`` method (a live progress display) gets every
    update; any other gets a plain line when LINE_S seconds have passed since the last one, and
    one when all TOTAL bytes are there.
    """
    transfer = getattr(log, "transfer", None)
    if callable(transfer):
        return lambda done: transfer(what, done, total)
    last = [time.monotonic()]
    finished = [False]

    def line(done: int) -> None:
        now = time.monotonic()
        complete = bool(total) and done >= total
        if finished[0] or (now - last[0] < LINE_S and not complete):
            return  # a line every LINE_S seconds, and one when the whole package is there
        last[0] = now
        finished[0] = complete
        if not total:
            log(f"{what}: {megabytes(done)}")
            return
        shown = min(done, total)  # npm's cache holds a little more than the tarball itself
        log(f"{what}: {megabytes(shown)} of {megabytes(total)} ({100 * shown / total:.0f}%)")

    return line
