"""The bad-input contract over a corpus the suite builds itself (>= 300 hostile cases).

Every case goes through every command that takes a model: exit 0, 1, 2 or 3 (never 4), one line
on stderr when refused, no traceback, no hang, no worker or temp folder left behind. Cases run
in process through ``edgekit.cli.main``; files that could hang a reader (FIFOs, devices) run in
a subprocess with a timeout, so a regression fails the test instead of stalling it.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from edgekit.cli.main import main
from tests import hostile, tflite_builder

pytestmark = pytest.mark.slow

BENCH_LOOP = ["--runs", "1", "--min-seconds", "0", "--warmup", "0", "--warmup-seconds", "0",
              "--max-seconds", "1", "--timeout", "30", "--no-accuracy", "--quiet",
              "--max-input-bytes", "200000000"]  # damaged dims must not claim a shared machine's memory
#: Seconds one command may take on one case (a bench starts a worker; the rest never should).
TIME_BOUND_S = {"bench": 45.0, "other": 10.0}
MIN_CASES = 300


@dataclass
class Tally:
    """What the corpus did: cases, command runs, exit codes, and every broken promise."""

    cases: int = 0
    runs: int = 0
    exits: dict[int, int] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def record(self, label: str, argv: list[str], code: int, out: str, err: str, seconds: float) -> None:
        self.runs += 1
        self.exits[code] = self.exits.get(code, 0) + 1
        bound = TIME_BOUND_S["bench" if argv[0] == "bench" else "other"]
        problems = []
        if code not in (0, 1, 2, 3):
            problems.append(f"exit {code}")
        if "Traceback" in err or "Traceback" in out:
            problems.append("traceback")
        lines = [line for line in err.splitlines() if line.strip()]
        if code in (2, 3) and (len(lines) != 1 or not lines[0].startswith("edgekit: error:")):
            problems.append(f"stderr is not one error line: {lines[:3]}")
        if seconds > bound:
            problems.append(f"took {seconds:.1f} s (bound {bound:g} s)")
        if problems:
            said = err.strip()[:300]
            self.broken.append(f"{label}: edgekit {' '.join(argv)}: {'; '.join(problems)}: {said}")

    def summary(self) -> str:
        codes = ", ".join(f"exit {code}: {count}" for code, count in sorted(self.exits.items()))
        return (f"fuzz corpus: {self.cases} cases, {self.runs} commands, "
                f"{time.monotonic() - self.started:.0f} s ({codes})")


def run_in_process(argv: list[str]) -> tuple[int, str, str, float]:
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue(), time.monotonic() - start


def run_in_subprocess(argv: list[str], env: dict[str, str]) -> tuple[int, str, str, float]:
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "edgekit", *argv], capture_output=True, text=True,
                              timeout=60, env=env)
    except subprocess.TimeoutExpired:
        return -1, "", "hung: killed after 60 s", time.monotonic() - start
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


def model_commands(model: Path, scratch: Path) -> list[list[str]]:
    """Every command that takes a model, each in a way that ends quickly."""
    return [
        ["inspect", str(model)],
        ["inspect", "--json", str(model)],
        ["bench", str(model), *BENCH_LOOP],
        ["judge", str(model)],
        ["scaffold", "--app", "qa-web", "--model", str(model), "--out", str(scratch / "app")],
        ["convert", str(model), "--out", str(scratch / "variants"), "--variants", "fp32"],
    ]


def option_misuse(model: Path, scratch: Path) -> list[list[str]]:
    """Every CLI option of every command given a value it must refuse (or accept and warn about)."""
    text = scratch / "notes.txt"
    text.write_text("not arrays\n")
    m = str(model)
    bench = [
        ["--threads", "0"], ["--threads", "-1"], ["--threads", "abc"], ["--threads", ","],
        ["--threads", "999"], ["--threads", "64"], ["--delegate", "nope"], ["--delegate", ","],
        ["--gpu-precision", "fp8"],
        ["--runs", "0"], ["--runs", "-5"], ["--min-seconds", "-1"], ["--max-seconds", "nan"],
        ["--max-seconds", "inf"], ["--max-seconds", "0"], ["--warmup", "-1"], ["--warmup-seconds", "nan"],
        ["--timeout", "0"], ["--timeout", "nan"], ["--timeout", "-1"], ["--inputs", str(scratch / "no.npz")],
        ["--inputs", str(text)], ["--inputs", str(scratch)], ["--inputs", "/dev/zero"],
        ["--normalize", "a,b"], ["--normalize", "1"], ["--normalize", "1,0"], ["--output-role", "bad"],
        ["--output-role", "output=nonsense"], ["--seed", "-1"], ["--seed", "x"],
        ["--reference", str(scratch / "no.tflite")], ["--expected", str(text)],
        ["--reference", m, "--expected", str(text)], ["--tolerance", "junk"], ["--tolerance", "cosine=abc"],
        ["--signature", "nope"], ["--batch", "0"], ["--batch", "-1"], ["--json", "/proc/x.json"],
        ["--json", str(scratch)], ["--json", str(scratch / "no" / "x.json")], ["--max-input-bytes", "0"],
        ["--max-input-bytes", "-1"], ["--max-input-bytes", "1"], ["--unknown-flag"],
    ]
    commands = [["bench", m, *BENCH_LOOP, *options] for options in bench]
    commands += [
        ["inspect"], ["inspect", m, m], ["inspect", str(scratch / "no.tflite")],
        ["inspect", "no-such-zoo-name"],
        ["judge", str(scratch / "no.json")], ["judge", str(text)], ["judge", str(scratch)],
        ["judge", "/dev/null"], ["judge", str(text), "--tolerance", "junk"],
        ["convert", m], ["convert", str(scratch / "none"), "--out", str(scratch / "o")],
        ["convert", str(scratch), "--out", str(scratch / "o"), "--variants", "nope"],
        ["convert", str(scratch), "--out", str(scratch / "o"), "--calibration-range", "1,0"],
        ["convert", str(scratch), "--out", str(scratch / "o"), "--seed", "-1"],
        ["convert", str(scratch), "--out", str(scratch / "o"), "--tool-timeout", "nan"],
        ["convert", str(scratch), "--out", str(scratch / "o"), "--tool-timeout", "0"],
        ["convert", str(scratch), "--out", "/proc/variants"],
        ["convert", str(scratch), "--out", str(scratch / "o"), "--threads", "0"],
        ["convert", str(scratch), "--out", str(scratch / "o"), "--input-shape", "bad"],
        ["scaffold"], ["scaffold", "--app", "nope", "--model", m, "--out", str(scratch / "a")],
        ["scaffold", "--app", "pose-web", "--model", str(scratch / "no.tflite"), "--out", str(scratch / "a")],
        ["scaffold", "--app", "pose-web", "--model", m, "--out", "/proc/app"],
        ["scaffold", "--app", "pose-web", "--model", m, "--out", str(scratch / "a"), "--max-answer-len", "0"],
        ["scaffold", "--app", "qa-web", "--model", m, "--out", str(scratch / "a"), "--vocab", "/none"],
        ["scaffold", "--app", "pose-web", "--model", m, "--out", str(scratch / "a"), "--normalize", "x"],
        ["scaffold", "--app", "pose-web", "--model", m, "--out", str(scratch / "a"), "--keypoints", "x"],
        ["zoo", "pull", "no-such-model"], ["zoo", "pull", ""], ["zoo", "list", "extra"],
        ["tools", "install", "nope"], ["tools", "install", "tfjs", "--timeout", "nan"],
        ["delegates", "extra"], ["nope"],
    ]
    return commands


def wrong_files(folder: Path) -> dict[str, Path]:
    """Files people pass by mistake, by what they are."""
    contents = {
        "png.tflite": b"\x89PNG\r\n\x1a\n" + bytes(64), "photo.jpg": b"\xff\xd8\xff\xe0" + bytes(64),
        "anim.gif": b"GIF89a" + bytes(64), "empty.tflite": b"", "short.tflite": b"TFL3\x00\x00\x00",
        "notes.tflite": b"this is a text file\n" * 20, "archive.tflite": b"PK\x03\x04" + bytes(64),
        "model.keras": b"PK\x03\x04" + bytes(64), "model.h5": b"\x89HDF\r\n\x1a\n" + bytes(64),
        "pickle.tflite": b"\x80\x04\x95" + bytes(64), "model.json": b"{not json",
        "graph.json": b'{"format": "graph-model"}', "ident-only.tflite": b"\x08\x00\x00\x00TFL3",
        "root-offset-huge.tflite": b"\xff\xff\xff\x7fTFL3" + bytes(64),
    }
    files = {}
    for name, data in contents.items():
        path = folder / name
        path.write_bytes(data)
        files[name] = path
    sparse = folder / "sparse.tflite"
    with open(sparse, "wb") as stream:
        stream.truncate(3 << 30)  # 3 GB of holes: refused by its first 8 bytes, never read
    files["sparse-3gb"] = sparse
    return files


def base_models(folder: Path, zoo_model: Callable[[str], Path]) -> dict[str, bytes]:
    """Small models of several kinds, and a real one from the zoo, as bytes."""
    built = {
        "chain": tflite_builder.add_chain(folder / "chain.tflite", n_ops=2),
        "int8": tflite_builder.quantized_model(folder / "int8.tflite"),
        "multi": tflite_builder.multi_input_model(folder / "multi.tflite"),
        "signature": tflite_builder.signature_model(folder / "signature.tflite"),
        "custom": tflite_builder.custom_op_model(folder / "custom.tflite"),
        "conv": tflite_builder.conv_model(folder / "conv.tflite"),
        "metadata": tflite_builder.metadata_model(folder / "metadata.tflite"),
    }
    models = {name: path.read_bytes() for name, path in built.items()}
    models["zoo-selfie"] = zoo_model("selfie-segmentation").read_bytes()
    return models


@contextlib.contextmanager
def fresh_tmpdir(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """TMPDIR (and tempfile's cached choice) pointed at a new empty folder for one batch."""
    folder = Path(tempfile.mkdtemp(dir=root, prefix="batch-"))
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def children() -> list[str]:
    """Processes this test process started and has not reaped."""
    found = []
    for task in Path("/proc/self/task").iterdir():
        found += (task / "children").read_text().split()
    return found


def check_batch(tally: Tally, label: str, folder: Path) -> None:
    leftovers = sorted(p.name for p in folder.iterdir())
    if leftovers:
        tally.broken.append(f"{label}: left in TMPDIR: {leftovers[:5]}")
    if children():
        tally.broken.append(f"{label}: processes left running: {children()}")


def test_hostile_corpus_keeps_the_exit_code_contract(tmp_path, zoo_model, monkeypatch):
    tally = Tally()
    tmp_root = tmp_path / "tmp"
    tmp_root.mkdir()
    cases_dir = tmp_path / "cases"
    cases_dir.mkdir()
    models = base_models(tmp_path, zoo_model)

    model_cases: list[tuple[str, bytes]] = []
    for name, data in models.items():
        flips, cuts = (24, 8) if name != "zoo-selfie" else (16, 6)
        model_cases += [(f"{name}/{what}", damaged) for what, damaged in
                        hostile.damaged_copies(data, seed=len(name), flips=flips, cuts=cuts)]
    for name, change in hostile.field_edits().items():
        model_cases.append((f"chain/{name}", hostile.edit_model(models["chain"], change)))

    for index, (label, data) in enumerate(model_cases):
        path = cases_dir / f"case{index}.tflite"
        path.write_bytes(data)
        scratch = cases_dir / f"scratch{index}"
        scratch.mkdir()
        tally.cases += 1
        with fresh_tmpdir(tmp_root, monkeypatch) as folder:
            for argv in model_commands(path, scratch):
                tally.record(label, argv, *run_in_process(argv))
            check_batch(tally, label, folder)

    for label, path in wrong_files(cases_dir).items():
        tally.cases += 1
        with fresh_tmpdir(tmp_root, monkeypatch) as folder:
            for argv in model_commands(path, cases_dir / "wrong-scratch"):
                tally.record(label, argv, *run_in_process(argv))
            check_batch(tally, label, folder)

    chain = cases_dir / "chain.tflite"
    chain.write_bytes(models["chain"])
    misuse_scratch = cases_dir / "misuse"
    misuse_scratch.mkdir()
    with fresh_tmpdir(tmp_root, monkeypatch) as folder:
        for argv in option_misuse(chain, misuse_scratch):
            tally.cases += 1
            tally.record("misuse", argv, *run_in_process(argv))
        check_batch(tally, "misuse", folder)

    special_dir = tmp_path / "special"
    special_dir.mkdir()
    for label, path in hostile.special_files(special_dir).items():
        tally.cases += 1
        with fresh_tmpdir(tmp_root, monkeypatch) as folder:
            env = {**os.environ, "TMPDIR": str(folder)}
            for argv in model_commands(path, special_dir / "scratch"):
                tally.record(label, argv, *run_in_subprocess(argv, env))
            check_batch(tally, label, folder)

    print(tally.summary())
    assert tally.cases >= MIN_CASES, tally.summary()
    assert not tally.broken, "\n".join([tally.summary(), *tally.broken[:40]])


def test_corpus_damage_is_reproducible():
    data = bytes(range(256)) * 4
    first = list(hostile.damaged_copies(data, seed=3, flips=5, cuts=2))
    again = list(hostile.damaged_copies(data, seed=3, flips=5, cuts=2))
    assert first == again
    assert len(first) == 7 and all(np.frombuffer(d, np.uint8).size <= len(data) for _, d in first)
