"""The bad-input contract over a corpus the suite builds itself (>= 300 hostile cases).

Every case goes through every command that takes a model: exit 0, 1, 2 or 3 (never 4), one line
on stderr when refused, no traceback, no hang, no worker or temp folder left behind. Cases run
in process through ``edgekit.cli.main``; files that could hang a reader (FIFOs, devices) run in
a subprocess with a timeout, so a regression fails the test instead of stalling it. The harness
(:mod:`tests.fuzz.harness`) is shared with the corpora of data files, configs and names
(``tests/fuzz/``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests import hostile, tflite_builder
from tests.fuzz.harness import Tally, check_batch, fresh_tmpdir, run_in_process, run_in_subprocess
from tests.fuzz.surfaces import MODEL_FILES

pytestmark = pytest.mark.slow

BENCH_LOOP = ["--runs", "1", "--min-seconds", "0", "--warmup", "0", "--warmup-seconds", "0",
              "--max-seconds", "1", "--timeout", "30", "--no-accuracy", "--quiet",
              "--max-input-bytes", "200000000"]  # damaged dims must not claim a shared machine's memory
MIN_CASES = 300


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

    MODEL_FILES.add(tally)
    assert tally.cases >= MIN_CASES, tally.summary()
    assert not tally.broken, "\n".join([tally.summary(), *tally.broken[:40]])


def test_corpus_damage_is_reproducible():
    data = bytes(range(256)) * 4
    first = list(hostile.damaged_copies(data, seed=3, flips=5, cuts=2))
    again = list(hostile.damaged_copies(data, seed=3, flips=5, cuts=2))
    assert first == again
    assert len(first) == 7 and all(np.frombuffer(d, np.uint8).size <= len(data) for _, d in first)
