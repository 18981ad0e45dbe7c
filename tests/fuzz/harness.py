"""How the fuzz corpora run a hostile case and judge what it did.

A case is one CLI command (``edgekit ...``) built around a hostile file, value or name. It runs in
process through ``edgekit.cli.main`` or, where a reader could block or hang (FIFOs, devices,
forged sizes), in a child process with a timeout. Every run must keep the bad-input contract:

- an exit code edgekit documents (0, 1, 2, 3; never 4, never a signal, never a hang), and, where
  the case knows better, the one it expects (a hostile value that must be refused exits 2);
- no traceback and no raw warning on stderr; a refusal (2, 3) is exactly one ``edgekit: error:`` line;
- no file written, changed or removed anywhere but in the outputs the case named: the watched
  folders (the case's workspace with its canary folder, the repository, ``$HOME/.cache``) are
  listed with each entry's type, size and modification time before and after the run;
- no copy of a canary secret in the outputs (a file a hostile input points at must not be shipped);
- no temporary file and no process left behind (checked per batch).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from edgekit.cli.main import main

__all__ = [
    "Case",
    "Tally",
    "Watch",
    "run_case",
    "run_in_process",
    "run_in_subprocess",
    "fresh_tmpdir",
    "children",
    "check_batch",
    "CANARY",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED_EXITS = (0, 1, 2, 3)
#: Seconds one command may take, by verb (bench and the gate start workers); a case may say more
#: (a scaffold that computes golden vectors).
TIME_BOUND_S = {"bench": 45.0, "gate": 45.0}
OTHER_BOUND_S = 10.0
SUBPROCESS_TIMEOUT_S = 60.0
#: What a canary secret holds: a hostile input points at it; it must never be read into an output.
CANARY = b"edgekit-canary: a file no output may ever hold\n" * 64


@dataclass
class Case:
    """One hostile command: what runs, where it may write, and what it must answer."""

    label: str
    argv: list[str]
    #: Paths the command was told to write (a file, or a folder and everything below it).
    outputs: tuple[Path, ...] = ()
    #: Run in a child process with a timeout (FIFOs, devices, anything that could block).
    isolated: bool = False
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    #: Exit codes this case may end with, where it knows better than the documented set.
    expect: tuple[int, ...] = DOCUMENTED_EXITS
    #: Words the error line must hold (only when the case is refused).
    words: tuple[str, ...] = ()
    #: A further promise, checked after the run: returns what is wrong, or None.
    check: Callable[[], str | None] | None = None
    #: Seconds the run may take, where the verb's bound is too tight (a scaffold that succeeds).
    bound_s: float | None = None


@dataclass
class Tally:
    """What a corpus did: cases, command runs, exit codes, and every broken promise."""

    cases: int = 0
    runs: int = 0
    exits: dict[int, int] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    hangs: int = 0
    tracebacks: int = 0
    internal: int = 0
    written: int = 0

    def record(
        self,
        label: str,
        argv: list[str],
        code: int,
        out: str,
        err: str,
        seconds: float,
        expect: tuple[int, ...] = DOCUMENTED_EXITS,
        words: tuple[str, ...] = (),
        written: list[str] | None = None,
        bound: float | None = None,
    ) -> None:
        self.runs += 1
        self.exits[code] = self.exits.get(code, 0) + 1
        if bound is None:
            bound = TIME_BOUND_S.get(argv[0], OTHER_BOUND_S) if argv else OTHER_BOUND_S
        problems = []
        if code == -1:
            self.hangs += 1
            problems.append("hang")
        elif code not in DOCUMENTED_EXITS:
            problems.append(f"exit {code}")
        elif code not in expect:
            problems.append(f"exit {code}, expected {'/'.join(map(str, expect))}")
        if code == 4:
            self.internal += 1
        if "Traceback" in err or "Traceback" in out:
            self.tracebacks += 1
            problems.append("traceback")
        lines = [line for line in err.splitlines() if line.strip()]
        if code in (2, 3) and (len(lines) != 1 or not lines[0].startswith("edgekit: error:")):
            problems.append(f"stderr is not one error line: {lines[:3]}")
        elif code in (2, 3):
            missing = [word for word in words if word not in lines[0]]
            if missing:
                problems.append(f"the error line lacks {missing}")
        raw = [line for line in lines if "Warning" in line and not line.startswith("edgekit:")]
        if raw:
            problems.append(f"raw warnings on stderr: {raw[:2]}")
        if seconds > bound:
            problems.append(f"took {seconds:.1f} s (bound {bound:g} s)")
        if written:
            self.written += 1
            problems.append(f"wrote outside its outputs: {written[:4]}")
        if problems:
            said = err.strip()[:300]
            shown = " ".join(argv)[:400]
            text = f"{label}: edgekit {shown}: {'; '.join(problems)}: {said}"
            self.broken.append(text.encode("utf-8", "backslashreplace").decode("utf-8"))

    def add(self, other: Tally) -> None:
        """Fold OTHER's counts into this tally (a session total)."""
        self.cases += other.cases
        self.runs += other.runs
        for code, count in other.exits.items():
            self.exits[code] = self.exits.get(code, 0) + count
        self.broken += other.broken
        self.hangs += other.hangs
        self.tracebacks += other.tracebacks
        self.internal += other.internal
        self.written += other.written

    def summary(self, name: str = "fuzz corpus") -> str:
        codes = ", ".join(f"exit {code}: {count}" for code, count in sorted(self.exits.items()))
        return (
            f"{name}: {self.cases} cases, {self.runs} commands, "
            f"{time.monotonic() - self.started:.0f} s ({codes}); {self.tracebacks} tracebacks, "
            f"{self.hangs} hangs, {self.internal} exit 4, {self.written} wrote outside their outputs"
        )


def run_in_process(argv: list[str]) -> tuple[int, str, str, float]:
    """``edgekit ARGV`` in this process; Python warnings are shown in stderr as a plain run shows them.

    pytest records warnings instead of printing them, which would hide a raw numpy warning: here
    the interpreter's default filters are restored for the run and what they let through is
    written into stderr, as ``file:line: Category: message``.
    """
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("default")
        for hidden in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
            warnings.simplefilter("ignore", hidden)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
    shown = "".join(f"{w.filename}:{w.lineno}: {w.category.__name__}: {w.message}\n" for w in caught)
    return code, out.getvalue(), err.getvalue() + shown, time.monotonic() - start


def run_in_subprocess(
    argv: list[str], env: dict[str, str], cwd: Path | None = None, timeout: float = SUBPROCESS_TIMEOUT_S
) -> tuple[int, str, str, float]:
    """``python -m edgekit ARGV``; a run past TIMEOUT is killed and reported as exit -1 (a hang)."""
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "edgekit", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired:
        return -1, "", f"hung: killed after {timeout:g} s", time.monotonic() - start
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


#: Files a library in this process leaves in TMPDIR until the interpreter exits, where it removes
#: them (TensorFlow's autograph keeps each converted function's source for tracebacks): a run of
#: the real command leaves none, so in-process runs do not count them.
_REMOVED_AT_EXIT = re.compile(r"__autograph_generated_file\w*\.py$")
#: What a watched path is: type, size, modification time, inode (a replaced file changes the inode).
Entry = tuple[int, int, int, int]


class Watch:
    """Folders a case must not write to, except at the outputs it names.

    ``snapshot`` lists every path below the roots without following links; ``written`` compares two
    snapshots. Python's own byte-code caches and pytest's cache are skipped: the interpreter writes
    them, not edgekit.
    """

    SKIP_NAMES = frozenset({"__pycache__", ".pytest_cache", ".git", ".mypy_cache", ".ruff_cache"})

    def __init__(self, roots: list[Path], skip: list[Path] | None = None) -> None:
        self.roots = [root for root in roots if root.is_dir()]
        self.skip = [path.resolve() for path in skip or []]

    def snapshot(self) -> dict[str, Entry]:
        seen: dict[str, Entry] = {}
        for root in self.roots:
            for folder, dirs, files in os.walk(root):
                dirs[:] = [
                    d
                    for d in dirs
                    if d not in self.SKIP_NAMES and not any(Path(folder, d) == s for s in self.skip)
                ]
                for name in [*dirs, *files]:
                    path = os.path.join(folder, name)
                    try:
                        st = os.lstat(path)
                    except OSError:
                        continue
                    modified = 0 if os.path.isdir(path) and not os.path.islink(path) else st.st_mtime_ns
                    seen[path] = (st.st_mode >> 12, st.st_size if modified else 0, modified, st.st_ino)
        return seen

    @staticmethod
    def written(before: dict[str, Entry], after: dict[str, Entry], outputs: tuple[Path, ...]) -> list[str]:
        """Paths created, changed or removed between BEFORE and AFTER, outside OUTPUTS.

        A folder created on the way to an output (``--out new/app`` makes ``new``) is part of it.
        """
        allowed = [str(path) for path in outputs] + [str(path.resolve()) for path in outputs]

        def inside(path: str) -> bool:
            if (
                path not in before
                and after[path][0] == stat.S_IFDIR >> 12
                and any(out.startswith(path.rstrip("/") + "/") for out in allowed)
            ):
                return True
            return any(path == out or path.startswith(out.rstrip("/") + "/") for out in allowed)

        changed = [path for path in after if before.get(path) != after[path]]
        removed = [path for path in before if path not in after]
        return sorted(
            path for path in [*changed, *removed] if not inside(path) and not _REMOVED_AT_EXIT.search(path)
        )


def canary_copies(outputs: tuple[Path, ...]) -> list[str]:
    """Files under OUTPUTS that hold a canary secret (whole, or the start of it)."""
    found = []
    for output in outputs:
        if not output.exists():
            continue
        paths = [output] if output.is_file() else [p for p in output.rglob("*") if p.is_file()]
        for path in paths:
            if path.is_symlink() or path.stat().st_size < 64:
                continue
            with open(path, "rb") as stream:
                if stream.read(len(CANARY)).startswith(CANARY[:64]):
                    found.append(str(path))
    return found


@contextlib.contextmanager
def _environment(env: dict[str, str], cwd: Path | None) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in env}
    here = os.getcwd()
    os.environ.update(env)
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_case(tally: Tally, case: Case, watch: Watch) -> None:
    """Run CASE, judged as the module docstring says; every broken promise goes into TALLY."""
    before = watch.snapshot()
    if case.isolated:
        env = {key: value for key, value in os.environ.items() if key != "GITHUB_STEP_SUMMARY"}
        env.update({"PYTHONPATH": str(REPO_ROOT), **case.env})
        code, out, err, seconds = run_in_subprocess(case.argv, env, case.cwd)
    else:
        with _environment(case.env, case.cwd):
            code, out, err, seconds = run_in_process(case.argv)
    written = Watch.written(before, watch.snapshot(), case.outputs)
    written += [f"{path} (holds the canary)" for path in canary_copies(case.outputs)]
    tally.cases += 1
    tally.record(
        case.label, case.argv, code, out, err, seconds, case.expect, case.words, written, case.bound_s
    )
    if case.check is not None and code in DOCUMENTED_EXITS:
        problem = case.check()
        if problem:
            tally.broken.append(
                f"{case.label}: {problem}".encode("utf-8", "backslashreplace").decode("utf-8")
            )


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
    """Nothing left in the batch's TMPDIR, no process left running."""
    leftovers = sorted(p.name for p in folder.iterdir() if not _REMOVED_AT_EXIT.search(p.name))
    if leftovers:
        tally.broken.append(f"{label}: left in TMPDIR: {leftovers[:5]}")
    if children():
        tally.broken.append(f"{label}: processes left running: {children()}")
