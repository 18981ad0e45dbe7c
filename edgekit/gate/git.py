"""Every git call edgekit makes, and the one way a ``git:REF:PATH`` baseline is read.

REF and PATH come from a configuration that may arrive in a pull request, so neither ever
reaches git as an option or as a path outside the repository:

- REF is refused when it starts with ``-`` (or holds control characters), then resolved to a
  commit's object id with ``rev-parse --verify --end-of-options REF^{commit}``;
- PATH is refused when absolute or when ``..`` leaves the repository; ``./x`` and ``../x`` are
  relative to the configuration's folder (git's own rule), a bare ``x`` to the repository root;
- the blob is read by its object id (``cat-file blob OID``), which no textconv or filter touches.

Every call has a timeout, reads no stdin, never prompts, and refuses a bare repository that is
not named explicitly (``safe.bareRepository=explicit``): a folder committed to look like one could
otherwise bring its own git configuration.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from edgekit.errors import ToolMissing, ToolNotStarted, ToolTimeout
from edgekit.system.tools import ToolRun, run_tool

__all__ = ["GIT_TIMEOUT_S", "GitRefused", "GitSpec", "parse_git_spec", "read_blob", "run_git"]

GIT_PREFIX = "git:"
GIT_TIMEOUT_S = 120
#: Options on every call: no bare repository found by discovery, no fsmonitor hook.
_SAFE_CONFIG = ("-c", "safe.bareRepository=explicit", "-c", "core.fsmonitor=false")
_UNSAFE_REF = re.compile(r"[\x00-\x20\x7f]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class GitRefused(Exception):
    """A ``git:REF:PATH`` that cannot or may not be read; ``reason`` says which and what to do."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class GitSpec:
    """A checked ``git:REF:PATH``: the ref as written and the path as written."""

    ref: str
    path: str

    def __str__(self) -> str:
        return f"{GIT_PREFIX}{self.ref}:{self.path}"


def parse_git_spec(value: str) -> GitSpec:
    """``git:REF:PATH`` split and checked; GitRefused naming what is wrong.

    A ref name cannot hold ``:`` (git forbids it), so the first ``:`` after the prefix ends it.
    """
    ref, colon, path = value.removeprefix(GIT_PREFIX).partition(":")
    if not (ref and colon and path):
        raise GitRefused(f"{value!r} is not git:REF:PATH (e.g. git:origin/main:model.tflite)")
    if ref.startswith("-"):
        raise GitRefused(f"ref {ref!r} starts with '-', which git would read as an option; "
                         "name a branch, tag or commit")
    if _UNSAFE_REF.search(ref):
        raise GitRefused(f"ref {ref!r} holds spaces or control characters; name a branch, tag or commit")
    if path.startswith("/") or _CONTROL.search(path):
        raise GitRefused(f"path {path!r} must be relative to the repository, without control characters")
    return GitSpec(ref, path)


def run_git(args: list[str], cwd: Path, *, stdout: IO[bytes] | None = None,
            timeout_s: float | None = None) -> str:
    """git ARGS in CWD within TIMEOUT_S (default GIT_TIMEOUT_S); its stdout (unless STDOUT, a binary
    file, takes it); GitRefused when it fails, ToolMissing without git.

    ARGS must already keep data out of option position (``--end-of-options``, object ids).
    """
    git = shutil.which("git")
    if git is None:
        raise ToolMissing("git", "to read a git:REF:PATH baseline", "install git (apt-get install -y git)")
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    timeout_s = GIT_TIMEOUT_S if timeout_s is None else timeout_s
    try:
        done = run_tool([git, *_SAFE_CONFIG, *args], tool=f"git {args[0]}", timeout_s=timeout_s, cwd=cwd,
                        env=environment, stdout=stdout, useful_line=_stderr_words,
                        failure=GitRefused)
    except ToolTimeout:
        raise GitRefused(f"git {args[0]} did not finish in {timeout_s:g} s") from None
    except ToolNotStarted as exc:
        raise GitRefused(f"git could not be run ({exc.reason})") from None
    return done.stdout


def _stderr_words(done: ToolRun) -> str:
    """What git said on stderr, or its exit status when it said nothing."""
    return " ".join(done.stderr.split()) or f"{done.tool} ended with exit status {done.returncode}"


def read_blob(spec: GitSpec, cwd: Path, out: IO[bytes]) -> str:
    """Write the file SPEC names, as its commit has it, to OUT; returns the blob's object id.

    CWD is the configuration's folder: it finds the repository, and ``./`` paths start there.
    """
    resolve = ["rev-parse", "--verify", "--quiet", "--end-of-options"]
    try:
        commit = run_git([*resolve, f"{spec.ref}^{{commit}}"], cwd).strip()
    except GitRefused as exc:
        said = "" if exc.reason.startswith("git rev-parse ended") else f" ({exc.reason})"
        raise GitRefused(f"ref {spec.ref!r} names no commit here{said}; check the ref "
                         "(in CI, fetch the history: fetch-depth: 0)") from None
    inside = repository_path(spec.path, run_git(["rev-parse", "--show-prefix"], cwd).strip())
    try:
        blob = run_git([*resolve, f"{commit}:{inside}"], cwd).strip()
    except GitRefused:
        where = f"commit {spec.ref} ({commit[:12]})"
        raise GitRefused(f"{spec.path!r} is not in {where}; check the path") from None
    kind = run_git(["cat-file", "-t", blob], cwd).strip()
    if kind != "blob":
        raise GitRefused(f"{spec.path!r} is a {kind} in commit {spec.ref}, not a file")
    run_git(["cat-file", "blob", blob], cwd, stdout=out)
    return blob


def repository_path(path: str, prefix: str) -> str:
    """PATH as a path from the repository root; GitRefused when it would leave the repository.

    PREFIX is the configuration folder's path in the repository (``rev-parse --show-prefix``);
    ``./x`` and ``../x`` start there, any other path at the root, as in ``git show REF:PATH``.
    """
    relative = path.startswith(("./", "../")) or path in (".", "..")
    joined = posixpath.normpath(posixpath.join(prefix, path) if relative else path)
    if joined == "." or joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        raise GitRefused(f"path {path!r} leaves the repository; name a file inside it")
    return joined

