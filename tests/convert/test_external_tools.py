"""Time limits on the external tools convert and `tools install` run, with stand-in executables.

Neither edgetpu_compiler (x86-64 Debian package from Coral) nor a pip index that hangs is
available here, so small scripts on PATH play them; they stand only at that process boundary.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from edgekit.convert import tfjs_tools
from edgekit.delegates import edgetpu
from edgekit.errors import EXIT_CHECK_FAILED, EXIT_ENVIRONMENT, ToolInstallError, ToolTimeout
from tests import tflite_builder


def _tool(bin_dir: Path, name: str, body: str) -> Path:
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_the_one_compiler_wrapper_passes_its_flags_and_times_out(tmp_path, monkeypatch):
    argv = tmp_path / "argv.txt"
    _tool(tmp_path / "bin", "edgetpu_compiler", f'echo "$@" > {argv}\nexec sleep 60')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    model = tflite_builder.int8_mobilenet_model(tmp_path / "m.tflite")
    with pytest.raises(ToolTimeout, match="edgetpu_compiler did not finish within 1 s") as caught:
        edgetpu.compile_with_edgetpu_compiler(model, tmp_path / "out", timeout_s=1)
    assert caught.value.exit_code == EXIT_CHECK_FAILED
    assert argv.read_text().split() == ["--show_operations", "--out_dir", str(tmp_path / "out"),
                                        "--timeout_sec", "1", str(model)]


def test_a_pip_step_that_hangs_is_a_tool_install_error(tmp_path):
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    with pytest.raises(
        ToolInstallError, match=r"could not install the TF.js converters .*longer than 0.5 s"
    ) as caught:
        tfjs_tools._pip_step(command, "installing the TF.js converters", 0.5)
    assert caught.value.exit_code == EXIT_ENVIRONMENT


def test_a_failing_pip_step_names_the_tool_set_not_a_zoo_model():
    command = [sys.executable, "-c", "import sys; sys.exit('ERROR: No matching distribution found for x')"]
    with pytest.raises(ToolInstallError) as caught:
        tfjs_tools._pip_step(command, "installing the TF.js converters", 30)
    message = str(caught.value)
    assert "No matching distribution" in message and "zoo model" not in message
