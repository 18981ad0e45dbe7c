"""The TF.js converter (export to TF.js), in an environment of its own.

`tensorflowjs` pins an older TensorFlow family than edgekit's (see data/tfjs_tools.json), so the two
cannot share one environment. edgekit keeps a virtual environment for it in its cache, created on
request by `edgekit tools install tfjs`, and runs `tensorflowjs_converter` from there; one already
on PATH is used as is. Reading TF.js graph models needs none of this
(``edgekit.sources.tfjs_graph_import``). ``$EDGEKIT_TFJS_TOOLS_DIR`` moves the environment.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import venv
from collections.abc import Callable
from pathlib import Path

from edgekit.errors import ToolInstallError, ToolMissing, ToolNotStarted, ToolTimeout
from edgekit.files import atomic
from edgekit.files.datafiles import load_json
from edgekit.files.preflight import check_writable_cache
from edgekit.system.tools import run_tool

__all__ = ["converter", "install", "environment_dir", "pins", "INSTALL_TIMEOUT_S"]

#: The name the tool set has in messages and on the command line (`edgekit tools install tfjs`).
TOOL_SET = "the TF.js converters (tfjs)"
#: How long each pip step of `edgekit tools install tfjs` may take (the environment is a few GB).
INSTALL_TIMEOUT_S = 1800.0
INSTALL_HINT = "run `edgekit tools install tfjs` once (a separate environment, about {size})"


def _spec() -> dict:
    return load_json("edgekit", "data/tfjs_tools.json")


def pins() -> list[str]:
    return list(_spec()["pins"])


def environment_dir() -> Path:
    """``$EDGEKIT_TFJS_TOOLS_DIR``, else ``tools/tfjs-venv`` in edgekit's cache."""
    override = os.environ.get("EDGEKIT_TFJS_TOOLS_DIR")
    if override:
        return Path(override)
    from edgekit.zoo import cache_dir

    return cache_dir() / "tools" / "tfjs-venv"


def converter(name: str, purpose: str) -> str:
    """Path of the converter NAME (`tensorflowjs_converter`): on PATH, else in edgekit's environment."""
    found = shutil.which(name)
    if found:
        return found
    candidate = environment_dir() / "bin" / name
    if candidate.is_file() and _installed(environment_dir() / "edgekit-pins.json"):
        return str(candidate)
    raise ToolMissing(name, purpose, INSTALL_HINT.format(size=_spec()["approximate_size"]))


def install(*, force: bool = False, log: Callable[[str], None] | None = None,
            timeout_s: float = INSTALL_TIMEOUT_S) -> Path:
    """Create the converters' environment in the cache (pinned set); returns its directory.

    Each pip step (bootstrapping pip, installing the pins) may take at most ``timeout_s`` seconds
    (finite, at most a day: :func:`edgekit.bench.options.check_seconds`); a failure or timeout
    raises ToolInstallError.
    """
    from edgekit.bench.options import check_seconds

    timeout_s = check_seconds("timeout_s", timeout_s, positive=True) or INSTALL_TIMEOUT_S
    say = log or (lambda message: None)
    target = environment_dir()
    marker = target / "edgekit-pins.json"
    if not force and _installed(marker):
        say(f"TF.js converters already installed in {target}")
        return target
    check_writable_cache(target.parent)
    # Built in place; the marker is written last, so an interrupted install is redone, never used.
    marker.unlink(missing_ok=True)
    say(f"creating {target} (a virtual environment for {', '.join(pins())}); this takes a minute or two")
    # pip is bootstrapped by a step of our own rather than by venv, which runs ensurepip with no time limit.
    venv.EnvBuilder(with_pip=False, clear=True).create(target)
    python = str(target / "bin" / "python")
    _pip_step([python, "-m", "ensurepip", "--upgrade", "--default-pip"], "bootstrapping pip", timeout_s)
    _pip_step([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
               "--only-binary=:all:", *pins()], "installing the TF.js converters", timeout_s)
    atomic.write_text(marker, json.dumps(pins()))
    say(f"TF.js converters installed in {target}")
    return target


def _installed(marker: Path) -> bool:
    """Whether the environment's marker lists every pin (an older set with extra tools still serves)."""
    try:
        installed = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(installed, list) and set(pins()) <= set(installed)


def _pip_step(command: list[str], what: str, timeout_s: float) -> None:
    try:
        run_tool(command, timeout_s=timeout_s,
                 failure=lambda reason: ToolInstallError(TOOL_SET, f"{what} failed: {reason}"))
    except ToolTimeout as exc:  # an install that failed, like any other: the install's error and exit code
        raise ToolInstallError(TOOL_SET, f"{what} took longer than {timeout_s:g} s; check access to the "
                                         "package index pip uses, or pass a longer --timeout") from exc
    except ToolNotStarted as exc:
        raise ToolInstallError(TOOL_SET, f"{what}: {exc.tool} could not start ({exc.reason})") from exc


if __name__ == "__main__":  # pragma: no cover - convenience for maintainers
    install(log=lambda message: print(message, file=sys.stderr))
