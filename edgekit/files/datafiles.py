"""The data files edgekit ships (delegate rules, pins, op lists), read by one piece of code.

Facts live in small JSON files beside the code that uses them; :func:`load_json` reads one once
per process. A file that is missing or not valid JSON means a broken installation, and says so
in one line instead of surfacing as a traceback from deep inside a delegate or the scaffold.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from edgekit.errors import DataFileError

__all__ = ["load_json"]


@functools.cache
def load_json(package: str, name: str) -> Any:
    """The parsed JSON file ``name`` (a path inside ``package``, e.g. ``data/cpu.json``).

    The value is shared by every caller: treat it as read-only.
    """
    try:
        text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError) as exc:
        raise DataFileError(f"{package}:{name}", f"cannot be read ({exc.__class__.__name__})") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise DataFileError(f"{package}:{name}", f"is not valid JSON ({exc})") from exc
