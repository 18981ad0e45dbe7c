"""Each hostile input the contract names: one line, a documented exit code, no traceback, no hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from edgekit.cli.main import main
from edgekit.errors import InputsError
from edgekit.inputs.seeded import check_inputs, generate_inputs
from edgekit.model.contract import TensorInfo
from tests import hostile, tflite_builder

FAST = ["--runs", "1", "--min-seconds", "0", "--warmup", "0", "--warmup-seconds", "0", "--max-seconds", "1",
        "--no-accuracy", "--quiet"]


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Path:
    return tflite_builder.add_chain(tmp_path_factory.mktemp("contract") / "chain.tflite", n_ops=2)


def refused(capsys, *argv: object, code: int = 2) -> str:
    """The one error line of ARGV, which must exit CODE."""
    assert main([str(a) for a in argv]) == code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("edgekit: error:"), err
    assert "Traceback" not in err
    return lines[0]


def edited(chain: Path, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.tflite"
    path.write_bytes(hostile.edit_model(chain.read_bytes(), hostile.field_edits()[name]))
    return path


def test_fifo_model_is_refused_without_opening_it(tmp_path, capsys):
    fifo = tmp_path / "model.tflite"
    os.mkfifo(fifo)
    start = time.monotonic()
    for command in (["inspect", fifo], ["bench", fifo, *FAST]):
        assert "is a FIFO (named pipe), not a model file" in refused(capsys, *command)
    assert time.monotonic() - start < 5


def test_device_model_is_refused_without_reading_it(capsys):
    assert "/dev/zero" in refused(capsys, "inspect", "/dev/zero")


def test_huge_sparse_file_is_refused_by_its_first_bytes(tmp_path, capsys):
    sparse = tmp_path / "big.tflite"
    with open(sparse, "wb") as stream:
        stream.truncate(3 << 30)
    start = time.monotonic()
    assert "not a TFLite flatbuffer" in refused(capsys, "inspect", sparse)
    assert time.monotonic() - start < 2


@pytest.mark.parametrize(
    "edit, reason",
    [
        ("negative-dim", "negative sizes are impossible"),
        ("minus-one-in-shape", "negative sizes are impossible"),
        ("schema-version-99", "schema version 99 is not 3"),
        ("zero-operators", "has no operators"),
        ("zero-inputs", "has no inputs"),
    ],
)
def test_models_the_runtime_cannot_load_are_refused_at_inspect(chain, tmp_path, capsys, edit, reason):
    path = edited(chain, tmp_path, edit)
    assert reason in refused(capsys, "inspect", path)
    assert reason in refused(capsys, "bench", path, *FAST)


def test_input_above_the_memory_budget_is_refused_naming_the_parameter(tmp_path, capsys):
    path = tflite_builder.add_chain(tmp_path / "huge.tflite", shape=(1, 100000, 100000, 3), n_ops=1)
    line = refused(capsys, "bench", path, *FAST)
    assert "120.00 GB" in line and "raise --max-input-bytes" in line
    line = refused(capsys, "bench", tflite_builder.add_chain(tmp_path / "small.tflite"), *FAST,
                   "--max-input-bytes", "8")
    assert "32 bytes" in line and "budget" in line


def tensor_info(name: str, shape: tuple[int, ...], dtype: str) -> TensorInfo:
    return TensorInfo(index=0, name=name, shape=shape, shape_signature=shape, dtype=dtype, quantization=None)


def test_generated_inputs_are_drawn_in_their_own_dtype():
    tensor = tensor_info("x", (2, 3), "float32")
    arrays = generate_inputs([tensor, tensor_info("h", (4,), "float16")], seed=5)
    assert arrays["x"].dtype == np.float32 and arrays["h"].dtype == np.float16
    assert np.all(np.abs(arrays["x"]) <= 1) and np.array_equal(arrays["x"], generate_inputs([tensor], 5)["x"])


@pytest.mark.parametrize(
    "options, text",
    [
        (["--seed", "-1"], "--seed: -1 is not a seed"),
        (["--max-seconds", "nan"], "--max-seconds: nan is not a finite number"),
        (["--max-seconds", "inf"], "--max-seconds: inf is not a finite number"),
        (["--timeout", "nan"], "--timeout: nan is not a finite number"),
    ],
)
def test_impossible_numbers_are_refused(chain, capsys, options, text):
    assert text in refused(capsys, "bench", chain, *FAST, *options)


@pytest.mark.parametrize("target", ["/proc/x.json", "{file}/x.json"])
def test_unwritable_json_is_refused_before_measuring(chain, tmp_path, capsys, monkeypatch, target):
    from edgekit.devices.host import HostDevice

    def must_not_run(*args, **kwargs):
        raise AssertionError("measured before refusing the output path")

    monkeypatch.setattr(HostDevice, "run", must_not_run)
    path = target.format(file=chain)
    assert "--json:" in refused(capsys, "bench", chain, *FAST, "--json", path)


def test_string_inputs_are_taken_as_given_and_never_crash():
    tensor = tensor_info("text", (2,), "string")
    arrays = check_inputs({"text": np.array(["a", "bé"])}, [tensor])
    assert arrays["text"].dtype.kind == "S" and arrays["text"][1] == "bé".encode()
    with pytest.raises(InputsError, match="is a string input"):
        check_inputs({"text": np.zeros(2)}, [tensor])


def test_string_input_model_is_refused_or_run_never_an_internal_error(chain, tmp_path, capsys):
    path = edited(chain, tmp_path, "string-dtype")
    assert main(["bench", str(path), *FAST]) in (0, 1, 2)
    inputs = tmp_path / "text.npz"
    np.savez(inputs, input=np.array([[b"a"] * 8]))
    assert main(["bench", str(path), *FAST, "--inputs", str(inputs)]) in (0, 1, 2)
    assert "internal error" not in capsys.readouterr().err


def test_int32_inputs_for_a_float32_input_are_converted_exactly_with_a_note():
    tensor = tensor_info("x", (1, 3), "float32")
    notes: list[str] = []
    arrays = check_inputs({"x": np.array([[1, 2, 3]], np.int32)}, [tensor], notes=notes)
    assert arrays["x"].dtype == np.float32
    assert notes == ["inputs: input 'x' converted from int32 to float32 (every value exact)"]
    with pytest.raises(InputsError, match="do not convert exactly"):
        check_inputs({"x": np.array([[2**24 + 1, 0, 0]], np.int32)}, [tensor])


def test_int32_inputs_note_reaches_the_report(chain, tmp_path, capsys):
    inputs = tmp_path / "ints.npz"
    np.savez(inputs, input=np.arange(8, dtype=np.int32).reshape(1, 8))
    assert main(["bench", str(chain), *FAST, "--inputs", str(inputs)]) == 0
    assert "converted from int32 to float32 (every value exact)" in capsys.readouterr().out


def test_threads_above_the_usable_cores_are_warned_in_one_line(chain, capsys):
    from edgekit.files.preflight import usable_cores

    threads = usable_cores() + 1
    assert main(["bench", str(chain), *FAST, "--threads", str(threads)]) == 0
    warnings = [line for line in capsys.readouterr().out.splitlines() if "exceed the" in line]
    assert len(warnings) == 1 and f"threads {threads} exceed" in warnings[0]


def test_text_file_as_inputs_is_named_as_text(chain, tmp_path, capsys):
    notes = tmp_path / "inputs.npz"
    notes.write_text("1 2 3\n")
    line = refused(capsys, "bench", chain, *FAST, "--inputs", notes)
    assert "it is a text file" in line and "pickle" not in line


def test_corrupt_names_give_a_reason_not_exception_text(chain, tmp_path, capsys):
    line = refused(capsys, "inspect", edited(chain, tmp_path, "bad-utf8-name"))
    assert "not valid UTF-8 text" in line and "UnicodeDecodeError" not in line


@pytest.mark.parametrize("name, head, kind", [("photo.tflite", b"\x89PNG\r\n\x1a\n", "a PNG image"),
                                              ("photo.jpg", b"\xff\xd8\xff\xe0", "a JPEG image")])
def test_images_are_named_as_images(tmp_path, capsys, name, head, kind):
    path = tmp_path / name
    path.write_bytes(head + bytes(64))
    assert f"is {kind}, not a model" in refused(capsys, "inspect", path)


def test_keras_and_tfjs_models_given_to_bench_point_at_convert(tmp_path, capsys, zoo_model):
    keras = tmp_path / "model.keras"
    keras.write_bytes(b"PK\x03\x04" + bytes(64))
    assert f"convert it first: edgekit convert {keras} --out DIR" in refused(capsys, "bench", keras, *FAST)
    graph = zoo_model("movenet-lightning-tfjs")
    assert "convert its TensorFlow source first: edgekit convert" in refused(capsys, "bench", graph, *FAST)


def test_scaffold_out_in_an_unwritable_place_is_refused(chain, capsys):
    line = refused(capsys, "scaffold", "--app", "pose-web", "--model", chain, "--out", "/proc/app")
    assert "--out: cannot write into /proc" in line


def test_unwritable_cache_dir_is_refused(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", "/proc/edgekit-cache")
    line = refused(capsys, "zoo", "pull", "selfie-segmentation")
    assert "the cache folder /proc/edgekit-cache is not usable" in line and "$EDGEKIT_CACHE_DIR" in line


def test_usage_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "m.tflite", "--threads"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("edgekit: error: argument --threads: expected one argument")


@pytest.fixture(scope="module")
def heavy(tmp_path_factory) -> Path:
    """About a millisecond per inference: few samples, so a run's statistics take no time."""
    return tflite_builder.add_chain(tmp_path_factory.mktemp("heavy") / "heavy.tflite", shape=(1, 200000),
                                    n_ops=10)


def _slow_bench(model: Path, tmp: Path, *options: str) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-m", "edgekit", "bench", str(model), "--warmup", "0", "--warmup-seconds", "0",
               "--runs", "1", "--no-accuracy", *options]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def _workers_in(tmp: Path) -> list[str]:
    """Processes whose command line names a run folder under TMP (the host device's workers)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if str(tmp) in (proc / "cmdline").read_bytes().decode(errors="replace"):
                found.append(proc.name)
        except OSError:
            continue
    return found


@pytest.mark.slow
def test_sigterm_cleans_up_workers_and_temp_folders(heavy, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process = _slow_bench(heavy, tmp, "--min-seconds", "60", "--max-seconds", "60", "--quiet")
    _wait_for(lambda: bool(_workers_in(tmp)))
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 143, err
    assert "Traceback" not in err
    assert list(tmp.iterdir()) == [] and _workers_in(tmp) == []


@pytest.mark.slow
def test_ctrl_c_keeps_finished_runs(heavy, tmp_path):
    import json

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    result = tmp_path / "result.json"
    process = _slow_bench(heavy, tmp, "--min-seconds", "3", "--max-seconds", "60", "--threads", "1,2",
                          "--json", str(result), "--quiet")
    _wait_for(lambda: bool(_workers_in(tmp)))
    first = _workers_in(tmp)
    _wait_for(lambda: bool(_workers_in(tmp)) and _workers_in(tmp) != first)  # the second run began
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert " ok " in out and "interrupted" in out
    statuses = [run["status"] for run in json.loads(result.read_text())["runs"]]
    assert statuses == ["ok", "interrupted"]
    assert list(tmp.iterdir()) == [] and _workers_in(tmp) == []
