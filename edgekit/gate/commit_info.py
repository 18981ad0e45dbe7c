"""The commit a gate ran on, as pytest-benchmark records it in ``commit_info``.

pytest-benchmark's ``compare`` and its storage show which commit each saved run came from; the
gate's export fills the same fields (``id``, ``time``, ``author_time``, ``dirty``, ``project``,
``branch``) with the same conventions: ``unversioned`` and ``(unknown)`` outside a repository,
``(detached head)`` when HEAD names no branch, dirty when tracked files have changes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from edgekit.errors import ToolMissing
from edgekit.gate.git import GitRefused, run_git

__all__ = ["commit_info"]

_TIMEOUT_S = 10


def commit_info(folder: Path) -> dict[str, Any]:
    """The git commit FOLDER is checked out at; pytest-benchmark's fields, never an exception."""
    info: dict[str, Any] = {"id": "unversioned", "time": None, "author_time": None, "dirty": False,
                            "project": Path(folder).resolve().name, "branch": "(unknown)"}
    if shutil.which("git") is None:
        return info
    top = _git(folder, "rev-parse", "--show-toplevel")
    commit = _git(folder, "rev-parse", "--verify", "--quiet", "HEAD")
    if top is None or commit is None:
        return info
    times = (_git(folder, "show", "-s", "--format=%cI%n%aI", "HEAD") or "").splitlines()
    branch = _git(folder, "rev-parse", "--abbrev-ref", "HEAD")
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    info.update(
        id=commit,
        time=times[0] if times else None,
        author_time=times[1] if len(times) > 1 else None,
        dirty=bool(status),
        project=Path(top).name,
        branch="(detached head)" if branch == "HEAD" else branch or "(unknown)",
    )
    return info


def _git(folder: Path, *args: str) -> str | None:
    """Stripped stdout of ``git ARGS`` in FOLDER, or None when it fails. ARGS are fixed words, never data.

    Through :func:`edgekit.gate.git.run_git`, with its safety rules: the folder comes from a
    configuration that may arrive in a pull request.
    """
    try:
        return run_git(list(args), folder, timeout_s=_TIMEOUT_S).strip()
    except (GitRefused, ToolMissing):
        return None
