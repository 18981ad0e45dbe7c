"""The one runner of external tools: no stdin, decoded output, the whole group killed at the timeout
or on Ctrl-C, and failures as edgekit errors. Real processes (sh, python, sleep) stand for the tools."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from edgekit.errors import EXIT_ENVIRONMENT, ToolMissing, ToolNotStarted, ToolTimeout
from edgekit.system.tools import ToolRun, last_line, operand, run_tool

PYTHON = sys.executable


def _alive(pid: int) -> bool:
    """Whether PID is a process that still runs (a zombie waiting for its parent does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _gone(pid: int, within_s: float = 5.0) -> bool:
    deadline = time.monotonic() + within_s
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_output_is_captured_and_decoded_with_bad_bytes_replaced_and_stdin_is_empty():
    script = ("import sys; data = sys.stdin.read(); sys.stdout.buffer.write(b'caf\\xc3\\xa9 \\xff'); "
              "sys.stderr.write('stdin:' + repr(data))")
    done = run_tool([PYTHON, "-c", script], timeout_s=30)
    assert isinstance(done, ToolRun) and done.returncode == 0
    assert done.stdout == "café \ufffd"
    assert done.stderr == "stdin:''"  # no stdin: a tool that asks a question gets an end of file
    assert done.tool == Path(PYTHON).name and done.seconds > 0


def test_a_non_zero_exit_goes_to_the_callers_error_with_the_most_useful_line():
    script = ("import sys; print('progress 1'); "
              "sys.stderr.write('warning: x\\n\\nERROR: the reason   here\\n\\n'); sys.exit(3)")

    class Failed(Exception):
        pass

    with pytest.raises(Failed, match=r"^ERROR: the reason here$"):
        run_tool([PYTHON, "-c", script], timeout_s=30, failure=Failed)
    with pytest.raises(Failed, match=r"^progress 1$"):
        run_tool([PYTHON, "-c", script], timeout_s=30, failure=Failed, useful_line=lambda run: run.stdout)
    done = run_tool([PYTHON, "-c", script], timeout_s=30)  # no factory: the caller judges the run
    assert done.returncode == 3 and last_line(done) == "ERROR: the reason   here"
    assert done.output == "progress 1\nwarning: x\n\nERROR: the reason   here"


def test_a_long_error_line_is_cut_to_one_short_line():
    script = "import sys; sys.stderr.write('e' * 5000); sys.exit(1)"
    with pytest.raises(RuntimeError) as caught:
        run_tool([PYTHON, "-c", script], timeout_s=30, failure=RuntimeError)
    assert str(caught.value) == "e" * 300


def test_silence_and_a_failure_name_the_exit_status():
    assert last_line(run_tool(["sh", "-c", "exit 7"], timeout_s=30)) == "exit status 7"


def test_the_timeout_kills_the_tool_and_everything_it_started(tmp_path: Path):
    """The grandchild holds the output pipe open: without the group kill the runner would wait for it."""
    pids = tmp_path / "pids"
    script = f"sleep 60 & echo $! > {pids}; echo $$ >> {pids}; sleep 60"
    began = time.monotonic()
    with pytest.raises(ToolTimeout) as caught:
        run_tool(["sh", "-c", script], tool="stand-in", timeout_s=1, timeout_hint="give it more time")
    assert time.monotonic() - began < 10
    assert str(caught.value) == "stand-in did not finish within 1 s and was stopped; give it more time"
    assert caught.value.tool == "stand-in" and caught.value.seconds == 1
    grandchild, tool = (int(line) for line in pids.read_text().split())
    assert _gone(tool) and _gone(grandchild)


def test_ctrl_c_while_a_tool_runs_kills_its_group(tmp_path: Path):
    pids = tmp_path / "pids"
    script = f"sleep 60 & echo $! > {pids}; sleep 60"

    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with pytest.raises(KeyboardInterrupt):
            run_tool(["sh", "-c", script], timeout_s=60)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert _gone(int(pids.read_text()))


def test_a_tool_that_cannot_start_is_named(tmp_path: Path):
    with pytest.raises(ToolNotStarted, match=r"^absent-tool could not be started \(No such file") as caught:
        run_tool([str(tmp_path / "absent")], tool="absent-tool", timeout_s=5)
    assert isinstance(caught.value, ToolMissing) and caught.value.exit_code == EXIT_ENVIRONMENT
    not_executable = tmp_path / "compiler"
    not_executable.write_text("#!/bin/sh\n")
    with pytest.raises(ToolNotStarted, match=r"^compiler could not be started \(Permission denied\)"):
        run_tool([str(not_executable)], timeout_s=5)


def test_stdout_can_go_to_a_file_byte_for_byte(tmp_path: Path):
    target = tmp_path / "blob"
    with open(target, "wb") as out:
        done = run_tool([PYTHON, "-c", "import sys; sys.stdout.buffer.write(bytes(range(256)))"],
                        timeout_s=30, stdout=out)
    assert target.read_bytes() == bytes(range(256)) and done.stdout == ""


def test_environment_and_folder_are_the_callers(tmp_path: Path):
    done = run_tool([PYTHON, "-c", "import os; print(os.getcwd(), os.environ.get('EDGEKIT_PROBE'))"],
                    timeout_s=30, cwd=tmp_path, env={**os.environ, "EDGEKIT_PROBE": "42"})
    assert done.stdout.split() == [str(tmp_path), "42"]


def test_an_operand_never_reads_as_an_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert operand("-x.tflite") == str(tmp_path / "-x.tflite")
    assert operand(Path("/a/b")) == "/a/b"
