"""The result-document base every command's output shares: bench, convert, and what comes next.

A document is one JSON file (``kind``, ``schema_version``, ``edgekit_version``, ``created``,
``environment``, then the kind's own fields) plus an optional ``.arrays.npz`` sidecar holding
every array it refers to. Subclasses are typed dataclasses that say how their fields become JSON
and arrays (``body`` / ``arrays``) and back (``from_body``); saving, loading, version checks and
the sidecar live here once. ``ResultDocument.load`` reads any kind; ``BenchResult.load`` only
bench documents.
"""

from __future__ import annotations

import abc
import datetime as _dt
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from edgekit import atomic
from edgekit.errors import ResultFormatError
from edgekit.preflight import special_file_kind

__all__ = ["SCHEMA_VERSION", "ResultDocument", "arrays_path_for", "prefixed", "describe_arrays"]

#: Version 2 added ``kind`` to every document; bench documents of version 1 still load. Version 3
#: moved raw latency samples from the JSON into the arrays sidecar (an older edgekit reading one
#: would find no samples, so it must refuse it by version rather than misread it).
SCHEMA_VERSION = 3

_D = TypeVar("_D", bound="ResultDocument")
_KINDS: dict[str, type[ResultDocument]] = {}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat()


def _edgekit_version() -> str:
    from edgekit import __version__

    return __version__


@dataclass(kw_only=True)
class ResultDocument(abc.ABC):
    """Fields every document has; subclasses add their own and name their ``KIND``."""

    #: The ``kind`` field written into the JSON.
    KIND: ClassVar[str] = ""
    #: Schema versions this class can read (older ones are migrated by ``from_body``).
    READS: ClassVar[tuple[int, ...]] = (SCHEMA_VERSION,)

    environment: dict[str, Any]
    created: str = field(default_factory=_now)
    edgekit_version: str = field(default_factory=_edgekit_version)
    schema_version: int = SCHEMA_VERSION

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.KIND:
            _KINDS[cls.KIND] = cls

    @abc.abstractmethod
    def body(self) -> dict[str, Any]:
        """The kind's own JSON fields."""

    def arrays(self) -> dict[str, np.ndarray]:
        """Arrays for the sidecar, by key; none by default."""
        return {}

    @classmethod
    @abc.abstractmethod
    def from_body(cls: type[_D], document: dict[str, Any], arrays: dict[str, np.ndarray]) -> _D:
        """Rebuild from the parsed JSON (header included) and the sidecar's arrays."""

    def header(self) -> dict[str, Any]:
        """The fields every document starts with.

        ``schema_version`` is the layout being written, today's: a document read from an older
        version (kept in ``self.schema_version``) is saved in the current layout.
        """
        return {
            "kind": self.KIND,
            "schema_version": SCHEMA_VERSION,
            "edgekit_version": self.edgekit_version,
            "created": self.created,
            "environment": self.environment,
        }

    @staticmethod
    def header_fields(document: dict[str, Any]) -> dict[str, Any]:
        """The base fields read back from a parsed document, for a subclass's ``from_body``."""
        return {key: document[key] for key in ("environment", "created", "edgekit_version", "schema_version")}

    def to_dict(self) -> dict[str, Any]:
        """The whole JSON document."""
        return {**self.header(), **self.body()}

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the JSON document, and its arrays to the ``.arrays.npz`` beside it; returns the JSON path."""
        target = Path(path)
        document = self.to_dict()
        arrays = self.arrays()
        if arrays:
            atomic.write_npz(arrays_path_for(target), arrays)
            document["arrays_file"] = arrays_path_for(target).name
        atomic.write_text(target, json.dumps(document, indent=2) + "\n")
        return target

    @classmethod
    def load(cls: type[_D], path: str | os.PathLike[str]) -> _D:
        """Read a saved document; refuse, clearly, anything this version cannot read."""
        source = Path(path)
        document = _read_json(source)
        kind = document.get("kind") or "bench"  # bench documents of schema 1 carry no kind
        _import_kinds()
        target = _KINDS.get(kind)
        if target is None:
            raise ResultFormatError(
                source, f"unknown document kind {kind!r}; known: {', '.join(sorted(_KINDS))}"
            )
        if cls.KIND and target is not cls:
            raise ResultFormatError(source, f"is a {kind} document, not a {cls.KIND} document")
        version = document.get("schema_version")
        if version not in target.READS:
            readable = ", ".join(str(v) for v in target.READS)
            raise ResultFormatError(
                source, f"schema_version {version} is not one this edgekit reads ({readable}); "
                        "use the edgekit version that wrote it")
        arrays = _read_arrays(source.parent / str(document.get("arrays_file", arrays_path_for(source).name)))
        try:
            # The document's own kind picks the class (a subclass of cls), which mypy cannot follow.
            return target.from_body(document, arrays)  # type: ignore[return-value]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResultFormatError(source, f"missing or malformed field ({exc})") from exc


#: Modules that define document kinds; imported on load so any kind reads without importing it first.
_KIND_MODULES = ("edgekit.results", "edgekit.convert.result", "edgekit.merge", "edgekit.explain.result",
                 "edgekit.gate.result")


def _import_kinds() -> None:
    import importlib

    for module in _KIND_MODULES:
        importlib.import_module(module)


def arrays_path_for(json_path: str | os.PathLike[str]) -> Path:
    """``r.json`` keeps its arrays in ``r.arrays.npz``."""
    json_path = Path(json_path)
    return json_path.with_name(json_path.stem + ".arrays.npz")


def prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays whose key starts with PREFIX, keyed by the rest."""
    return {key[len(prefix):]: value for key, value in arrays.items() if key.startswith(prefix)}


def describe_arrays(arrays: dict[str, np.ndarray] | None) -> dict[str, Any] | None:
    """Shape and dtype of each array, for the JSON side."""
    if arrays is None:
        return None
    return {name: {"shape": list(a.shape), "dtype": str(a.dtype)} for name, a in arrays.items()}


#: Bytes read to decide whether a file can be a result document before reading it whole.
_HEAD_BYTES = 4096


def _read_json(path: Path) -> dict[str, Any]:
    kind = special_file_kind(path)
    if kind:
        raise ResultFormatError(path, f"is {kind}; pass the .json file bench --json wrote")
    try:
        with open(path, "rb") as stream:  # the first bytes decide: a 3 GB binary is never read whole
            head = stream.read(_HEAD_BYTES).lstrip()
        if head and not head.startswith(b"{"):
            raise ResultFormatError(path, "not JSON (a result document starts with '{'); pass the .json "
                                          "file bench `json` wrote")
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResultFormatError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise ResultFormatError(path, "not JSON (not UTF-8 text)") from exc
    except json.JSONDecodeError as exc:
        raise ResultFormatError(path, f"not JSON (line {exc.lineno}, column {exc.colno})") from exc
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
        raise ResultFormatError(path, f"cannot be read ({why})") from exc
    if not isinstance(document, dict) or "schema_version" not in document:
        raise ResultFormatError(path, "no schema_version: not a document edgekit wrote")
    return document


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        reason = "arrays file unreadable (damaged, or not an .npz); write it again with bench `json`"
        raise ResultFormatError(path, reason) from exc
