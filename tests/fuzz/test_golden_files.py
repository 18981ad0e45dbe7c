"""Hostile golden files and array files: forged ``.npy`` headers, pickles, wrong ``meta``, paths out.

Golden files arrive in pull requests beside the config that names them. Forged headers declare
sizes the file does not hold (checked in a child process: a reader that believed them must not
take the suite down); stale but honest goldens fail the check (exit 1); anything else is refused.
The same forged members go to ``bench --inputs`` and ``--expected``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.fuzz import forge
from tests.fuzz.harness import CANARY, Case
from tests.fuzz.surfaces import FAST, REFUSED, Workspace, run_surface, unchanged
from tests.fuzz.test_gate_configs import _table

pytestmark = pytest.mark.slow


def _golden_members(workspace: Workspace) -> dict[str, bytes]:
    """The recorded golden file's members as honest bytes."""
    with np.load(workspace.project / "golden.npz") as archive:
        return {key: forge.npy(archive[key]) for key in archive.files}


def _meta(workspace: Workspace) -> dict:
    with np.load(workspace.project / "golden.npz") as archive:
        return json.loads(str(archive["meta"]))


def _golden_files(workspace: Workspace) -> dict[str, Callable[[Path], object]]:
    """Golden files by what is wrong with them: each writes itself to the path it is given."""
    members = _golden_members(workspace)
    meta = _meta(workspace)

    def with_member(key: str, data: bytes | None) -> Callable[[Path], object]:
        def write(path: Path) -> None:
            changed = {k: v for k, v in members.items() if k != key}
            if data is not None:
                changed[key] = data
            forge.write_npz(path, changed)

        return write

    def with_meta(value: object, raw: bool = False) -> Callable[[Path], object]:
        text = value if raw else json.dumps(value)
        return with_member("meta", forge.npy(np.array(text)))

    forged = forge.forged_npz_members()
    files: dict[str, Callable[[Path], object]] = {
        f"forged-output-{label}": with_member("outputs/output", data)
        for label, data in forged.items()
    }
    files.update({
        "forged-extra-input-16-gib": with_member("inputs/huge", forged["declares-16-gib"]),
        "no-meta": with_member("meta", None),
        "no-outputs": with_member("outputs/output", None),
        "no-inputs": with_member("inputs/input", None),
        "meta-not-json": with_meta("{", raw=True),
        "meta-100k-deep": with_meta(forge.deep(100_000), raw=True),
        "meta-number": with_member("meta", forge.npy(np.array(5))),
        "meta-2d": with_member("meta", forge.npy(np.zeros((2, 2)))),
        "meta-bytes": with_member("meta", forge.npy(np.array(b"{}"))),
        "meta-format-other": with_meta({**meta, "format": "other/9"}),
        "meta-format-missing": with_meta({k: v for k, v in meta.items() if k != "format"}),
        "meta-list": with_meta([meta]),
        "meta-runtime-string": with_meta({**meta, "runtime": "2.3.0"}),
        "meta-runtime-null": with_meta({**meta, "runtime": None}),
        "meta-runtime-nested": with_meta({**meta, "runtime": {"ai-edge-litert": {"x": 1}}}),
        "meta-inputs-string": with_meta({**meta, "inputs": "x"}),
        "meta-sets-number": with_meta({**meta, "inputs": {**meta["inputs"], "sets": 5}}),
        "meta-sha-number": with_meta({**meta, "model_sha256": 5}),
        "meta-huge-string": with_meta({**meta, "created": "x" * 5_000_000}),
        "inputs-wrong-shape": with_member("inputs/input", forge.npy(np.zeros((1, 9, 9, 3), np.float32))),
        "inputs-int64": with_member("inputs/input", forge.npy(np.zeros((1, 8, 8, 3), np.int64))),
        "inputs-strings": with_member("inputs/input", forge.npy(np.array(["a"] * 3))),
        "inputs-nan": with_member("inputs/input", forge.npy(np.full((1, 8, 8, 3), np.nan, np.float32))),
        "inputs-1e38": with_member("inputs/input", forge.npy(np.full((1, 8, 8, 3), 3e38, np.float32))),
        "outputs-wrong-shape": with_member("outputs/output", forge.npy(np.zeros((7,), np.float32))),
        "outputs-inf": with_member("outputs/output", forge.npy(np.full((1, 8, 8, 4), np.inf, np.float32))),
        "outputs-complex": with_member("outputs/output", forge.npy(np.zeros((1, 8, 8, 4), np.complex64))),
        "unknown-input-name": with_member("inputs/<script>\n", forge.npy(np.zeros(3, np.float32))),
        "set-dotdot": with_member("sets/../../x/inputs/input", forge.npy(np.zeros(3, np.float32))),
        "set-index-huge": with_member("sets/99999999999999999999/inputs/input",
                                      forge.npy(np.zeros((1, 8, 8, 3), np.float32))),
        "member-named-dotdot": with_member("../../evil", forge.npy(np.zeros(3, np.float32))),
        "deflated": lambda path: forge.write_npz(path, members, deflate=True),
        "not-a-zip": lambda path: path.write_text("not an archive\n"),
        "empty": lambda path: path.write_bytes(b""),
        "truncated": lambda path: (forge.write_npz(path, members), path.write_bytes(path.read_bytes()[:200])),
        "members-20000": lambda path: forge.write_npz(path, {**members, **dict.fromkeys(
            (f"x/{i}" for i in range(20_000)), b"")}),
        "pickled-object-outputs": with_member(
            "outputs/output", forge.npy(np.zeros(1)).replace(b"<f8", b"|O ")),  # header claims objects
        "sparse-3gb": lambda path: forge.sparse_file(path, 3 << 30),
    })
    return files


#: Golden files that are not forged but stale or odd: the check runs and fails (1), or, for members
#: edgekit does not read, passes. The rest must be refused (2).
GOLDEN_JUDGED = {
    **{label: (1,) for label in ("forged-output-big-endian-fortran", "forged-output-float128-dtype",
                                  "inputs-wrong-shape", "inputs-int64", "inputs-strings", "inputs-nan",
                                  "inputs-1e38", "outputs-wrong-shape", "outputs-inf", "outputs-complex",
                                  "unknown-input-name")},
    **{label: (0,) for label in ("deflated", "set-dotdot", "set-index-huge", "member-named-dotdot")},
}


def _golden_cases(workspace: Workspace) -> list[Case]:
    project = workspace.project
    cases = []
    for label, write in _golden_files(workspace).items():
        golden = workspace.name(f"golden-{label}", ".npz")
        write(project / golden)
        name = workspace.name(f"golden-{label}", ".toml")
        (project / name).write_text(_table(checks=f'accuracy = {{ golden = "{golden}" }}\n'),
                                    encoding="utf-8")
        # Forged sizes run in a child process: a reader that believed them must not take this one down.
        cases.append(Case(f"golden/{label}", ["gate", "--config", name, "--quiet"], cwd=project,
                          isolated=label.startswith("forged") or "huge" in label,
                          expect=GOLDEN_JUDGED.get(label, REFUSED)))
    outside_dir = workspace.canary / "goldens"
    outside_dir.mkdir()
    (project / "dir-link").symlink_to(outside_dir)
    (project / "golden-link.npz").symlink_to(workspace.secret)
    (project / "golden-folder.npz").mkdir()
    forge.fifo(project / "golden-fifo.npz")
    paths = {
        "absolute": (str(workspace.secret), False),
        "dotdot": ("../canary/secret.bin", False),
        "dotdot-inside": ("evil:/../../canary/secret.bin", False),
        "link-out": ("golden-link.npz", False),
        "folder-link-out": ("dir-link/g.npz", False),
        "folder": ("golden-folder.npz", False),
        "fifo": ("golden-fifo.npz", True),
        "dev-zero": ("/dev/zero", True),
        "proc": ("/proc/self/golden.npz", False),
        "url": ("file:///etc/passwd", False),
        "missing-folder": ("no/such/g.npz", False),
    }
    for label, (golden, isolated) in paths.items():
        name = workspace.name(f"golden-path-{label}", ".toml")
        (project / name).write_text(_table(checks=f"accuracy = {{ golden = {json.dumps(golden)} }}\n"),
                                    encoding="utf-8")
        cases.append(Case(f"golden-path/{label}", ["gate", "--config", name, "--quiet"], cwd=project,
                          isolated=isolated, expect=REFUSED,
                          check=unchanged(workspace.secret, CANARY)))
        cases.append(Case(f"golden-record/{label}", ["gate", "--config", name, "--record", "--quiet"],
                          cwd=project, isolated=True, expect=REFUSED,
                          check=unchanged(workspace.secret, CANARY)))
    big = ("declares-16-gib", "declares-more-than-it-holds", "dimension-overflows-int64",
           "unicode-of-a-billion", "void-of-a-billion")
    for label, data in forge.forged_npz_members().items():
        arrays = project / workspace.name(f"inputs-{label}", ".npz")
        forge.write_npz(arrays, {"input": data})
        for option in ("--inputs", "--expected"):
            honest = label in ("float128-dtype", "big-endian-fortran")  # true arrays, named for no tensor
            argv = ["bench", "model.tflite", *FAST, option, arrays.name]
            cases.append(Case(f"arrays{option}/{label}", argv, cwd=project, isolated=label in big,
                              expect=(0, 2) if honest else REFUSED))
    return cases


def test_golden_files(workspace, monkeypatch):
    run_surface("golden files and arrays", _golden_cases(workspace), workspace, monkeypatch, minimum=100)


