"""Hostile option values for bench, profile, bisect, convert, scaffold and tools install.

Negative, NaN, infinite and 1e308 numbers, counts of 10^30, empty lists, FIFOs and devices as
files, and paths longer than the system allows. Values that could make a command run forever are
tried in a child process with a timeout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import tflite_builder
from tests.fuzz import forge
from tests.fuzz.harness import Case
from tests.fuzz.surfaces import FAST, REFUSED, Workspace, run_surface

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain(workspace: Workspace) -> Path:
    return tflite_builder.add_chain(workspace.root / "chain.tflite", n_ops=2)


HUGE_INT = str(10**30)


def _option_cases(workspace: Workspace, chain: Path) -> list[Case]:
    m = str(chain)
    out = workspace.root / "option-outputs"
    out.mkdir()
    fifo = forge.fifo(workspace.root / "option.fifo")
    either = (0, 2)
    bench: list[tuple[list[str], bool, tuple[int, ...]]] = [
        (["--threads", "1e308"], False, REFUSED), (["--threads", HUGE_INT], False, REFUSED),
        (["--threads", ""], False, REFUSED), (["--threads", "1,,2"], False, REFUSED),
        (["--threads", "-1"], False, REFUSED), (["--threads", "nan"], False, REFUSED),
        (["--threads", "1," * 300 + "1"], False, either),
        (["--runs", "1e308"], False, REFUSED), (["--runs", "-1"], False, REFUSED),
        (["--runs", HUGE_INT], True, either), (["--warmup", HUGE_INT], True, either),
        (["--warmup", "-1"], False, REFUSED), (["--batch", HUGE_INT], False, either),
        (["--batch", "-1"], False, REFUSED), (["--max-input-bytes", HUGE_INT], False, either),
        (["--max-input-bytes", "-1"], False, REFUSED), (["--min-seconds", "1e308"], True, REFUSED),
        (["--min-seconds", "inf"], True, REFUSED), (["--min-seconds", "-inf"], False, REFUSED),
        (["--warmup-seconds", "inf"], True, REFUSED), (["--warmup-seconds", "1e308"], True, REFUSED),
        (["--max-seconds", "-inf"], False, REFUSED), (["--timeout", "inf"], True, REFUSED),
        (["--timeout", "-inf"], False, REFUSED), (["--delegate", ",,"], False, REFUSED),
        (["--delegate", ""], False, REFUSED), (["--delegate", "cpu," * 200 + "cpu"], False, either),
        (["--gpu-precision", ""], False, REFUSED), (["--gpu-precision", "fp16,fp16,fp16"], False, either),
        (["--seed", str(2**64)], False, either), (["--seed", HUGE_INT], False, either),
        (["--seed", "nan"], False, REFUSED), (["--normalize", "1e308,-1e308"], False, REFUSED),
        (["--normalize", "nan,nan"], False, REFUSED), (["--normalize", ""], False, REFUSED),
        (["--normalize", "-inf,inf"], False, REFUSED), (["--tolerance", "cosine=nan"], False, REFUSED),
        (["--tolerance", "cosine=inf"], False, REFUSED), (["--tolerance", "cosine=-1"], False, either),
        (["--tolerance", "snr_db=1e308"], False, either), (["--tolerance", "max_abs=-1"], False, REFUSED),
        (["--tolerance", ""], False, either), (["--output-role", "output=mask:nan"], False, REFUSED),
        (["--output-role", "output=keypoints:0x0"], False, REFUSED),
        (["--output-role", f"output=keypoints:{HUGE_INT}x3"], False, either),  # judged only with accuracy
        (["--output-role", "="], False, REFUSED), (["--signature", ""], False, REFUSED),
        (["--inputs", str(fifo)], True, REFUSED), (["--expected", str(fifo)], True, REFUSED),
        (["--inputs", "/dev/zero"], True, REFUSED), (["--reference", "/dev/zero"], True, REFUSED),
    ]
    cases = []
    for options, isolated, expect in bench:
        cases.append(Case(f"bench{options[0]}={options[1][:20]}", ["bench", m, *FAST, *options],
                          isolated=isolated, expect=expect))
    profile = [
        ["--threads", "-1"], ["--threads", "0"], ["--threads", HUGE_INT], ["--max-segments", "0"],
        ["--max-segments", "-1"], ["--max-segments", HUGE_INT], ["--seconds", "nan"], ["--seconds", "-inf"],
        ["--seconds", "-1"], ["--seconds", "1e-308"], ["--seconds", "inf"], ["--seconds", "1e308"],
        ["--top", "0"], ["--top", "-1"], ["--delegate", ","], ["--delegate", ""],
        ["--baseline", "/dev/zero"], ["--baseline", str(fifo)], ["--gpu-precision", "x"],
        ["--max-input-bytes", "0"], ["--json", str(workspace.canary)],
    ]
    for options in profile:
        valid = options in (["--seconds", "1e-308"], ["--top", "0"], ["--max-segments", HUGE_INT])
        argv = ["profile", m, "--seconds", "0.2", *options]
        cases.append(Case(f"profile{options[0]}={options[1][:20]}", argv, isolated=True,
                          expect=(0, 1, 2) if valid else REFUSED))
    bisect = [
        ["--sets", "0"], ["--sets", "-1"], ["--sets", HUGE_INT], ["--seed", str(2**64)], ["--seed", "-1"],
        ["--jump-db", "1e308"], ["--floor-db", "-1e308"], ["--jump-db", "nan"], ["--floor-db", "inf"],
        ["--threads", HUGE_INT], ["--threads", "0"], ["--reference", ""], ["--reference", "/dev/zero"],
        ["--inputs", str(fifo)], ["--precision", "x"], ["--delegate", ""], ["--delegate", ",,"],
        ["--max-input-bytes", "-1"], ["--json", "/proc/x.json"],
    ]
    for options in bisect:
        valid = options in (["--jump-db", "1e308"], ["--floor-db", "-1e308"], ["--seed", str(2**64)],
                            ["--sets", HUGE_INT])  # at most that many: random inputs are one set
        argv = ["bisect", m, "--delegate", "cpu", *options]
        cases.append(Case(f"bisect{options[0]}={options[1][:20]}", argv, isolated=True,
                          expect=(0, 1, 2) if valid else REFUSED))
    source = str(workspace.root / "no-source")
    convert = [
        ["--runs", "-1"], ["--runs", "0"], ["--runs", HUGE_INT], ["--threads", "1e308"], ["--threads", "0"],
        ["--calibration-range", "nan,1"], ["--calibration-range", "-inf,inf"],
        ["--calibration-range", "1e308,-1e308"], ["--calibration-range", ""], ["--tool-timeout", "inf"],
        ["--tool-timeout", "-inf"], ["--tool-timeout", "1e308"], ["--seed", str(2**64)],
        ["--input-shape", "x=-1"], ["--input-shape", "x=0"], ["--input-shape", f"x={HUGE_INT}"],
        ["--input-shape", "x="], ["--input-shape", "=1"], ["--variants", ""], ["--variants", ",,"],
        ["--delegate", ""], ["--calibration", str(fifo)], ["--calibration", "/dev/zero"],
        ["--normalize", "nan,1"], ["--tolerance", "cosine=nan"],
    ]
    for options in convert:
        target = out / workspace.name("variants")
        argv = ["convert", source, "--out", str(target), *options]
        cases.append(Case(f"convert{options[0]}={options[1][:20]}", argv, outputs=(target,), isolated=True,
                          expect=REFUSED))
    scaffold = [
        ["--max-answer-len", "-1"], ["--max-answer-len", "0"], ["--max-answer-len", HUGE_INT],
        ["--keypoints", "0x0"], ["--keypoints", f"{HUGE_INT}x5"], ["--keypoints", "-1x5"],
        ["--keypoints", "17x3x3"], ["--normalize", "nan,1"], ["--normalize", "inf,inf"],
        ["--normalize", "1e308,-1e308"], ["--output", ""], ["--output", forge.HOSTILE_NAMES[0]],
        ["--vocab", str(fifo)], ["--vocab", "/dev/zero"], ["--vocab", str(workspace.canary)],
        ["--app", ""], ["--app", "../../x"],
    ]
    for options in scaffold:
        target = out / workspace.name("app")
        argv = ["scaffold", "--app", "qa-web", "--model", m, "--out", str(target), *options]
        cases.append(Case(f"scaffold{options[0]}={options[1][:20]}", argv, outputs=(target,),
                          isolated=options[0] == "--vocab", expect=REFUSED))
    tools = [["--timeout", "-1"], ["--timeout", "nan"], ["--timeout", "inf"], ["--timeout", "-inf"],
             ["--timeout", "1e308"], ["--timeout", "0"]]
    for options in tools:
        cases.append(Case(f"tools{options[0]}={options[1]}", ["tools", "install", "tfjs", *options],
                          isolated=True, env={"EDGEKIT_CACHE_DIR": str(out / "cache")},
                          outputs=(out / "cache",), expect=REFUSED))
    long_name = "m" * 5000 + ".tflite"
    long_part = str(out / ("n" * 300) / "x.json")
    paths = [
        ["inspect", long_name], ["bench", long_name, *FAST], ["judge", long_name], ["report", long_name],
        ["profile", long_name], ["bisect", long_name], ["zoo", "pull", long_name],
        ["scaffold", "--app", "qa-web", "--model", long_name, "--out", str(out / "long-app")],
        ["scaffold", "--app", "qa-web", "--model", m, "--out", long_part],
        ["convert", long_name, "--out", str(out / "long-variants")],
        ["bench", m, *FAST, "--inputs", long_name], ["bench", m, *FAST, "--expected", long_name],
        ["bench", m, *FAST, "--reference", long_name], ["bench", m, *FAST, "--json", long_part],
        ["gate", "--config", long_name], ["report", m, "--html", long_part],
    ]
    for argv in paths:
        cases.append(Case(f"long-path/{argv[0]}/{len(argv)}", argv, cwd=out, expect=REFUSED))
    return cases


def test_option_values(workspace, chain, monkeypatch):
    run_surface("option values", _option_cases(workspace, chain), workspace, monkeypatch, minimum=130)


