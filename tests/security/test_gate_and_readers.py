"""Hostile gate configs, golden files, result documents and paths: each reproduction of the report.

Every case runs the real CLI in a child process with a timeout and ends with the documented exit
code (2 for bad input; never 4, never a hang) and one line on stderr. Cases that could write a
file check that nothing appeared anywhere but in the outputs the command was given.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from edgekit.files.npz_reader import ArraysRefused, read_npz
from edgekit.gate.golden import GOLDEN_FORMAT
from tests.security.conftest import REPO_ROOT, files_under, run_cli, write_config

SIZE_ONLY = """
[models.m]
model = "model.tflite"
baseline = "{baseline}"

[models.m.checks]
size = {{ max_growth = "50%" }}
"""

ACCURACY = """
[models.m]
model = "model.tflite"

[models.m.checks]
accuracy = {{ golden = "{golden}" }}
"""

GIB = 1 << 30


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


def _commit_everything(folder: Path) -> None:
    _git(folder, "init", "-q")
    _git(folder, "add", ".")
    _git(folder, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "baseline")


# --- git:REF:PATH baselines -----------------------------------------------------------------------


def test_a_git_ref_that_is_an_option_writes_nothing(project, cli, tmp_path):
    _commit_everything(project)
    canary = tmp_path / "canary"
    write_config(project, SIZE_ONLY.format(baseline=f"git:--output={canary}:x"))
    before = files_under(tmp_path)
    cli("gate", "--quiet").refused("edgekit.toml:3: models.m.baseline", "--output=", "starts with '-'")
    assert not (tmp_path / "canary:x").exists() and not canary.exists()
    assert files_under(tmp_path) == before


def test_a_committed_folder_named_evil_colon_carries_no_write_out_of_the_repository(project, cli, tmp_path):
    (project / "evil:").mkdir()
    (project / "evil:" / "f").write_text("x")
    _commit_everything(project)
    write_config(project, SIZE_ONLY.format(baseline="git:--output=evil:/../../x"))
    before = files_under(tmp_path)
    cli("gate", "--quiet").refused("models.m.baseline", "ref '--output=evil'")
    assert not (tmp_path / "x").exists() and not (project / "x").exists()
    assert files_under(tmp_path) == before


@pytest.mark.parametrize(
    ("baseline", "words"),
    [
        ("git:HEAD:../outside.tflite", ["leaves the repository"]),
        ("git:HEAD:./sub/../../outside.tflite", ["leaves the repository"]),
        ("git:HEAD:/etc/passwd", ["must be relative to the repository"]),
        ("git:HEAD --output=x:model.tflite", ["spaces or control characters"]),
        ("git:no-such-branch:model.tflite", ["ref 'no-such-branch' names no commit", "fetch-depth: 0"]),
        ("git:HEAD:absent.tflite", ["'absent.tflite' is not in commit HEAD"]),
        ("git:HEAD:evil:", ["is a tree in commit HEAD, not a file"]),
    ],
)
def test_git_refs_and_paths_are_checked_before_use(project, cli, tmp_path, baseline, words):
    (project / "evil:").mkdir()
    (project / "evil:" / "f").write_text("x")
    _commit_everything(project)
    write_config(project, SIZE_ONLY.format(baseline=baseline))
    before = files_under(tmp_path)
    cli("gate", "--quiet").refused("edgekit.toml:3: models.m.baseline", *words)
    assert files_under(tmp_path) == before


def test_a_git_baseline_inside_the_repository_still_reads(project, cli):
    (project / "sub").mkdir()
    (project / "sub" / "model.tflite").write_bytes((project / "model.tflite").read_bytes())
    _commit_everything(project)
    write_config(project / "sub", SIZE_ONLY.format(baseline="git:HEAD~0:./model.tflite"))
    ran = run_cli("gate", "--quiet", cwd=project / "sub")
    assert ran.code == 0 and "size" in ran.out, ran.err


# --- .npz golden files and sidecars -------------------------------------------------------------


def _golden_arrays(meta: object | None = None) -> dict[str, np.ndarray]:
    meta = meta if meta is not None else {"format": GOLDEN_FORMAT, "runtime": {"ai-edge-litert": "2.3.0"}}
    return {
        "inputs/input": np.zeros((1, 8, 8, 3), np.float32),
        "outputs/output": np.zeros((1, 8, 8, 4), np.float32),
        "meta": np.array(json.dumps(meta)),
    }


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _forged(path: Path, arrays: dict[str, np.ndarray], declared: tuple[int, ...], payload: int) -> Path:
    """ARRAYS plus ``inputs/huge``, whose header declares DECLARED float32 but which holds PAYLOAD bytes."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": declared})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for key, value in arrays.items():
            archive.writestr(f"{key}.npy", _npy(value))
        archive.writestr("inputs/huge.npy", header.getvalue() + bytes(payload))
    return path


def _zeros_member(path: Path, arrays: dict[str, np.ndarray], count: int) -> Path:
    """ARRAYS plus an honest, deflated ``inputs/zeros`` of COUNT float32 (small on disk, big in memory)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (count,)})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, value in arrays.items():
            archive.writestr(f"{key}.npy", _npy(value))
        with archive.open("inputs/zeros.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            chunk = bytes(16 << 20)
            left = count * 4
            while left:
                member.write(chunk[: min(left, len(chunk))])
                left -= min(left, len(chunk))
    return path


_TIMED_LOAD = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from edgekit.files.npz_reader import ArraysRefused, read_npz
start = time.perf_counter()
try:
    read_npz(sys.argv[1])
except ArraysRefused as exc:
    print(f"{time.perf_counter() - start:.3f} {exc.reason}")
"""


def _timed_load_under_1_gib(path: Path) -> tuple[float, str]:
    done = subprocess.run([sys.executable, "-c", _TIMED_LOAD, str(path)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert done.returncode == 0 and done.stdout, done.stderr
    seconds, reason = done.stdout.strip().split(" ", 1)
    return float(seconds), reason


def test_a_3_mb_golden_declaring_16_gib_is_refused_in_under_a_second_under_1_gib(project, cli):
    golden = _forged(project / "golden.npz", _golden_arrays(), (4 * GIB,), 3_000_000)
    assert 3_000_000 < golden.stat().st_size < 3_200_000
    write_config(project, ACCURACY.format(golden="golden.npz"))
    cli("gate", "--quiet", limit_memory=GIB).refused(
        "models.m.checks.accuracy.golden", "'inputs/huge' declares 4294967296 float32 = 16.0 GiB", "--record"
    )
    seconds, reason = _timed_load_under_1_gib(golden)
    assert seconds < 1.0 and "16.0 GiB" in reason


def test_an_honest_array_above_the_memory_budget_is_refused_before_allocation(project, cli):
    # 320 MiB of zeros deflate to about 300 KB; under a 1 GiB address space the budget is 256 MiB.
    golden = _zeros_member(project / "golden.npz", _golden_arrays(), 80 << 20)
    assert golden.stat().st_size < 2_000_000
    write_config(project, ACCURACY.format(golden="golden.npz"))
    cli("gate", "--quiet", limit_memory=GIB).refused("'inputs/zeros' is 83886080 float32", "memory budget")
    seconds, reason = _timed_load_under_1_gib(golden)
    assert seconds < 1.0 and "above the 256.0 MiB memory budget" in reason


def test_the_reader_checks_declared_sizes_and_refuses_pickles(tmp_path):
    honest = tmp_path / "honest.npz"
    np.savez(honest, a=np.zeros(1 << 18, np.float32))
    assert read_npz(honest)["a"].shape == (1 << 18,)
    above = r"declares 1\.0 MiB of arrays .* above the 512\.0 KiB memory budget"
    with pytest.raises(ArraysRefused, match=above):
        read_npz(honest, budget=512 << 10)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ArraysRefused, match="pickled Python objects") as refused:
        read_npz(pickled)
    assert refused.value.pickled
    negative = _forged(tmp_path / "negative.npz", {}, (-1, 1 << 40), 16)
    with pytest.raises(ArraysRefused, match="negative dimension"):
        read_npz(negative)


def test_a_result_sidecar_declaring_16_gib_is_refused(project, tmp_path):
    document = tmp_path / "bench.json"
    ran = run_cli("bench", str(project / "model.tflite"), "--runs", "2", "--min-seconds", "0", "--warmup",
                  "0", "--warmup-seconds", "0", "--quiet", "--json", str(document), cwd=tmp_path)
    assert ran.code == 0, ran.err
    sidecar = tmp_path / "bench.arrays.npz"
    with np.load(sidecar) as archive:
        arrays = {key: archive[key] for key in archive.files}
    _forged(sidecar, arrays, (4 * GIB,), 3_000_000)
    run_cli("report", str(document), cwd=tmp_path, limit_memory=GIB).refused(
        "bench.arrays.npz", "arrays file refused", "16.0 GiB"
    )


def test_an_inputs_file_that_is_a_single_npy_is_refused_in_one_line(project, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((1, 8, 8, 3), np.float32))
    run_cli("bench", str(project / "model.tflite"), "--inputs", str(tmp_path / "x.npy"), "--runs", "1",
            "--quiet", cwd=tmp_path).refused("a single .npy array")


@pytest.mark.parametrize(
    ("runtime", "words"),
    [("2.3.0", "field meta.runtime is a string where an object is expected"),
     (None, "field meta.runtime is null where an object is expected"),
     ({"ai-edge-litert": ["2.3.0"]}, "meta.runtime holds a version that is not a string")],
)
def test_a_golden_whose_meta_runtime_is_not_a_table_is_refused(project, cli, runtime, words):
    np.savez(project / "golden.npz", **_golden_arrays({"format": GOLDEN_FORMAT, "runtime": runtime}))
    write_config(project, ACCURACY.format(golden="golden.npz"))
    cli("gate", "--quiet").refused("edgekit.toml:5: models.m.checks.accuracy.golden", words)


# --- result documents (JSON) ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def bench_document(tmp_path_factory) -> dict:
    from tests import tflite_builder

    folder = tmp_path_factory.mktemp("bench-document")
    model = tflite_builder.conv_model(folder / "model.tflite")
    ran = run_cli("bench", str(model), "--runs", "2", "--min-seconds", "0", "--warmup", "0",
                  "--warmup-seconds", "0", "--quiet", "--json", str(folder / "b.json"), cwd=folder)
    assert ran.code == 0, ran.err
    return json.loads((folder / "b.json").read_text())


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("kind", ["bench"], 'unknown document kind ["bench"]'),
        ("environment", None, "field environment is null where an object is expected"),
        ("model", None, "field model is null where an object is expected"),
        ("schema_version", True, "schema_version true is not one this edgekit reads"),
        ("runs", [7], "field runs[0] is an integer where an object is expected"),
        ("arrays_file", "../elsewhere.arrays.npz", "is not a file name beside the document"),
    ],
)
@pytest.mark.parametrize("command", ["report", "judge"])
def test_result_documents_with_wrong_field_types_are_refused(tmp_path, bench_document, field, value, words,
                                                             command):
    document = {**bench_document, field: value}
    (tmp_path / "doc.json").write_text(json.dumps(document))
    run_cli(command, "doc.json", cwd=tmp_path).refused("doc.json: not a readable edgekit result", words)


def test_a_result_document_nested_100k_deep_is_refused(tmp_path):
    (tmp_path / "deep.json").write_text('{"schema_version": 3, "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    run_cli("report", "deep.json", cwd=tmp_path).refused("nests 100001 levels deep")


# --- gate configs (TOML) and path inputs by type ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "nests 100000 levels deep"),
        ("a = " + "{b=" * 3_000 + "1" + "}" * 3_000 + "\n", "nests 3000 levels deep"),
        ("a = 1" + "0" * 5_000 + "\n", "not TOML edgekit can read"),
    ],
    ids=["arrays-100k-deep", "inline-tables-3k-deep", "integer-of-5001-digits"],
)
def test_configs_nested_too_deep_are_refused(project, cli, text, words):
    (project / "deep.toml").write_text(text)
    cli("gate", "--config", "deep.toml").refused("deep.toml: config:", words)


def test_special_files_as_config_are_refused_by_type(project, cli):
    os.mkfifo(project / "fifo.toml")
    (project / "folder.toml").mkdir()
    cli("gate", "--config", "fifo.toml", timeout=30).refused("is a FIFO (named pipe), not a regular file")
    cli("gate", "--config", "/dev/zero", timeout=30).refused("is a character device")
    cli("gate", "--config", "folder.toml").refused("is a directory, not a regular file")
    cli("gate", "--config", "absent.toml").refused("does not exist")
    (project / "big.toml").write_bytes(b"#" * (2 << 20))
    cli("gate", "--config", "big.toml").refused("above the 1,048,576-byte limit")


def test_special_files_as_golden_and_vocab_are_refused_by_type(project, cli, tmp_path):
    os.mkfifo(project / "golden.npz")
    write_config(project, ACCURACY.format(golden="golden.npz"))
    cli("gate", "--quiet", timeout=30).refused("golden.npz is not a golden file", "is a FIFO (named pipe)")
    os.mkfifo(tmp_path / "vocab.txt")
    cli("scaffold", "--app", "qa-web", "--model", "model.tflite", "--out", str(tmp_path / "app"),
        "--vocab", str(tmp_path / "vocab.txt"), timeout=30).refused("--vocab", "is a FIFO (named pipe)")
    assert not (tmp_path / "app").exists()


def test_gate_config_errors_name_file_line_and_key_not_a_flag(project, cli):
    write_config(project, SIZE_ONLY.format(baseline="twin.tflite").replace(
        'size = { max_growth = "50%" }', 'latency = { confidence = 0.3 }'))
    ran = cli("gate", "--quiet")
    ran.refused("edgekit.toml:6: models.m.checks.latency.confidence", "is not a confidence level in [0.5, 1)")
    assert "--confidence" not in ran.err


# --- outputs: checked before the gate runs --------------------------------------------------------


@pytest.mark.parametrize(
    ("golden", "words"),
    [
        ("/proc/self/golden.npz", ["lies outside the configuration's folder"]),
        ("../outside.npz", ["lies outside the configuration's folder"]),
        ("goldens", ["cannot record", "is a directory"]),
        ("fifo.npz", ["cannot record", "is a FIFO (named pipe)"]),
        ("missing/golden.npz", ["cannot record", "does not exist; create it first"]),
        ("link.npz", ["lies outside the configuration's folder"]),
    ],
)
def test_record_refuses_bad_golden_targets_before_running(project, cli, tmp_path, golden, words):
    (project / "goldens").mkdir()
    os.mkfifo(project / "fifo.npz")
    (project / "link.npz").symlink_to(tmp_path / "linked.npz")
    write_config(project, ACCURACY.format(golden=golden))
    before = files_under(tmp_path)
    ran = cli("gate", "--record", "--quiet", timeout=60)
    ran.refused("edgekit.toml:5: models.m.checks.accuracy.golden", *words)
    assert ran.out == ""  # refused up front: no model ran, nothing was written
    assert files_under(tmp_path) == before
    assert stat.S_ISFIFO(os.lstat(project / "fifo.npz").st_mode) and not (tmp_path / "linked.npz").exists()


@pytest.mark.parametrize("option", ["--junit", "--markdown", "--json", "--pytest-benchmark-json"])
def test_unwritable_named_outputs_stop_the_gate_before_it_runs(project, cli, tmp_path, option):
    os.mkfifo(project / "fifo.out")
    write_config(project, SIZE_ONLY.format(baseline="twin.tflite"))
    for target, words in (("/proc/nowhere/out", "does not exist"), ("fifo.out", "is a FIFO"),
                          (str(tmp_path), "is a directory")):
        before = files_under(tmp_path)
        ran = cli("gate", "--quiet", option, target, timeout=60)
        ran.refused(f"{option}:", words)
        assert ran.out == "" and files_under(tmp_path) == before


@pytest.mark.parametrize("kind", ["fifo", "directory", "unreachable"])
def test_a_step_summary_that_cannot_be_appended_to_warns_up_front_and_keeps_the_verdict(
    project, cli, tmp_path, kind
):
    summary = {"fifo": tmp_path / "summary", "directory": tmp_path / "folder"}.get(kind, Path("/proc/x/y"))
    if kind == "fifo":
        os.mkfifo(summary)
    elif kind == "directory":
        summary.mkdir()
    write_config(project, SIZE_ONLY.format(baseline="twin.tflite"))
    ran = cli("gate", "--quiet", "--json", "gate.json", env={"GITHUB_STEP_SUMMARY": str(summary)}, timeout=60)
    ran.refused("edgekit: warning: $GITHUB_STEP_SUMMARY", "the step summary is not written", code=0)
    assert "gate: pass" in ran.out
    document = json.loads((project / "gate.json").read_text())
    assert document["verdict"] == "pass" and "step summary is not written" in document["warnings"][0]


def test_a_writable_step_summary_is_appended_to(project, cli, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("before\n")
    write_config(project, SIZE_ONLY.format(baseline="twin.tflite"))
    ran = cli("gate", "--quiet", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert ran.code == 0 and ran.err == "", ran.err
    assert summary.read_text().startswith("before\n") and "size" in summary.read_text()


def test_a_tfjs_model_json_nested_100k_deep_is_refused(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "model.json").write_text(
        '{"format": "graph-model", "modelTopology": {}, "weightsManifest": [], "x": ' + deep + "}"
    )
    run_cli("inspect", "model.json", cwd=tmp_path).refused("not readable JSON", "nests 100001 levels deep")


_CALIBRATE = """
import sys
from edgekit.convert.calibration import load_calibration
from edgekit.errors import InputsError
try:
    load_calibration(sys.argv[1], [], encode_text=lambda sentence: {})
except InputsError as exc:
    print(exc)
"""


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_calibration_text_that_is_a_special_file_is_refused_by_type(tmp_path, special):
    if special == "fifo":
        os.mkfifo(tmp_path / "fifo")
    done = subprocess.run([sys.executable, "-c", _CALIBRATE, special], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    expected = "is a FIFO (named pipe)" if special == "fifo" else "is a character device"
    assert done.returncode == 0 and expected in done.stdout, done
