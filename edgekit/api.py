"""Small library entry points that mirror CLI verbs other than `bench` (which has its own module)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from edgekit import zoo
from edgekit.model import Model

__all__ = ["inspect", "zoo_list", "zoo_pull"]


def inspect(model: str | os.PathLike, *, log: Callable[[str], None] | None = None) -> Model:
    """Open and parse MODEL (a .tflite path or a zoo name), validating it on the way."""
    return Model.open(zoo.resolve_model(model, log=log))


def zoo_list() -> tuple[zoo.ZooEntry, ...]:
    """Every model the zoo can fetch."""
    return zoo.entries()


def zoo_pull(name: str, *, force: bool = False, log: Callable[[str], None] | None = None) -> Path:
    """Fetch (or find cached) the zoo model NAME and return its local path."""
    return zoo.pull(name, force=force, log=log)
