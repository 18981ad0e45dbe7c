"""The result-document base every command's output shares: bench, convert, and what comes next.

A document is one JSON file (``kind``, ``schema_version``, ``edgekit_version``, ``created``,
``environment``, then the kind's own fields) plus an optional ``.arrays.npz`` sidecar holding
every array it refers to. Subclasses are typed dataclasses that say how their fields become JSON
and arrays (``body`` / ``arrays``) and back (``from_body``); saving, loading, version checks and
the sidecar live here once. ``BenchResult.load`` reads bench documents, ``GateResult.load`` gate
documents, and so on; reading a document of any kind needs the table of every kind, which sits on
the floor that may import them all: ``edgekit.load_document`` (:mod:`edgekit.report.kinds`).

A document is data, not trusted: it is read through edgekit's bounded readers (a size limit, a
nesting limit, the sidecar's declared arrays against the memory budget) and every field the
header and the kind declare (``FIELDS``, in :mod:`edgekit.files.json_fields`' notation) is type-checked
before any code uses it.
"""

from __future__ import annotations

import abc
import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from edgekit.errors import ResultFormatError, UsageError
from edgekit.files import atomic
from edgekit.files.bounded_parse import ParseRefused, parse_json
from edgekit.files.json_fields import Fields, FieldTypeError, check_fields, table
from edgekit.files.npz_reader import ArraysRefused, read_npz
from edgekit.files.preflight import InputRefused, read_input
from edgekit.version import __version__

__all__ = [
    "ENVIRONMENT_FIELDS",
    "HEADER_FIELDS",
    "MAX_DOCUMENT_BYTES",
    "SCHEMA_VERSION",
    "ResultDocument",
    "arrays_path_for",
    "document_kind",
    "prefixed",
    "describe_arrays",
    "read_document_json",
]

#: Version 2 added ``kind`` to every document; bench documents of version 1 still load. Version 3
#: moved raw latency samples from the JSON into the arrays sidecar (an older edgekit reading one
#: would find no samples, so it must refuse it by version rather than misread it).
SCHEMA_VERSION = 3

_D = TypeVar("_D", bound="ResultDocument")
#: What reports, merges and the gate read from ``environment`` (other fields are shown as they are).
ENVIRONMENT_FIELDS: Fields = {
    "device": "string?",
    "hostname": "string|null?",
    "cpu_model": "string|null?",
    "machine": "string|null?",
    "os": "string|null?",
    "python": "string|null?",
    "logical_cores": "integer|null?",
    "usable_cores": "integer|null?",
    "threads_used": "array<integer>|null?",
    "load_average_at_start": "array<number>|null?",
    "runtime": "object|null?",
}
#: The fields every document starts with (``kind`` is absent from bench documents of schema 1).
HEADER_FIELDS: Fields = {
    "kind": "string?",
    "schema_version": "integer",
    "edgekit_version": "string",
    "created": "string",
    "environment": table(ENVIRONMENT_FIELDS),
    "arrays_file": "string?",
}
#: The largest JSON document read: a long bench of schema 1 kept every sample inline (about 20 MB).
MAX_DOCUMENT_BYTES = 256 << 20


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat()


def _edgekit_version() -> str:
    return __version__


@dataclass(kw_only=True)
class ResultDocument(abc.ABC):
    """Fields every document has; subclasses add their own and name their ``KIND``."""

    #: The ``kind`` field written into the JSON.
    KIND: ClassVar[str] = ""
    #: Schema versions this class can read (older ones are migrated by ``from_body``).
    READS: ClassVar[tuple[int, ...]] = (SCHEMA_VERSION,)
    #: The kind's own JSON fields and their types, checked before ``from_body`` sees them.
    FIELDS: ClassVar[Fields] = {}

    environment: dict[str, Any]
    created: str = field(default_factory=_now)
    edgekit_version: str = field(default_factory=_edgekit_version)
    schema_version: int = SCHEMA_VERSION

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
        """Read a saved document of this class's kind; refuse, clearly, anything this version cannot read.

        On ``ResultDocument`` itself this is a UsageError: which class reads a document depends on
        its kind, and the table of kinds lives above this floor (``edgekit.load_document``).
        """
        if not cls.KIND:
            raise UsageError(
                "path",
                f"{cls.__name__}.load reads the kind of the class it is called on (BenchResult.load, "
                "GateResult.load, ...); use edgekit.load_document(path) to read a document of any kind",
            )
        source = Path(path)
        document = read_document_json(source)
        kind = document_kind(source, document, f"{cls.__name__}.load reads {cls.KIND} documents")
        if kind != cls.KIND:
            raise ResultFormatError(source, f"is a {kind!r} document, not a {cls.KIND} document")
        return cls.from_document(source, document)

    @classmethod
    def from_document(cls: type[_D], source: Path, document: dict[str, Any]) -> _D:
        """The document SOURCE holds, parsed as DOCUMENT (its kind already matched to this class).

        Checks the schema version and every declared field, then reads the arrays sidecar.
        """
        version = document.get("schema_version")
        if isinstance(version, bool) or version not in cls.READS:
            readable = ", ".join(str(v) for v in cls.READS)
            raise ResultFormatError(
                source, f"schema_version {json.dumps(version)[:40]} is not one this edgekit reads "
                        f"({readable}); use the edgekit version that wrote it")
        try:
            check_fields(document, {**HEADER_FIELDS, **cls.FIELDS})
        except FieldTypeError as exc:
            raise ResultFormatError(source, f"{exc}; it is damaged or not written by edgekit") from None
        arrays = _read_arrays(_sidecar(source, document.get("arrays_file")))
        try:
            return cls.from_body(document, arrays)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResultFormatError(source, f"missing or malformed field ({exc})") from exc


def document_kind(source: Path, document: dict[str, Any], readable: str) -> str:
    """The ``kind`` of parsed DOCUMENT (``bench`` when absent: bench documents of schema 1 carry none).

    A kind that is not a string is refused; READABLE says what the caller reads instead.
    """
    kind = document["kind"] if "kind" in document else "bench"
    if not isinstance(kind, str):
        raise ResultFormatError(source, f"unknown document kind {json.dumps(kind)[:80]}; {readable}")
    return kind


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


def read_document_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed JSON of result document PATH, through the bounded readers; ResultFormatError if not.

    Refused by type (a FIFO, device or directory is never read), by size (``MAX_DOCUMENT_BYTES``)
    and by nesting depth, before the JSON parser sees it.
    """
    source = Path(path)
    try:
        data = read_input(source, MAX_DOCUMENT_BYTES)
    except InputRefused as exc:
        hint = "" if exc.reason == "does not exist" else "; pass the .json file bench `json` wrote"
        raise ResultFormatError(source, exc.reason + hint) from None
    head = data[:4096].lstrip()  # the first bytes decide: a binary is refused before it is parsed
    if head and not head.startswith(b"{"):
        raise ResultFormatError(source, "not JSON (a result document starts with '{'); pass the .json "
                                        "file bench `json` wrote")
    try:
        document = parse_json(data)
    except ParseRefused as exc:
        raise ResultFormatError(source, exc.reason) from None
    if not isinstance(document, dict) or "schema_version" not in document:
        raise ResultFormatError(source, "no schema_version: not a document edgekit wrote")
    return document


def _sidecar(source: Path, named: str | None) -> Path:
    """The arrays file beside SOURCE: the name the document gives, which must stay in its folder."""
    if named is None:
        return arrays_path_for(source)
    if not named or named in (".", "..") or Path(named).name != named or "\\" in named:
        raise ResultFormatError(source, f"arrays_file {named!r} is not a file name beside the document")
    return source.parent / named


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    try:
        return read_npz(path)
    except ArraysRefused as exc:
        why = "" if exc.pickled else "; write it again with bench `json`"
        raise ResultFormatError(path, f"arrays file refused: {exc.reason}{why}") from None
