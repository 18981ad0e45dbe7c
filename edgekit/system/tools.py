"""External tools edgekit runs (converters, compilers, package managers, valgrind, git).

``TOOL_TIMEOUT_S`` is how long one of them may run by default before it is stopped;
``convert(tool_timeout=...)`` / ``--tool-timeout`` override it.
"""

from __future__ import annotations

__all__ = ["TOOL_TIMEOUT_S"]

TOOL_TIMEOUT_S = 600.0
