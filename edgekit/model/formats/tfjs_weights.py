"""Read a TF.js model's weights from its binary shards, as numpy arrays, without TensorFlow.

``model.json``'s ``weightsManifest`` is a list of groups; each group names its shard files
(``paths``), whose bytes, concatenated, hold the group's weights back to back in manifest order.
A weight is stored in its own ``dtype`` or, when the manifest gives ``quantization``, in the
quantized one: ``float16`` is widened back, ``uint8``/``uint16`` are mapped back with
``value = q * scale + min`` (rounded for an int32 weight), as tfjs-core's ``decodeWeights`` does.
Strings are a 4-byte little-endian length then the bytes, one per element.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.errors import ModelFormatError
from edgekit.files.preflight import memory_budget
from edgekit.model.formats.referenced import referenced_file

__all__ = ["check_manifest", "read_weights"]

_EXPECTED = "a TF.js model whose weight files match its weightsManifest"
#: dtype names in a manifest -> little-endian numpy dtypes as they lie in the shards.
_STORED = {"float32": "<f4", "int32": "<i4", "bool": "|b1", "float16": "<f2", "uint8": "|u1",
           "uint16": "<u2", "int8": "|i1", "int64": "<i8"}


def check_manifest(json_path: Path, manifest: object) -> tuple[Path, ...]:
    """Every shard MANIFEST names, once the manifest is proven to describe them; ModelFormatError if not.

    Checked from the manifest and the files' sizes alone, before a byte of weights is read: groups
    are objects with a ``paths`` list of names and a ``weights`` list of objects (a name, a shape
    of whole numbers 0 or more, a dtype edgekit reads); every shard is a regular file inside the
    model's folder (:func:`~edgekit.model.formats.referenced.referenced_file`); the shards of each
    group hold exactly the bytes its weights declare (at least, with strings, whose length is in
    the data); and all of it fits the memory budget. So a 3 GB shard, or a shape of 2^62, is
    refused by inspect, bench and scaffold alike, and never read.
    """
    groups = manifest if isinstance(manifest, list) else [manifest]
    shards: list[Path] = []
    total = 0
    for number, group in enumerate(groups):
        paths = group.get("paths", []) if isinstance(group, dict) else None
        specs = group.get("weights", []) if isinstance(group, dict) else None
        if not isinstance(paths, list) or not isinstance(specs, list):
            raise ModelFormatError(json_path, f"weightsManifest group {number} is not an object with a "
                                              "'paths' list and a 'weights' list", _EXPECTED)
        files = [referenced_file(json_path, name, "weight file", _EXPECTED) for name in paths]
        held = sum(os.stat(path).st_size for path in files)
        declared, exact = 0, True
        for spec in specs:
            size, fixed = _declared_bytes(spec, json_path)
            declared += size
            exact = exact and fixed
        if held != declared if exact else held < declared:
            names = ", ".join(map(str, paths)) or "no files"
            least = "" if exact else "at least "
            raise ModelFormatError(json_path, f"weight files {names} hold {held:,} bytes, the manifest "
                                              f"describes {least}{declared:,}", _EXPECTED)
        shards += files
        total += held
    budget = memory_budget()
    if total > budget:
        raise ModelFormatError(json_path, f"its weights are {total:,} bytes, above the {budget:,}-byte "
                                          "memory budget (a quarter of the memory available)", _EXPECTED)
    return tuple(shards)


def read_weights(json_path: Path, manifest: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Weight name -> array (in its declared dtype, dequantized), for every weight of MANIFEST.

    The manifest is checked first (:func:`check_manifest`): a shard outside the model's folder, or
    shards shorter or longer than the manifest says, raise ModelFormatError before any is read.
    """
    check_manifest(json_path, manifest)
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        data = b"".join(_shard(json_path, name) for name in group.get("paths", []))
        offset = 0
        for spec in group.get("weights", []):
            array, offset = _decode(spec, data, offset, json_path)
            weights[str(spec["name"])] = array
        if offset != len(data):
            files = ", ".join(group.get("paths", []))
            raise ModelFormatError(json_path, f"weight files {files} hold {len(data)} bytes, the manifest "
                                              f"describes {offset}", _EXPECTED)
    return weights


def _shard(json_path: Path, name: str) -> bytes:
    shard = referenced_file(json_path, name, "weight file", _EXPECTED)
    try:
        return shard.read_bytes()
    except OSError as exc:
        raise ModelFormatError(json_path, f"weight file {name} named in its manifest cannot be read "
                                          f"({exc.strerror or exc})", _EXPECTED) from exc


def _declared_bytes(spec: object, json_path: Path) -> tuple[int, bool]:
    """Bytes weight SPEC takes in its shard, and whether exactly (a string's length is in the data)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise ModelFormatError(json_path, f"weight {str(spec)[:60]!r} in weightsManifest has no name",
                               _EXPECTED)
    name, dtype, shape = spec["name"], spec.get("dtype"), spec.get("shape", [])
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        raise ModelFormatError(json_path, f"weight {name!r} has shape {str(shape)[:60]}, not a list of "
                                          "whole numbers 0 or more", _EXPECTED)
    count = math.prod(shape)
    if dtype == "string":
        return 4 * count, False
    quantization = spec.get("quantization") or {}
    stored = quantization.get("dtype", dtype) if isinstance(quantization, dict) else None
    if stored not in _STORED or dtype not in _STORED:
        raise ModelFormatError(json_path, f"weight {name!r} is stored as {stored}, which edgekit cannot "
                                          "read (float32, int32, bool, string; float16/uint8/uint16 "
                                          "quantized)", _EXPECTED)
    return count * np.dtype(_STORED[str(stored)]).itemsize, True


def _decode(spec: Mapping[str, Any], data: bytes, offset: int, json_path: Path) -> tuple[np.ndarray, int]:
    name, dtype = str(spec.get("name")), str(spec.get("dtype"))
    shape = tuple(int(d) for d in spec.get("shape", []))
    count = math.prod(shape)
    if dtype == "string":
        return _strings(name, shape, count, data, offset, json_path)
    quantization = spec.get("quantization") or {}
    stored = str(quantization.get("dtype", dtype))
    if stored not in _STORED or dtype not in _STORED:
        raise ModelFormatError(json_path, f"weight {name!r} is stored as {stored}, which edgekit cannot "
                                          "read (float32, int32, bool, string; float16/uint8/uint16 "
                                          "quantized)", _EXPECTED)
    size = count * np.dtype(_STORED[stored]).itemsize
    if offset + size > len(data):
        raise ModelFormatError(json_path, f"weight {name!r} runs past the end of its weight files", _EXPECTED)
    raw = np.frombuffer(data, _STORED[stored], count, offset).reshape(shape)
    return _dequantize(raw, dtype, stored, quantization, name, json_path), offset + size


def _dequantize(raw: np.ndarray, dtype: str, stored: str, quantization: Mapping[str, Any], name: str,
                json_path: Path) -> np.ndarray:
    target = np.dtype(_STORED[dtype]).newbyteorder("=")
    if stored == dtype:
        return raw.astype(target)
    if stored == "float16":
        return raw.astype(target)
    if stored in ("uint8", "uint16"):
        if "scale" not in quantization or "min" not in quantization:
            raise ModelFormatError(json_path, f"weight {name!r} is {stored}-quantized without scale and min",
                                   _EXPECTED)
        values = raw.astype(np.float32) * np.float32(quantization["scale"]) + np.float32(quantization["min"])
        return (np.round(values) if target.kind in "iu" else values).astype(target)
    raise ModelFormatError(json_path, f"weight {name!r}: {dtype} stored as {stored} is not a TF.js "
                                      "quantization", _EXPECTED)


def _strings(name: str, shape: tuple[int, ...], count: int, data: bytes, offset: int,
             json_path: Path) -> tuple[np.ndarray, int]:
    values: list[bytes] = []
    for _ in range(count):
        if offset + 4 > len(data):
            raise ModelFormatError(json_path, f"weight {name!r} runs past the end of its weight files",
                                   _EXPECTED)
        length = int.from_bytes(data[offset:offset + 4], "little")
        values.append(data[offset + 4:offset + 4 + length])
        offset += 4 + length
    if offset > len(data):
        raise ModelFormatError(json_path, f"weight {name!r} runs past the end of its weight files", _EXPECTED)
    return np.array(values, dtype=object).reshape(shape), offset
