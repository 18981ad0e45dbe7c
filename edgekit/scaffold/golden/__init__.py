"""Golden vectors: edgekit runs the app's pipeline in Python on a fixed input at scaffold time.

Each task's registry entry (:mod:`edgekit.scaffold.tasks`) names its ``golden`` maker: for
edgekit's own tasks ``make_golden(contract, binding, dest) -> dict`` of a module here. It writes
the fixed input and the expected outputs into ``dest`` and returns what templates need to know
(file names, tolerances). The generated project's own test runs the app's pipeline on the same
input and compares. :func:`.run.run_model` runs a model in Python the way the apps' runtimes do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgekit.scaffold.contract import ModelContract
from edgekit.scaffold.tasks import Task

__all__ = ["make_golden"]


def make_golden(task: Task, contract: ModelContract, binding: dict[str, Any], dest: Path) -> dict[str, Any]:
    """Write the golden files of ``task`` into ``dest``; return their description for templates."""
    dest.mkdir(parents=True, exist_ok=True)
    return task.golden(contract, binding, dest)
