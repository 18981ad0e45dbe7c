"""Install, build and test a generated web project the way its README says: npm, Vite, Playwright.

Everything runs offline against npm's cache (``--prefer-offline``) and the system Chromium; no
browser is downloaded. A failing step raises AssertionError carrying the tail of its output.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
LATENCY_PREFIX = "EDGEKIT_LATENCY "
_TAIL = 4000

__all__ = ["CompletedRun", "run_web_project", "parse_latencies", "web_tools_missing", "ARTIFACTS"]


@dataclass
class CompletedRun:
    """What ``npx playwright test`` printed, and the latency lines the parity specs emit."""

    output: str
    latencies: list[dict] = field(default_factory=list)

    def latency(self, backend: str) -> dict:
        """The EDGEKIT_LATENCY record of ``backend``."""
        found = [entry for entry in self.latencies if entry.get("backend") == backend]
        if not found:
            raise AssertionError(
                f"no EDGEKIT_LATENCY line for backend {backend!r} in:\n{self.output[-_TAIL:]}"
            )
        return found[0]


def web_tools_missing() -> str | None:
    """Why generated web projects cannot be run here (no npm, no Chromium), or None."""
    if shutil.which("npm") is None or shutil.which("npx") is None:
        return "npm is not installed"
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(chromium).exists():
        return f"no Chromium at {chromium} (set CHROMIUM_PATH)"
    return None


def run_web_project(project_dir: Path, screenshot: Path | None = None, projects: tuple[str, ...] = (),
                    *, install: bool = True, build: bool = True, timeout: float = 900) -> CompletedRun:
    """``npm install``, ``npm run build`` and ``npx playwright test`` in ``project_dir``.

    ``screenshot``: a folder the parity specs save ``<app>-<backend>.png`` into. ``projects``: the
    Playwright projects (backends) to run; all of them when empty. ``install``/``build`` False skip
    those steps for a project already installed and built (the specs read public/golden from disk).
    """
    env = {**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1", "PORT": str(_free_port()), "CI": "1"}
    env.pop("NODE_OPTIONS", None)
    if screenshot is not None:
        screenshot.mkdir(parents=True, exist_ok=True)
        env["EDGEKIT_SCREENSHOT_DIR"] = str(screenshot)
    if install:
        _step(project_dir, ["npm", "install", "--no-audit", "--no-fund", "--prefer-offline"], env, timeout)
    if build:
        _step(project_dir, ["npm", "run", "build"], env, timeout)
    command = ["npx", "playwright", "test", *(f"--project={name}" for name in projects)]
    output = _step(project_dir, command, env, timeout)
    return CompletedRun(output=output, latencies=parse_latencies(output))


def parse_latencies(output: str) -> list[dict]:
    """Every ``EDGEKIT_LATENCY {json}`` line of ``output``, parsed."""
    return [
        json.loads(line.split(LATENCY_PREFIX, 1)[1]) for line in output.splitlines() if LATENCY_PREFIX in line
    ]


def _step(cwd: Path, command: list[str], env: dict[str, str], timeout: float) -> str:
    try:
        done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout or ""
        tail = (partial.decode(errors="replace") if isinstance(partial, bytes) else partial)[-_TAIL:]
        raise AssertionError(
            f"`{' '.join(command)}` in {cwd} did not finish in {timeout:.0f} s:\n{tail}"
        ) from exc
    if done.returncode != 0:
        raise AssertionError(
            f"`{' '.join(command)}` in {cwd} exited {done.returncode}:\n{done.stdout[-_TAIL:]}"
        )
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
