"""Registry of delegates. Built-in delegates live one per module in this package.

A third party (or a test) adds one with `register`; the host worker re-imports the delegate's
module by name, so a registered delegate must live in an importable module. `unregister` removes
one again, and `registered` adds some for the length of a `with` block only (what tests want).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

from edgekit.delegates.base import Availability, Coverage, Delegate, RunOptions, UnsupportedOp
from edgekit.errors import UnknownDelegate

__all__ = [
    "Availability",
    "Coverage",
    "Delegate",
    "RunOptions",
    "UnsupportedOp",
    "get",
    "names",
    "register",
    "registered",
    "unregister",
]

#: Modules that register the built-in delegates, in report order.
_BUILTIN_MODULES = (
    "edgekit.delegates.cpu",
    "edgekit.delegates.gpu",
    "edgekit.delegates.edgetpu",
    "edgekit.delegates.hexagon",
    "edgekit.delegates.nnapi",
    "edgekit.delegates.coreml",
    "edgekit.delegates.tensorflow",
    "edgekit.delegates.browser",
)

_registry: dict[str, Delegate] = {}
_loaded = False


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)


def register(delegate: Delegate) -> Delegate:
    """Add (or replace, keeping its place) a delegate under its name; built-ins always come first."""
    _load_builtins()
    _registry[delegate.name] = delegate
    if type(delegate).__module__ in _BUILTIN_MODULES:
        # Whichever built-in module is imported first loads the others before it registers itself.
        order = {module: i for i, module in enumerate(_BUILTIN_MODULES)}
        ranked = sorted(enumerate(_registry.items()),
                        key=lambda item: (order.get(type(item[1][1]).__module__, len(order)), item[0]))
        _registry.clear()
        _registry.update(entry for _, entry in ranked)
    return delegate


def names() -> list[str]:
    """Registered delegate names: the built-ins in report order, then others as registered."""
    _load_builtins()
    return list(_registry)


def get(name: str) -> Delegate:
    """The delegate called `name`, or UnknownDelegate listing the valid names."""
    _load_builtins()
    try:
        return _registry[name]
    except KeyError:
        raise UnknownDelegate(name, names()) from None


def unregister(name: str) -> Delegate:
    """Remove the delegate called `name` and return it; UnknownDelegate when none is registered.

    Registering it again puts a built-in back in its report place, any other delegate at the end.
    """
    delegate = get(name)
    del _registry[name]
    return delegate


@contextmanager
def registered(*delegates: Delegate) -> Iterator[tuple[Delegate, ...]]:
    """Register `delegates` for the length of a `with` block; on leaving, the registry is as before.

    A delegate that replaced one of the same name gives the old one back its place.
    """
    _load_builtins()
    before = dict(_registry)
    for delegate in delegates:
        _registry[delegate.name] = delegate
    try:
        yield delegates
    finally:
        _registry.clear()
        _registry.update(before)
