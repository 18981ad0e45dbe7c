"""What native code (LiteRT, TensorFlow) writes straight to file descriptor 2: captured or hidden.

Python's `sys.stderr` redirection cannot see those writes; duplicating the descriptor can.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["captured_native_stderr", "native_log_hidden"]


#: How many ``native_log_hidden(show=True)`` blocks are open: the user asked to see native logs.
_shown = 0


@contextmanager
def captured_native_stderr(echo: bool = True) -> Iterator[list[str]]:
    """Collect fd-2 output into the yielded list; with `echo`, write it through afterwards.

    Written through to fd 2 itself, so inside :func:`native_log_hidden` it stays hidden too; inside
    ``native_log_hidden(show=True)`` (``--verbose``) it is written through even without `echo`.
    """
    lines: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            data = sink.read()
            lines.extend(data.decode("utf-8", "replace").splitlines())
            if (echo or _shown) and data:
                os.write(2, data)


@contextmanager
def native_log_hidden(show: bool = False) -> Iterator[list[str]]:
    """Keep native log lines (TensorFlow's C++ and absl logging, LiteRT's INFO lines) off stderr.

    Inside, fd 2 goes to a scratch file whose lines the yielded list gets at exit, while Python's
    own messages still reach the real stderr: ``sys.stderr`` writes to a duplicate of it meanwhile
    (so progress and errors made inside keep their place and their terminal). TensorFlow's C++ log
    level defaults to warnings and up (``TF_CPP_MIN_LOG_LEVEL=2``) unless the user set one.

    With SHOW (``--verbose``) nothing is hidden, and TensorFlow logs from INFO up unless the user
    set a level.
    """
    global _shown
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if show else "2")
    lines: list[str] = []
    if show:
        _shown += 1
        try:
            yield lines
        finally:
            _shown -= 1
        return
    sys.stdout.flush()
    sys.stderr.flush()
    python_stderr = sys.stderr
    # A sys.stderr that is not fd 2 (pytest's capture, a user's redirect) needs no stand-in.
    stream = _duplicate_of_fd2(python_stderr) if _writes_to_fd2(python_stderr) else None
    saved = os.dup(2)
    with tempfile.NamedTemporaryFile(mode="w+b", prefix="edgekit-native-", suffix=".log") as sink:
        watcher = _crash_watcher(sink.name, saved)
        os.dup2(sink.fileno(), 2)
        if stream is not None:
            sys.stderr = stream
        try:
            yield lines
        finally:
            if stream is not None:
                stream.flush()
                sys.stderr = python_stderr
                stream.close()
            os.dup2(saved, 2)
            os.close(saved)
            _release(watcher)
            sink.seek(0)
            lines.extend(sink.read().decode("utf-8", "replace").splitlines())


#: The watcher's program: wait on the pipe; an end without the all-clear byte means this process
#: died inside the block (a native abort, a kill), so show the tail of what native code wrote and
#: remove the scratch log the dead process could not.
_WATCH = """
import os, sys
path = sys.argv[1]
if sys.stdin.buffer.read(1) != b"0":
    try:
        with open(path, "rb") as log:
            tail = log.read()[-4000:].decode("utf-8", "replace")
        os.remove(path)
    except OSError:
        tail = ""
    sys.stderr.write("edgekit: stopped inside native code; its last log lines:\\n" + tail)
"""


def _crash_watcher(log_path: str, stderr_fd: int) -> subprocess.Popen[bytes] | None:
    """A small process that outlives a crash of this one and then shows the hidden log's tail.

    Native code that aborts (TensorFlow's ``F`` lines, a failed CHECK) ends the process before any
    Python runs, so the scratch log would die unread: without the watcher the user would see no
    reason at all. None where no process can be started; the block then only hides.
    """
    try:
        return subprocess.Popen([sys.executable, "-I", "-S", "-c", _WATCH, log_path],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr_fd)
    except OSError:
        return None


def _release(watcher: subprocess.Popen[bytes] | None) -> None:
    """Give the watcher the all-clear: this process left the block alive and reads the log itself."""
    if watcher is None or watcher.stdin is None:
        return
    try:
        watcher.stdin.write(b"0")
        watcher.stdin.close()
    except OSError:
        pass
    watcher.wait()


def _writes_to_fd2(stream: object) -> bool:
    try:
        return stream.fileno() == 2  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return False


def _duplicate_of_fd2(like: object) -> TextIO:
    """A text stream on a duplicate of fd 2 (line-buffered, LIKE's encoding)."""
    encoding = getattr(like, "encoding", None) or "utf-8"
    return open(os.dup(2), "w", buffering=1, encoding=encoding, errors="backslashreplace")
