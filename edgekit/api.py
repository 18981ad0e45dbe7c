"""Small library entry points that mirror CLI verbs other than `bench` (which has its own module)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from edgekit import delegates, zoo
from edgekit.model.model import Model

__all__ = ["inspect", "zoo_list", "zoo_pull", "doctor", "DelegateStatus"]


def inspect(model: str | os.PathLike, *, log: Callable[[str], None] | None = None) -> Model:
    """Open and parse MODEL (a .tflite path, a TF.js graph model or a zoo name), validating it on the way."""
    return Model.open(zoo.resolve_model(model, log=log))


def zoo_list() -> tuple[zoo.ZooEntry, ...]:
    """Every model the zoo can fetch."""
    return zoo.entries()


def zoo_pull(name: str, *, force: bool = False, log: Callable[[str], None] | None = None) -> Path:
    """Fetch (or find cached) the zoo model NAME and return its local path."""
    return zoo.pull(name, force=force, log=log)


@dataclass(frozen=True)
class DelegateStatus:
    """One delegate's answer to "can you run here, and if not, why and what would make you run"."""

    name: str
    summary: str
    available: bool
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def doctor() -> list[DelegateStatus]:
    """Probe every registered delegate on this machine."""
    statuses = []
    for name in delegates.names():
        delegate = delegates.get(name)
        availability = delegate.probe()
        statuses.append(DelegateStatus(name, delegate.summary, availability.available, availability.reason))
    return statuses


def scaffold_apps() -> tuple:
    """Every app ``scaffold`` can generate (the ``scaffold --list`` verb)."""
    from edgekit.scaffold.apps import all_apps

    return all_apps()


def scaffold(app: str, model: str | os.PathLike, out: str | os.PathLike, *, options=None, force: bool = False,
             log: Callable[[str], None] | None = None):
    """Generate starter app APP wired to MODEL into OUT (the ``scaffold`` verb); see edgekit.scaffold."""
    from edgekit.scaffold.project import scaffold as run

    return run(app, model, out, options=options, force=force, log=log)
