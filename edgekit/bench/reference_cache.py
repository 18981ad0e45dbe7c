"""Reference outputs kept between benches, so an unchanged model on unchanged inputs is not run on
reference kernels again (cpu-ref on pose-landmark-full costs a quarter of a second per input set).

An entry is one ``.npz`` in :func:`cache_folder` named by the SHA-256 of its key:

- the SHA-256 of the model the reference runs (the bench's own file, or ``--reference``'s);
- the SHA-256 of the input sets it is fed (every array's name, dtype, shape and bytes, in order);
- what computes it: the reference kind and delegate (``cpu-ref``, ``cpu``, ``tf-ref``), the signature,
  and the versions of edgekit, the runtime (ai-edge-litert; TensorFlow for ``tf-ref``) and numpy,
  with the CPU model and architecture (XNNPACK, the fallback reference, picks kernels per CPU).

An entry holds its key and a digest of its arrays beside them. A read is bounded like every array
file edgekit reads (:func:`edgekit.files.npz_reader.read_npz`) and re-checks the key, the digest
and the shape of what it holds; an entry that fails any check is a miss, never trusted: the bench
runs the reference and writes the entry again. Entries are written atomically, so concurrent
benches of one model never see half of one. The folder is bounded: past MAX_BYTES the entries used
least recently are deleted. The cache protects against stale and damaged entries,
not against someone who may write the cache folder: they could as well replace the zoo's models
beside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.files import atomic
from edgekit.files.npz_reader import ArraysRefused, read_npz
from edgekit.system.environment import cpu_model, package_version
from edgekit.version import __version__
from edgekit.zoo.cache import cache_dir

__all__ = ["ENV_VAR", "CachedOutputs", "ReferenceKey", "cache_folder", "inputs_digest", "load", "store"]

#: Overrides where entries are kept (default: ``references`` in the zoo's cache folder).
ENV_VAR = "EDGEKIT_REFERENCE_CACHE_DIR"
#: Bumped when an entry's layout or what its outputs mean changes: older entries then miss.
FORMAT = 1
#: The most the folder keeps; beyond it the least recently used entries go (pose-landmark-full's
#: eleven input sets make a 10 MB entry).
MAX_BYTES = 1 << 30
_KEY_MEMBER = "__key__"
_DIGEST_MEMBER = "__digest__"


@dataclass(frozen=True)
class ReferenceKey:
    """Everything reference outputs depend on; equal keys mean the same outputs."""

    model_sha256: str
    inputs_sha256: str
    kind: str
    delegate: str
    signature: str | None
    versions: tuple[tuple[str, str | None], ...]

    def fields(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model_sha256": self.model_sha256,
            "inputs_sha256": self.inputs_sha256,
            "kind": self.kind,
            "delegate": self.delegate,
            "signature": self.signature,
            "versions": dict(self.versions),
        }

    @property
    def text(self) -> str:
        return json.dumps(self.fields(), sort_keys=True, separators=(",", ":"))

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @classmethod
    def of(cls, model_sha256: str, input_sets: Sequence[Mapping[str, np.ndarray]], kind: str, delegate: str,
           signature: str | None) -> ReferenceKey:
        """The key of DELEGATE's outputs for the model with MODEL_SHA256 on INPUT_SETS, on this machine."""
        versions: dict[str, str | None] = {
            "edgekit": __version__,
            "numpy": np.__version__,
            "cpu": cpu_model(),
            "machine": platform.machine(),
        }
        if delegate == "tf-ref":
            versions["tensorflow"] = package_version("tensorflow") or package_version("tensorflow-cpu")
        else:
            versions["ai-edge-litert"] = package_version("ai-edge-litert")
        return cls(model_sha256, inputs_digest(input_sets), kind, delegate, signature,
                   tuple(sorted(versions.items())))


@dataclass(frozen=True)
class CachedOutputs:
    """Reference outputs read back from the cache: one mapping per input set, in order."""

    path: Path
    sets: tuple[dict[str, np.ndarray], ...]


def cache_folder() -> Path:
    """``$EDGEKIT_REFERENCE_CACHE_DIR``, else ``references`` in the zoo's cache folder; absolute."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().absolute()
    return cache_dir() / "references"


def inputs_digest(input_sets: Sequence[Mapping[str, np.ndarray]]) -> str:
    """SHA-256 of every set's arrays (name, dtype, shape, bytes), sets in order, names sorted."""
    digest = hashlib.sha256(f"sets {len(input_sets)}\n".encode())
    for index, arrays in enumerate(input_sets):
        _update(digest, {f"{index}/{name}": arrays[name] for name in sorted(arrays)})
    return digest.hexdigest()


def load(key: ReferenceKey, set_count: int) -> tuple[CachedOutputs | None, str]:
    """The entry for KEY when it exists and every check holds; else (None, why it was not used).

    The reason is empty for a plain miss (no entry), and says what failed for an entry that exists.
    """
    path = cache_folder() / f"{key.digest}.npz"
    if not path.is_file():
        return None, ""
    try:
        arrays = read_npz(path)
    except ArraysRefused as exc:
        return None, exc.reason
    stored_key = _text(arrays.pop(_KEY_MEMBER, None))
    stored_digest = _text(arrays.pop(_DIGEST_MEMBER, None))
    if stored_key != key.text:
        return None, "it was made for another model, inputs or runtime"
    if stored_digest != _arrays_digest(arrays):
        return None, "its arrays do not match the digest stored with them (damaged or edited)"
    sets = _split(arrays)
    if sets is None or len(sets) != set_count or any(set(s) != set(sets[0]) or not s for s in sets):
        return None, f"it does not hold one set of outputs for each of the {set_count} input sets"
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return CachedOutputs(path, sets), ""


def store(key: ReferenceKey, outputs: Sequence[Mapping[str, np.ndarray]]) -> Path:
    """Write the entry for KEY (one mapping of outputs per input set); OSError when it cannot be."""
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {f"{index}/{name}": np.ascontiguousarray(value)
              for index, named in enumerate(outputs) for name, value in named.items()}
    members: dict[str, np.ndarray] = {
        **arrays,
        _KEY_MEMBER: _bytes_array(key.text),
        _DIGEST_MEMBER: _bytes_array(_arrays_digest(arrays)),
    }
    path = atomic.write_npz(folder / f"{key.digest}.npz", members, compressed=False)
    _prune(folder, MAX_BYTES)
    return path


def _prune(folder: Path, limit: int) -> None:
    """Delete the least recently used entries while the folder's entries exceed LIMIT bytes."""
    entries = []
    for entry in folder.glob("*.npz"):
        with contextlib.suppress(OSError):
            stat = entry.stat()
            entries.append((stat.st_mtime_ns, stat.st_size, entry))
    total = sum(size for _, size, _ in entries)
    for _, size, entry in sorted(entries):
        if total <= limit:
            break
        with contextlib.suppress(OSError):
            entry.unlink()
            total -= size


def _arrays_digest(arrays: Mapping[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    _update(digest, {name: arrays[name] for name in sorted(arrays)})
    return digest.hexdigest()


def _update(digest: Any, arrays: Mapping[str, np.ndarray]) -> None:
    for name, value in arrays.items():
        array = np.ascontiguousarray(value)
        header = json.dumps([name, array.dtype.str, list(array.shape)])
        digest.update(f"{len(header)}:{header}".encode())
        digest.update(array.tobytes())


def _split(arrays: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], ...] | None:
    """``{"0/a": x, "1/a": y}`` -> ``({"a": x}, {"a": y})``; None when a key is not ``<set>/<name>``."""
    sets: dict[int, dict[str, np.ndarray]] = {}
    for key, value in arrays.items():
        index, _, name = key.partition("/")
        if not (index.isascii() and index.isdigit()) or not name:
            return None
        sets.setdefault(int(index), {})[name] = value
    if sorted(sets) != list(range(len(sets))):
        return None
    return tuple(sets[k] for k in range(len(sets)))


def _bytes_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _text(array: np.ndarray | None) -> str | None:
    if array is None or array.dtype != np.uint8 or array.ndim != 1:
        return None
    try:
        return array.tobytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
