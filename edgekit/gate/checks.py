"""The registry of gate check kinds: the one place a configuration's ``checks`` keys are looked up.

Each entry is a :class:`~edgekit.gate.check_kind.CheckKind`: the key, its typed options (with
their readers and defaults) and the function that judges it. The config loader reads a check's
table through its entry, the gate runs its function, and ``valid checks:`` in an error lists the
entries. The built-in kinds are listed once below, in the order that error names them; a new kind
is one more entry, here or from your own code::

    from edgekit.gate import checks

    checks.register(CheckKind("max_outputs", MaxOutputs, check_max_outputs))

(see :mod:`edgekit.gate.check_kind` for the whole example). ``unregister`` removes one again.
"""

from __future__ import annotations

from typing import Any

from edgekit.errors import UsageError
from edgekit.gate import golden, performance, static_checks
from edgekit.gate.check_kind import CheckKind, OptionRefused, OptionSchema, option
from edgekit.gate.spec import CheckOptions, CheckSpec

__all__ = [
    "BUILT_IN",
    "CheckKind",
    "CheckOptions",
    "CheckSpec",
    "OptionRefused",
    "OptionSchema",
    "entry",
    "find",
    "names",
    "option",
    "register",
    "unregister",
]

#: The kinds edgekit ships, in the order ``valid checks:`` lists them.
BUILT_IN: tuple[CheckKind[Any], ...] = (
    static_checks.SIZE,
    static_checks.OPS,
    static_checks.MACS,
    static_checks.CUSTOM_OPS,
    golden.ACCURACY,
    performance.LATENCY,
    performance.INSTRUCTIONS,
    performance.LATENCY_BUDGET,
    static_checks.COVERAGE,
)

_REGISTRY: dict[str, CheckKind[Any]] = {kind.name: kind for kind in BUILT_IN}


def register(kind: CheckKind[Any]) -> CheckKind[Any]:
    """Make KIND a key of every configuration's ``checks`` tables; returns it.

    A name already registered is refused: replacing a check silently would change what a
    configuration means. ``unregister`` it first.
    """
    if kind.name in _REGISTRY:
        raise UsageError("kind", f"a check named {kind.name!r} is already registered; unregister it first")
    _REGISTRY[kind.name] = kind
    return kind


def unregister(name: str) -> CheckKind[Any]:
    """Remove the check kind NAME (a configuration naming it is then refused); returns its entry."""
    if name not in _REGISTRY:
        raise UsageError("name", f"no check named {name!r}; registered: {', '.join(_REGISTRY)}")
    return _REGISTRY.pop(name)


def find(name: str) -> CheckKind[Any] | None:
    """The entry of check kind NAME, or None."""
    return _REGISTRY.get(name)


def entry(name: str) -> CheckKind[Any]:
    """The entry of check kind NAME; a UsageError listing the registered ones if there is none."""
    found = _REGISTRY.get(name)
    if found is None:
        raise UsageError("kind", f"no check named {name!r}; valid checks: {', '.join(_REGISTRY)}")
    return found


def names() -> tuple[str, ...]:
    """Every registered check kind, built-in ones first."""
    return tuple(_REGISTRY)
