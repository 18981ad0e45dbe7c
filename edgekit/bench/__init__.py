"""The bench verb: plan runs, execute each in isolation, judge them against a reference.

``edgekit.bench`` is both this package and the public verb: ``edgekit.bench(model, delegates=...)``
calls :func:`edgekit.bench.run.bench` (as ``edgekit.convert`` and ``edgekit.gate`` do, the
package is made callable, because a package's attribute on its parent is always the package).
This module stays light: it imports nothing until the verb is called.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edgekit.results.bench_result import BenchResult


class _BenchPackage(types.ModuleType):
    """The package's module type: calling it runs the ``bench`` verb."""

    def __call__(self, model: Any, **options: Any) -> BenchResult:
        """``edgekit.bench(model, delegates=..., threads=..., ...)``: see edgekit.bench.run.bench."""
        from edgekit.bench.run import bench

        return bench(model, **options)


sys.modules[__name__].__class__ = _BenchPackage
