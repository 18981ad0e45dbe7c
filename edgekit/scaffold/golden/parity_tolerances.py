"""The tolerances the vision apps' parity tests hold their pipelines to, and what they rest on.

They are data (``data/parity_tolerances.json``), one entry per kind of golden set and platform,
each with its basis: on which frames, backends and browser the differences between the app and
edgekit's Python pipeline were measured, the largest seen, and the rule that turned them into the
tolerance. The golden file carries both, so a failing parity test can be read against them.
"""

from __future__ import annotations

from typing import Any

from edgekit.errors import DataFileError
from edgekit.files.datafiles import load_json

__all__ = ["TOLERANCES_FILE", "tolerance_for"]

TOLERANCES_FILE = "data/parity_tolerances.json"


def tolerance_for(kind: str, platform: str) -> tuple[dict[str, float], dict[str, Any]]:
    """(tolerance, basis) for golden sets of KIND (``pose-two-stage``, ``pose``, ``bodypix``) on PLATFORM."""
    data = load_json("edgekit.scaffold", TOLERANCES_FILE)
    try:
        entry = data[kind][platform]
        tolerance = {name: float(value) for name, value in entry["tolerance"].items()}
        basis = dict(entry["basis"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DataFileError(f"edgekit.scaffold:{TOLERANCES_FILE}",
                            f"has no valid entry for {kind} on {platform} ({exc})") from exc
    return tolerance, basis
