"""Native log lines (TensorFlow's C++ and absl logging, LiteRT's INFO lines) stay off stderr unless asked.

``native_log_hidden`` is checked in-process against writes to fd 2; ``edgekit scaffold`` and
``edgekit convert`` are run as real subprocesses (native logging happens at import and load, so only
a fresh process shows what a user sees), without and with ``--verbose``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edgekit.system.native_log import captured_native_stderr, native_log_hidden

REPO = Path(__file__).resolve().parents[2]
#: A line written by native code: absl's prefix (I0000 00:00:17... 123 file.cc:45]), LiteRT's INFO
#: lines, absl's pre-init warning, and the TensorFlow start-up lines named in bug reports.
NATIVE = re.compile(r"^(?:[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [\w.]+:\d+\]|INFO: Created TensorFlow Lite"
                    r"|WARNING: All log messages before absl|.*cpu_feature_guard|.*TF-TRT)", re.MULTILINE)


def test_native_writes_are_kept_while_python_messages_pass(capfd):
    with native_log_hidden() as hidden:
        os.write(2, b"I0000 00:00:1.5 42 cpu_feature_guard.cc:1] native\n")
        print("python says", file=sys.stderr)
    err = capfd.readouterr().err
    assert "python says" in err and "native" not in err
    assert hidden == ["I0000 00:00:1.5 42 cpu_feature_guard.cc:1] native"]


def test_shown_native_writes_pass_even_through_a_capture_without_echo(capfd):
    with native_log_hidden(show=True), captured_native_stderr(echo=False) as log:
        os.write(2, b"converter progress\n")
    assert log == ["converter progress"] and "converter progress" in capfd.readouterr().err
    with captured_native_stderr(echo=False):
        os.write(2, b"converter progress\n")
    assert "converter progress" not in capfd.readouterr().err


def _edgekit(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    env |= {"PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "edgekit", *argv], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize(("app", "model"), [
    ("pose-web", "pose-landmark-lite"),  # LiteRT computes the golden vectors (about a second)
    pytest.param("bodypix-web", "selfie-segmentation-tfjs", marks=pytest.mark.slow),  # TensorFlow does
])
def test_scaffold_shows_native_log_lines_only_with_verbose(zoo_model, tmp_path, app, model):
    zoo_model(model)
    quiet = _edgekit(tmp_path, "scaffold", "--app", app, "--model", model, "--out", str(tmp_path / "quiet"))
    assert not NATIVE.search(quiet.stderr), quiet.stderr
    assert f"{app}: wrote" in quiet.stderr  # edgekit's own progress still shows
    verbose = _edgekit(tmp_path, "scaffold", "--app", app, "--model", model, "--out", str(tmp_path / "loud"),
                       "--verbose")
    assert NATIVE.search(verbose.stderr), verbose.stderr


@pytest.mark.slow
def test_convert_shows_native_log_lines_only_with_verbose(tmp_path):
    from tests.sources.test_tfjs_graph_import import _weights, write_graph_model

    model_json = write_graph_model(tmp_path, _weights(np.random.default_rng(0)))
    common = ("--variants", "fp32", "--runs", "3")
    quiet = _edgekit(tmp_path, "convert", str(model_json), "--out", str(tmp_path / "quiet"), *common)
    assert not NATIVE.search(quiet.stderr), quiet.stderr
    assert "variant fp32: converting" in quiet.stderr
    verbose = _edgekit(tmp_path, "convert", str(model_json), "--out", str(tmp_path / "loud"), *common,
                       "--verbose")
    assert NATIVE.search(verbose.stderr), verbose.stderr
    assert "Reading SavedModel" in verbose.stderr  # the converter's own lines, captured before


def _hidden_block(tmp_path: Path, *lines: str) -> subprocess.CompletedProcess[str]:
    """A fresh Python that runs LINES inside ``native_log_hidden()``, with its temp folder at TMP_PATH."""
    body = "".join(f"    {line}\n" for line in lines)
    script = ("import os\nfrom edgekit.system.native_log import native_log_hidden\n"
              f"with native_log_hidden():\n{body}")
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


def test_a_native_abort_inside_the_hidden_block_still_shows_its_last_lines(tmp_path):
    """The process dies before any Python runs again; the watcher shows what native code said."""
    done = _hidden_block(tmp_path, "os.write(2, b'I0000 00:00:1.5 42 noise.cc:1] routine\\n')",
                         "os.write(2, b'F0000 00:00:1.6 42 graph.cc:9] Check failed: shape mismatch\\n')",
                         "os.abort()")
    assert done.returncode != 0
    assert "stopped inside native code" in done.stderr
    assert "Check failed: shape mismatch" in done.stderr
    assert list(tmp_path.iterdir()) == []  # the watcher removed the scratch log the dead process left


def test_a_clean_exit_from_the_hidden_block_shows_nothing(tmp_path):
    done = _hidden_block(tmp_path, "os.write(2, b'I0000 00:00:1.5 42 noise.cc:1] routine\\n')")
    assert done.returncode == 0 and done.stderr == ""
    assert list(tmp_path.iterdir()) == []  # the scratch log goes with the block
