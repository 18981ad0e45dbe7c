"""External tools edgekit runs (converters, compilers, package managers, valgrind, git), run one way.

Every tool goes through :func:`run_tool`: no stdin (a tool that asks a question fails instead of
waiting), its output captured and decoded as UTF-8 with bad bytes replaced, its own process group
(a timeout or Ctrl-C kills the tool and everything it started, never leaves a grandchild behind),
and its failures translated into edgekit errors: a timeout is :class:`~edgekit.errors.ToolTimeout`,
a tool that cannot start is :class:`~edgekit.errors.ToolNotStarted`, a non-zero exit is the
caller's own error, made from the most useful line of the tool's output.

The argument list is the caller's; data in it must not be read as an option: pass paths made
absolute (:func:`operand`), refs resolved to object ids, and ``--end-of-options`` / ``--`` where the
tool has them.

``TOOL_TIMEOUT_S`` is how long one of them may run by default before it is stopped;
``convert(tool_timeout=...)`` / ``--tool-timeout`` override it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from edgekit.errors import ToolNotStarted, ToolTimeout

__all__ = ["TOOL_TIMEOUT_S", "ToolRun", "kill_group", "last_line", "operand", "run_tool"]

TOOL_TIMEOUT_S = 600.0
#: A line quoted in an error is cut here: one line, never a screenful.
_LINE_LIMIT = 300


@dataclass(frozen=True)
class ToolRun:
    """A tool that ran to its end: the exit status and what it printed (UTF-8, bad bytes replaced)."""

    tool: str
    returncode: int
    #: Empty when the caller sent stdout to a file of its own.
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        """stdout, then stderr: the tool's whole log."""
        return "\n".join(part for part in (self.stdout.strip(), self.stderr.strip()) if part)


def last_line(run: ToolRun) -> str:
    """The last non-blank line of stderr, else of stdout, else the exit status."""
    for text in (run.stderr, run.stdout):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return f"exit status {run.returncode}"


def operand(path: str | os.PathLike[str]) -> str:
    """PATH as a command-line operand no tool can read as an option: made absolute, so it starts with
    ``/`` (a file named ``-x.tflite`` in the working folder stays a file)."""
    return os.path.abspath(os.fspath(path))


def run_tool(
    command: Sequence[str],
    *,
    timeout_s: float,
    tool: str | None = None,
    timeout_hint: str = "",
    failure: Callable[[str], Exception] | None = None,
    useful_line: Callable[[ToolRun], str] = last_line,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdout: IO[bytes] | None = None,
) -> ToolRun:
    """Run COMMAND to its end within TIMEOUT_S seconds; what it printed, or an edgekit error.

    TOOL names the tool in messages (default: the program's file name). On a non-zero exit,
    FAILURE (when given) is called with USEFUL_LINE's pick of the output (cut to one short line)
    and what it returns is raised; without FAILURE the finished run is returned for the caller
    to judge. STDOUT, a binary file, receives the tool's standard output instead of the capture
    (a git blob, a large listing).

    Raises ToolTimeout (with TIMEOUT_HINT) when the time runs out, ToolNotStarted when the
    program cannot be started (absent, not executable, built for another machine).
    """
    name = tool or Path(command[0]).name
    began = time.monotonic()
    try:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout is None else stdout,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=None if env is None else dict(env),
            start_new_session=True,  # its own process group: a kill takes whatever it started too
        )
    except OSError as exc:
        raise ToolNotStarted(name, exc.strerror or type(exc).__name__) from exc
    try:
        out, err = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        _stop(process)
        raise ToolTimeout(name, timeout_s, timeout_hint) from exc
    except BaseException:  # Ctrl-C: never leave the tool running behind us
        _stop(process)
        raise
    run = ToolRun(name, process.returncode, _text(out), _text(err), time.monotonic() - began)
    if run.returncode != 0 and failure is not None:
        raise failure(" ".join(useful_line(run).split())[:_LINE_LIMIT])
    return run


def kill_group(process: subprocess.Popen) -> None:
    """Kill PROCESS and every process of its group (started with ``start_new_session``), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()  # gone with its group already, unless it had left the group
    process.wait()


def _stop(process: subprocess.Popen) -> None:
    """Kill the tool's group and close our ends of its pipes (a grandchild that left the group and
    still holds them gets a broken pipe, not a reader that waits forever)."""
    kill_group(process)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _text(data: bytes | None) -> str:
    return data.decode("utf-8", errors="replace") if data else ""
