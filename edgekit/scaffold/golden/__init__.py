"""Golden vectors: edgekit runs the app's pipeline in Python on a fixed input at scaffold time.

Each task has a module here with ``make_golden(contract, binding, dest) -> dict``: it writes the
fixed input and the expected outputs into ``dest`` and returns what templates need to know
(file names, tolerances). The generated project's own test runs the app's pipeline on the same
input and compares. :func:`run_model` runs a model in Python the way the apps' runtimes do.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from edgekit.scaffold.contract import ModelContract

__all__ = ["make_golden"]

_MODULES = {"pose": "vision_pose", "bodypix": "vision_mask", "qa": "text_qa", "smart-scroll": "text_scroll"}


def make_golden(task: str, contract: ModelContract, binding: dict[str, Any], dest: Path) -> dict[str, Any]:
    """Write the golden files of ``task`` into ``dest``; return their description for templates."""
    module = importlib.import_module(f"edgekit.scaffold.golden.{_MODULES[task]}")
    dest.mkdir(parents=True, exist_ok=True)
    return module.make_golden(contract, binding, dest)
