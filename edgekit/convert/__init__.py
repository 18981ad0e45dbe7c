"""Conversion: TensorFlow sources into deployable variants, each benched and judged.

``edgekit.convert`` is both this package and the public verb: ``edgekit.convert(source, out=...)``
calls :func:`edgekit.convert.matrix.convert`. A package's attribute on its parent is always the
package itself (the import system sets it), so the package is made callable rather than the verb
given another name than the CLI's. This module stays light (``edgekit --help`` reads its
defaults); TensorFlow is imported by the modules that convert.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edgekit.convert.result import ConvertResult

class _ConvertPackage(types.ModuleType):
    """The package's module type: calling it runs the ``convert`` verb."""

    def __call__(self, source: Any, **options: Any) -> ConvertResult:
        """``edgekit.convert(source, out=..., variants=..., ...)``: see edgekit.convert.matrix.convert."""
        from edgekit.convert.matrix import convert

        return convert(source, **options)


sys.modules[__name__].__class__ = _ConvertPackage
