"""Field types of JSON read from data, declared once per document kind and checked on load.

A document edited by hand or by an attacker can hold ``"environment": null`` or
``"kind": ["bench"]``; code that trusts the field fails far away, as an internal error. Each kind
declares what its fields hold, in a small notation, and :func:`check_fields` refuses a document
that differs, naming the field:

- ``"object"``, ``"array"``, ``"string"``, ``"integer"``, ``"number"``, ``"boolean"``, ``"null"``;
- ``"array<string>"``: an array whose items all have that type;
- ``"object|null"``: either; a trailing ``?`` (``"string?"``): the field may be absent;
- :func:`items` and :func:`table` for arrays of objects and objects with declared fields.

``true`` is not an integer here, although Python says ``True == 1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FieldTypeError", "Fields", "Spec", "check_fields", "items", "table"]

_TYPES: dict[str, str] = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


class FieldTypeError(ValueError):
    """A field of the wrong type, or missing; the message names it (``runs[2].memory``)."""


@dataclass(frozen=True)
class Spec:
    """What one field may hold: its types, whether it may be absent, and what its items hold."""

    types: tuple[str, ...]
    optional: bool = False
    #: For an array: each item's spec; for an object: its declared fields.
    inner: Spec | Fields | None = field(default=None)


Fields = Mapping[str, str | Spec]


def items(fields: Fields, *, optional: bool = False) -> Spec:
    """An array of objects, each with FIELDS."""
    return Spec(("array",), optional, Spec(("object",), inner=fields))


def table(fields: Fields, *, optional: bool = False, nullable: bool = False) -> Spec:
    """An object with FIELDS (``null`` too, with NULLABLE)."""
    return Spec(("object", "null") if nullable else ("object",), optional, fields)


def check_fields(document: Mapping[str, Any], fields: Fields, where: str = "") -> None:
    """FieldTypeError naming the first field of DOCUMENT that FIELDS does not allow."""
    for name, declared in fields.items():
        spec = _spec(declared)
        path = f"{where}.{name}" if where else name
        if name not in document:
            if not spec.optional:
                raise FieldTypeError(f"field {path} is missing")
            continue
        _check_value(document[name], spec, path)


def _check_value(value: Any, spec: Spec, path: str) -> None:
    kind = _kind(value)
    if kind not in spec.types and not (kind == "integer" and "number" in spec.types):
        wanted = " or ".join(_TYPES[name] for name in spec.types)
        raise FieldTypeError(f"field {path} is {_TYPES.get(kind, kind)} where {wanted} is expected")
    if spec.inner is None or value is None:
        return
    if kind == "array":
        inner = spec.inner if isinstance(spec.inner, Spec) else Spec(("object",), inner=spec.inner)
        for index, item in enumerate(value):
            _check_value(item, inner, f"{path}[{index}]")
    elif kind == "object" and not isinstance(spec.inner, Spec):
        check_fields(value, spec.inner, path)


def _spec(declared: str | Spec) -> Spec:
    if isinstance(declared, Spec):
        return declared
    optional = declared.endswith("?")
    types: list[str] = []
    inner = None
    for name in declared.rstrip("?").split("|"):
        if name.startswith("array<") and name.endswith(">"):
            types.append("array")
            inner = Spec((name[len("array<") : -1],))
        else:
            types.append(name)
    unknown = [name for name in [*types, *(inner.types if inner else ())] if name not in _TYPES]
    if unknown:
        raise ValueError(f"unknown field type {unknown[0]!r} in {declared!r}")
    return Spec(tuple(types), optional, inner)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
