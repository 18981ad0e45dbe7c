"""CI performance gates: deterministic checks, accuracy on golden outputs, latency against a baseline.

``edgekit.gate`` is both this package and the public verb: ``edgekit.gate("edgekit.toml")`` calls
:func:`edgekit.gate.run.gate` and returns a ``GateResult`` (as ``edgekit.convert`` does, the
package is made callable so the verb keeps the CLI's name). ``edgekit.gate.record(...)`` writes
the golden files. Check kinds are entries of :mod:`edgekit.gate.checks`; the measurements the timed
checks call are :mod:`edgekit.gate.engines`. This module stays light: ``edgekit --help`` and the
pytest plugin import it.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edgekit.gate.result import GateResult


class _GatePackage(types.ModuleType):
    """The package's module type: calling it runs the ``gate`` verb."""

    def __call__(self, config: Any = None, **options: Any) -> GateResult:
        """``edgekit.gate(config_path, only=..., log=..., engines=...)``: see edgekit.gate.run.gate."""
        from edgekit.gate.run import gate

        return gate(config, **options)

    def record(self, config: Any = None, **options: Any) -> list[Path]:
        """``edgekit.gate.record(config_path, only=...)``: see edgekit.gate.run.record."""
        from edgekit.gate.run import record

        return record(config, **options)


sys.modules[__name__].__class__ = _GatePackage
