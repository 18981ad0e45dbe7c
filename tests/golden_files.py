"""Rendered files against reviewed copies under ``tests/scaffold/golden/``: one comparison for every test.

``EDGEKIT_UPDATE_GOLDEN=1`` rewrites the stored copies from what was rendered (after a reviewed
template change; review the diff before committing). A stored file's name drops a leading dot: a
stored ``.gitignore`` would act on this repository.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

GOLDEN_ROOT = Path(__file__).resolve().parent / "scaffold" / "golden"
UPDATE_VARIABLE = "EDGEKIT_UPDATE_GOLDEN"
_DIFF_LINES = 40

__all__ = ["GOLDEN_ROOT", "UPDATE_VARIABLE", "assert_matches_golden", "stored_path"]


def stored_path(golden_dir: Path, relative: str) -> Path:
    """Where the golden copy of ``relative`` (a path inside the rendered project) is kept."""
    path = Path(relative)
    return golden_dir / path.parent / path.name.lstrip(".")


def assert_matches_golden(project: Path, relatives: Iterable[str], golden_dir: Path,
                          normalize: Callable[[str], str] = lambda text: text) -> None:
    """Each of ``relatives`` in ``project``, after ``normalize`` (masking versions, hashes), equals its
    golden copy in ``golden_dir``; every difference is collected and reported at once, with a diff.
    """
    update = bool(os.environ.get(UPDATE_VARIABLE))
    problems = []
    for relative in relatives:
        got = normalize((project / relative).read_text(encoding="utf-8"))
        stored = stored_path(golden_dir, relative)
        if update:
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_text(got, encoding="utf-8")
        if not stored.is_file():
            problems.append(f"no golden file {stored}; run with {UPDATE_VARIABLE}=1 and review it")
            continue
        expected = stored.read_text(encoding="utf-8")
        if got != expected:
            diff = difflib.unified_diff(expected.splitlines(), got.splitlines(), f"golden/{relative}",
                                        f"rendered/{relative}", lineterm="")
            problems.append(f"{relative} differs from {stored} (set {UPDATE_VARIABLE}=1 after review):\n"
                            + "\n".join(list(diff)[:_DIFF_LINES]))
    assert not problems, "\n\n".join(problems)
