"""Check generated TypeScript with the real TypeScript compiler and evaluate it in node.

node 20 cannot run TypeScript itself, so the ``typescript`` package the web templates pin is
installed once per session from npm's cache (offline) and ``transpileModule`` parses each file
(any syntax error is reported) and strips its types; files asked for are then imported as ES
modules in node, and their exports come back as JSON.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from edgekit.scaffold.project import VERSIONS_FILES

__all__ = ["install_typescript", "check_typescript"]

_SCRIPT = Path(__file__).with_name("evaluate_ts.mjs")


def install_typescript(folder: Path) -> Path:
    """The typescript package the templates pin, installed into FOLDER; skips without npm or node."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("npm and node are needed to parse generated TypeScript")
    from importlib import resources

    pins = json.loads(resources.files("edgekit.scaffold").joinpath(VERSIONS_FILES["web"]).read_text())
    version = pins["common"]["typescript"]
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--no-save",
                           f"typescript@{version}"], cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder / "node_modules" / "typescript"


def check_typescript(typescript: Path, scratch: Path, files: list[Path],
                     evaluate: tuple[Path, ...] = ()) -> dict:
    """``{file: {"problems": [...], "exports": {...}}, "pwned": ...}`` for FILES (EVALUATE ones run)."""
    scratch.mkdir(parents=True, exist_ok=True)
    arguments = [f"eval:{f}" if f in evaluate else str(f) for f in files]
    done = subprocess.run(["node", str(_SCRIPT), str(typescript), str(scratch), *arguments],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
