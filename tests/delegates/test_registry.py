"""The delegate registry: built-ins first in report order; adding or removing one through the public API."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from edgekit import delegates
from edgekit.delegates.base import Availability
from edgekit.errors import UnknownDelegate

BUILTIN_ORDER = ["cpu", "cpu-ref", "gpu", "edgetpu", "hexagon", "nnapi", "coreml"]


@dataclass(frozen=True)
class NamedOnly:
    """Enough of a delegate for the registry, which only files delegates by name."""

    name: str
    summary: str = "registry test delegate"

    def probe(self) -> Availability:
        return Availability(False, "registry test delegate")


def test_builtins_come_first_in_report_order_and_added_ones_after():
    with delegates.registered(NamedOnly("extra-a"), NamedOnly("extra-b")):
        names = delegates.names()
        assert names[:7] == BUILTIN_ORDER
        assert names.index("extra-a") > 6 and names.index("extra-b") == names.index("extra-a") + 1


def test_registered_adds_for_the_block_only():
    before = delegates.names()
    extra = NamedOnly("extra-block")
    with delegates.registered(extra) as added:
        assert added == (extra,) and delegates.get("extra-block") is extra
    assert delegates.names() == before
    with pytest.raises(UnknownDelegate):
        delegates.get("extra-block")


def test_registered_gives_a_replaced_delegate_its_place_back():
    original = delegates.get("hexagon")
    with delegates.registered(NamedOnly("hexagon", "a stand-in")):
        assert delegates.get("hexagon").summary == "a stand-in"
        assert delegates.names()[:7] == BUILTIN_ORDER  # replacing keeps the position
    assert delegates.get("hexagon") is original and delegates.names()[:7] == BUILTIN_ORDER


def test_registered_restores_even_when_the_block_raises():
    before = delegates.names()
    with pytest.raises(RuntimeError, match="inside"), delegates.registered(NamedOnly("extra-raise")):
        raise RuntimeError("inside")
    assert delegates.names() == before


def test_unregister_removes_and_returns_the_delegate():
    extra = delegates.register(NamedOnly("extra-removed"))
    assert delegates.unregister("extra-removed") is extra
    assert "extra-removed" not in delegates.names()
    with pytest.raises(UnknownDelegate, match="unknown delegate 'extra-removed'; choose from: cpu, cpu-ref"):
        delegates.unregister("extra-removed")


def test_a_builtin_unregistered_and_registered_again_takes_its_report_place():
    with delegates.registered(NamedOnly("extra-after")):
        hexagon = delegates.unregister("hexagon")
        assert "hexagon" not in delegates.names()
        delegates.register(hexagon)
        assert delegates.names()[:7] == BUILTIN_ORDER and delegates.names()[-1] == "extra-after"
    assert delegates.names()[:7] == BUILTIN_ORDER


def test_builtins_keep_report_order_whichever_module_is_imported_first():
    import subprocess
    import sys

    code = "import edgekit.delegates.gpu; from edgekit.delegates import names; print(','.join(names()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().split(",")[:7] == BUILTIN_ORDER
