"""Capture what native code (LiteRT, TensorFlow's converter) writes straight to file descriptor 2.

Python's `sys.stderr` redirection cannot see those writes; duplicating the descriptor can.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["captured_native_stderr"]


@contextmanager
def captured_native_stderr(echo: bool = True) -> Iterator[list[str]]:
    """Collect fd-2 output into the yielded list; with `echo`, write it through afterwards."""
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
            text = sink.read().decode("utf-8", "replace")
            lines.extend(text.splitlines())
            if echo:
                sys.stderr.write(text)
                sys.stderr.flush()
