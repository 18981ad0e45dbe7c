"""The CLI in process: bad input is one line and a documented exit code, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from edgekit.cli.main import main
from tests import tflite_builder

FAST = ["--runs", "3", "--min-seconds", "0", "--max-seconds", "1", "--warmup-seconds", "0"]


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Path:
    return tflite_builder.add_chain(tmp_path_factory.mktemp("cli") / "chain.tflite", n_ops=2)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("edgekit:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _bad_files(tmp_path: Path, chain: Path) -> dict[str, Path]:
    good = chain.read_bytes()
    files = {
        "empty": b"",
        "text": b"hello, I am not a model\n" * 10,
        "truncated": good[: len(good) // 2],
        "wrong-identifier": good[:4] + b"XXXX" + good[8:],
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"{name}.tflite"
        paths[name].write_bytes(data)
    paths["directory"] = tmp_path
    return paths


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("empty", "empty"),
        ("text", "not a TFLite flatbuffer"),
        ("truncated", "truncated"),
        ("wrong-identifier", "not a TFLite flatbuffer"),
        ("directory", "is a directory"),
    ],
)
@pytest.mark.parametrize("command", ["inspect", "bench"])
def test_broken_model_files_exit_2_with_one_line(capsys, tmp_path, chain, case, text, command):
    path = _bad_files(tmp_path, chain)[case]
    code, out, err = run_cli(capsys, command, path, *(FAST if command == "bench" else []))
    assert code == 2
    assert text in one_line_error(err)


def test_missing_file_exits_2_and_says_so(capsys, tmp_path):
    code, _, err = run_cli(capsys, "bench", tmp_path / "nope.tflite")
    assert code == 2
    assert "no such file" in one_line_error(err)


def test_unknown_zoo_name_suggests_the_close_one(capsys):
    code, _, err = run_cli(capsys, "inspect", "pose-landmark-ful")
    assert code == 2
    assert "pose-landmark-full" in one_line_error(err)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--delegate", "gpu-typo"], "unknown delegate 'gpu-typo'"),
        (["--threads", "0"], "--threads"),
        (["--threads", "1,two"], "'two' is not a whole number"),
        (["--threads", ","], "at least one value"),
        (["--runs", "0"], "--runs"),
        (["--warmup", "-1"], "--warmup: -1 warm-up runs is negative"),
        (
            ["--max-seconds", "0.5", "--min-seconds", "1"],
            "--max-seconds: 0.5 must be positive and at least --min-seconds",
        ),
        (["--json", "/nonexistent-dir/r.json"], "does not exist"),
    ],
)
def test_bad_bench_options_exit_2(capsys, chain, args, text):
    code, _, err = run_cli(capsys, "bench", chain, *FAST, *args)
    assert code == 2
    assert text in one_line_error(err)


def test_inputs_file_problems_exit_2(capsys, chain, tmp_path):
    np.savez(tmp_path / "missing.npz", other=np.zeros((1, 8), np.float32))
    np.savez(tmp_path / "shape.npz", input=np.zeros((2, 8), np.float32))
    (tmp_path / "garbage.npz").write_bytes(b"nope")
    for name, text in [
        ("missing.npz", "missing 'input'"),
        ("shape.npz", "has shape 2x8, the model expects 1x8"),
        ("garbage.npz", "not an .npz file (it is a text file)"),
        ("absent.npz", "inputs file not found"),
    ]:
        code, _, err = run_cli(capsys, "bench", chain, *FAST, "--inputs", tmp_path / name)
        assert code == 2, name
        assert text in one_line_error(err)


def test_custom_op_nobody_implements_exits_2(capsys, tmp_path):
    model = tflite_builder.custom_op_model(tmp_path / "custom.tflite")
    code, _, err = run_cli(capsys, "bench", model, "--delegate", "cpu,cpu-ref", *FAST)
    assert code == 2
    line = one_line_error(err)
    assert "EdgekitMissingOp" in line and "cpu:" in line and "cpu-ref:" in line


def test_bench_prints_table_and_writes_json(capsys, chain, tmp_path):
    code, out, err = run_cli(capsys, "bench", chain, "--delegate", "cpu,cpu-ref", "--threads", "1,2",
                             "--json", tmp_path / "r.json", *FAST)
    assert code == 0
    assert "measured on: host" in out and "latency p50" in out
    assert "[4/4]" in err  # progress lines
    document = json.loads((tmp_path / "r.json").read_text())
    assert [r["status"] for r in document["runs"]] == ["ok"] * 4


def test_inspect_json_lists_inputs_and_outputs(capsys, chain):
    code, out, _ = run_cli(capsys, "inspect", chain, "--json")
    assert code == 0
    document = json.loads(out)
    assert [t["name"] for t in document["inputs"]] == ["input"]
    assert document["op_histogram"] == {"ADD": 2}


def test_help_and_version(capsys):
    assert main([]) == 0
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert "edgekit 0.1.0" in capsys.readouterr().out


@pytest.mark.slow
def test_installed_command_smoke(tmp_path):
    """The console script as a user runs it (python -m edgekit when the script is not on PATH)."""
    command = [shutil.which("edgekit")] if shutil.which("edgekit") else [sys.executable, "-m", "edgekit"]
    model = tflite_builder.add_chain(tmp_path / "m.tflite", n_ops=1)
    completed = subprocess.run(
        [*command, "bench", str(model), *FAST], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert "cpu" in completed.stdout


def test_delegates_doctor_explains_each_delegate(capsys, gpu_probe):
    code, out, _ = run_cli(capsys, "delegates")
    assert code == 0
    for name in ("cpu", "cpu-ref", "gpu", "edgetpu", "hexagon", "nnapi", "coreml"):
        assert any(line.startswith(name + " ") for line in out.splitlines()), name
    assert "libedgetpu.so.1 not found" in out
    assert "--use_hexagon=true" in out and "--use_nnapi=true" in out and "--use_coreml=true" in out
    # The gpu lines say what the probe found: the Vulkan driver (SwiftShader in CI), or what to install.
    gpu_line = next(line for line in out.splitlines() if line.startswith("gpu "))
    assert ("runs here" in gpu_line) is gpu_probe.available
    assert gpu_probe.reason in out


@pytest.fixture
def builtin_delegates_only() -> Iterator[None]:
    """Other tests register fault-injection delegates in this process; `all` would plan them too."""
    from edgekit import delegates

    with delegates.registered():  # the registry is restored on leaving, fault delegates included
        for name in [name for name in delegates.names() if name.startswith("fault-")]:
            delegates.unregister(name)
        yield


def test_delegate_all_plans_every_delegate_and_explains_the_missing(capsys, chain, builtin_delegates_only,
                                                                    gpu_probe):
    code, out, _ = run_cli(capsys, "bench", chain, "--delegate", "all", *FAST)
    assert code == 0
    names = ("cpu", "cpu-ref", "gpu", "edgetpu", "hexagon", "nnapi", "coreml")
    rows = {
        line.split()[0]: line.split()[2]
        for line in out.splitlines()
        if line.split()[:1] and line.split()[0] in names and not line.startswith(" ")
    }
    gpu = (
        "ok" if gpu_probe.available else "unavailable"
    )  # unavailable is a row with the reason, not a failure
    assert rows == {
        "cpu": "ok",
        "cpu-ref": "ok",
        "gpu": gpu,
        "edgetpu": "unavailable",
        "hexagon": "unavailable",
        "nnapi": "unavailable",
        "coreml": "unavailable",
    }
    assert "static coverage: not fully integer-quantized" in out
