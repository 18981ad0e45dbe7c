"""Checks a staged project must pass before it is moved into place.

Common to every platform: no template marker left in a rendered file, every JSON file parses.
Per platform: web pins every npm dependency exactly and fetches nothing from a CDN; Android's
checks (Kotlin/Gradle/XML parsing, manifest, contract in code) live in ``validate_android``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from edgekit.errors import EXIT_INTERNAL, EdgekitError
from edgekit.scaffold.contract import ModelContract
from edgekit.scaffold.render import leftover_markers

__all__ = ["ProjectInvalid", "project", "web"]

_CDN = re.compile(r"https?://(?:cdn\.|unpkg\.com|cdnjs\.|tfhub\.dev|storage\.googleapis\.com|www\.kaggle\.com)")


class ProjectInvalid(EdgekitError):
    """A generated project failed validation: a bug in edgekit's templates, not the user's input."""

    exit_code = EXIT_INTERNAL


def project(app, contract: ModelContract, binding: dict[str, Any], root: Path, rendered: list[Path]) -> None:
    """Raise ProjectInvalid listing every problem of the staged project at ``root``."""
    problems = [f"unrendered template marker at {where}" for where in leftover_markers(rendered)]
    problems += [f"{p.relative_to(root)} ends in .jinja" for p in root.rglob("*.jinja")]
    for path in root.rglob("*.json"):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            problems.append(f"{path.relative_to(root)} is not valid JSON: {exc}")
    if app.platform.name == "web":
        problems += web(root)
    else:
        from edgekit.scaffold import validate_android

        problems += validate_android.problems(app, contract, binding, root)
    if problems:
        raise ProjectInvalid(f"generated {app.name} project is invalid ({len(problems)} problem(s)): "
                             f"{'; '.join(problems[:5])}; this is a bug in edgekit")


def web(root: Path) -> list[str]:
    """Web checks: exact npm pins, no CDN URLs in sources."""
    problems = []
    manifest = json.loads((root / "package.json").read_text(encoding="utf-8"))
    for section in ("dependencies", "devDependencies"):
        for name, version in manifest.get(section, {}).items():
            if not re.fullmatch(r"\d+\.\d+\.\d+(?:-[\w.]+)?", version):
                problems.append(f"package.json {section} {name} is {version!r}, not an exact version")
    for path in root.rglob("*"):
        if path.suffix in (".ts", ".html", ".js", ".mjs") and "node_modules" not in path.parts:
            match = _CDN.search(path.read_text(encoding="utf-8", errors="replace"))
            if match:
                problems.append(f"{path.relative_to(root)} fetches from {match.group(0)}")
    return problems
