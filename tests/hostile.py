"""Hostile files for the bad-input contract, built by the tests themselves (no blobs committed).

Flatbuffer field edits go through LiteRT's own schema object API on small models; byte damage
(truncations, bit flips) is seeded, so a failing case can be rebuilt from its name.
"""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import flatbuffers
from ai_edge_litert import schema_py_generated as schema

__all__ = ["edit_model", "field_edits", "damaged_copies", "special_files"]


def edit_model(data: bytes, change: Callable[[schema.ModelT], None]) -> bytes:
    """DATA unpacked with the object API, changed by CHANGE, packed again."""
    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    change(model)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _set(attribute: str, value: object) -> Callable[[schema.ModelT], None]:
    def change(model: schema.ModelT) -> None:
        setattr(model, attribute, value)

    return change


def _first_tensor(**fields: object) -> Callable[[schema.ModelT], None]:
    def change(model: schema.ModelT) -> None:
        for name, value in fields.items():
            setattr(model.subgraphs[0].tensors[0], name, value)

    return change


def _graph(**fields: object) -> Callable[[schema.ModelT], None]:
    def change(model: schema.ModelT) -> None:
        for name, value in fields.items():
            setattr(model.subgraphs[0], name, value)

    return change


def _opcode(**fields: object) -> Callable[[schema.ModelT], None]:
    def change(model: schema.ModelT) -> None:
        for name, value in fields.items():
            setattr(model.operatorCodes[0], name, value)

    return change


def field_edits() -> dict[str, Callable[[schema.ModelT], None]]:
    """Named edits that each make a model impossible or suspicious in one field."""
    return {
        "schema-version-99": _set("version", 99),
        "schema-version-0": _set("version", 0),
        "schema-version-2": _set("version", 2),
        "no-subgraphs": _set("subgraphs", []),
        "no-buffers": _set("buffers", []),
        "no-opcodes": _set("operatorCodes", []),
        "zero-operators": _graph(operators=[]),
        "zero-inputs": _graph(inputs=[]),
        "zero-outputs": _graph(outputs=[]),
        "input-index-out-of-range": _graph(inputs=[999]),
        "output-index-negative": _graph(outputs=[-5]),
        "negative-dim": _first_tensor(shape=[-3, 8]),
        "minus-one-in-shape": _first_tensor(shape=[-1, 8]),
        "minus-two-in-signature": _first_tensor(shapeSignature=[-2, 8]),
        "huge-dim": _first_tensor(shape=[1, 2**31 - 1]),
        "huge-static-input": _first_tensor(shape=[1, 100000, 100000, 3]),
        "zero-dim": _first_tensor(shape=[0, 8]),
        "rank-mismatch": _first_tensor(shape=[1, 8, 1, 1, 1, 1, 1]),
        "unknown-dtype": _first_tensor(type=120),
        "string-dtype": _first_tensor(type=schema.TensorType.STRING),
        "int32-dtype": _first_tensor(type=schema.TensorType.INT32),
        "buffer-out-of-range": _first_tensor(buffer=9999),
        "unknown-builtin": _opcode(builtinCode=9999, deprecatedBuiltinCode=127),
        "custom-op-no-name": _opcode(builtinCode=schema.BuiltinOperator.CUSTOM,
                                     deprecatedBuiltinCode=schema.BuiltinOperator.CUSTOM),
        "opcode-version-999": _opcode(version=999),
        "bad-utf8-name": _first_tensor(name=b"\xff\xfe\xfd"),
        "empty-name": _first_tensor(name=""),
    }


def damaged_copies(data: bytes, seed: int, flips: int, cuts: int) -> Iterator[tuple[str, bytes]]:
    """Seeded truncations and bit flips of DATA; flips hit the header and the bytes after the weights."""
    rng = random.Random(seed)
    for i in range(cuts):
        keep = rng.randrange(0, len(data))
        yield f"cut{i}@{keep}", data[:keep]
    # The last quarter holds the tables (converters write weights first), the first 32 bytes the header.
    tables = range(len(data) * 3 // 4, len(data))
    for i in range(flips):
        where = rng.randrange(0, 32) if i % 3 == 0 else rng.choice(tables)
        damaged = bytearray(data)
        damaged[where] ^= 1 << rng.randrange(8)
        yield f"flip{i}@{where}", bytes(damaged)


def special_files(folder: Path) -> dict[str, Path]:
    """A FIFO, a device, a directory, a socket, a symlink loop and a dangling link, by name."""
    files: dict[str, Path] = {}
    fifo = folder / "fifo" / "model.tflite"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    files["fifo"] = fifo
    files["dev-zero"] = Path("/dev/zero")
    files["dev-null"] = Path("/dev/null")
    directory = folder / "dir.tflite"
    directory.mkdir()
    files["directory"] = directory
    sock_path = folder / "sock.tflite"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    server.close()  # the socket file stays
    files["socket"] = sock_path
    loop = folder / "loop.tflite"
    loop.symlink_to(folder / "loop2.tflite")
    (folder / "loop2.tflite").symlink_to(loop)
    files["symlink-loop"] = loop
    dangling = folder / "dangling.tflite"
    dangling.symlink_to(folder / "nowhere.tflite")
    files["dangling-link"] = dangling
    return files
