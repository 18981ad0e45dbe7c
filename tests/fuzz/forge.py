"""Hostile data files for the fuzz corpus, forged byte by byte (no blobs committed).

``.npz`` archives whose ``.npy`` headers lie about their arrays (sizes, dtypes, byte orders,
versions, Python expressions), JSON and TOML nested past any sane depth, special files (FIFOs,
sparse giants) and the names a pull request could choose for files, labels and hosts.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import numpy as np

__all__ = [
    "HOSTILE_NAMES",
    "FILE_NAMES",
    "npy",
    "npy_header",
    "raw_npy_header",
    "write_npz",
    "forged_npz_members",
    "sparse_file",
    "deep",
    "fifo",
]

#: Labels, host names and variant names a pull request could choose: markup, template code,
#: line and cell breaks, control and bidi characters, an option look-alike, an empty string,
#: a long one.
HOSTILE_NAMES = [
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(2)>",
    "</style></title><svg onload=alert(3)>",
    "a${globalThis.PWNED=1}b`",
    "line\nbreak\r## heading",
    "| cell | [link](javascript:alert(4)) ![i](http://x/y.png)",
    "ctrl\x01\x1b[2J\x7f bidi\u202e zero\u200b sep\u2028\u2029 end",
    "--output=/tmp/x",
    "",
    " ",
    "x" * 20_000,
    "::error::forged workflow command",
    "&lt;script&gt;&#x3c;b&#62;",
    "\U0001f600 emoji and \u00e9",
    "invalid utf-8 \udcff byte (as argv decodes it)",
]

#: Model file names (without the suffix) for scaffold: everything a file name may hold that a
#: template or a shell could take for code, plus names at the edges of what a file system allows.
FILE_NAMES = [
    "a${globalThis.PWNED=1}b`",
    'po"se\nnew',
    "x<script>alert(1)<!--<b>",
    "$(touch pwned)`id`",
    "back\\slash\\u0041'",
    "*\u2215 \u2215* \u2028\u2029 \u202e",  # a file name holds no "/": the look-alike U+2215
    "%2e%2e%2fescape",
    "--force",
    "..hidden",
    "\x01\x1b[2J",
    "\u00e9\u4e2d\U0001f600",
    "y" * 200,
]


def npy(array: np.ndarray) -> bytes:
    """ARRAY as honest ``.npy`` bytes (no pickles)."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npy_header(descr: str, shape: tuple[int, ...], fortran: bool = False) -> bytes:
    """A version 1.0 ``.npy`` header declaring DESCR and SHAPE, as numpy writes it."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return header.getvalue()


def raw_npy_header(text: str, version: tuple[int, int] = (1, 0), magic: bytes = b"\x93NUMPY") -> bytes:
    """A header holding TEXT verbatim (a dict literal, or anything else), padded as numpy pads."""
    body = text.encode("latin1")
    size_format = "<H" if version[0] == 1 else "<I"
    prefix = len(magic) + 2 + struct.calcsize(size_format)
    padding = (-(prefix + len(body) + 1)) % 64
    body = body + b" " * padding + b"\n"
    return magic + bytes(version) + struct.pack(size_format, len(body)) + body


def write_npz(path: Path, members: dict[str, bytes], deflate: bool = False) -> Path:
    """An ``.npz`` whose members (``name`` -> bytes; ``.npy`` added unless the name has a dot) are MEMBERS."""
    compression = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name if "." in name.rsplit("/", 1)[-1] else f"{name}.npy", data)
    return path


def forged_npz_members() -> dict[str, bytes]:
    """``.npy`` members, by what they forge; each replaces one honest member of an archive."""
    gib = 1 << 30
    expression = "{'descr': __import__('os').system('touch pwned'), 'fortran_order': False, 'shape': (1,), }"
    return {
        "declares-16-gib": npy_header("<f4", (4 * gib,)) + bytes(4096),
        "declares-more-than-it-holds": npy_header("<f4", (1, 1000, 1000)) + bytes(64),
        "negative-dimension": npy_header("<f4", (-1, 8)) + bytes(32),
        "dimension-overflows-int64": raw_npy_header(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"
        ),
        "object-dtype": npy_header("|O", (1,)) + b"\x80\x04\x95" + bytes(64),
        "unicode-of-a-billion": npy_header("<U1000000000", (4,)) + bytes(64),
        "void-of-a-billion": npy_header("|V1000000000", (4,)) + bytes(64),
        "structured-dtype": raw_npy_header(
            "{'descr': [('a', '<f4'), ('b', '|O')], 'fortran_order': False, 'shape': (2,), }"
        )
        + bytes(64),
        "python-expression-header": raw_npy_header(expression) + bytes(8),
        "header-not-a-dict": raw_npy_header("[1, 2, 3]") + bytes(8),
        "header-missing-keys": raw_npy_header("{'descr': '<f4', }") + bytes(8),
        "header-garbage": raw_npy_header("\x00\xff{{{{((((") + bytes(8),
        "header-length-beyond-file": b"\x93NUMPY\x01\x00" + struct.pack("<H", 65535) + b"{",
        "version-3": raw_npy_header(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", version=(3, 0)
        )
        + bytes(8),
        "version-99": raw_npy_header(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", version=(99, 0)
        )
        + bytes(8),
        "bad-magic": raw_npy_header(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", magic=b"\x93NUMPX"
        )
        + bytes(8),
        "pickle-instead-of-npy": b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94.",
        "empty-member": b"",
        "big-endian-fortran": npy(np.asfortranarray(np.arange(24, dtype=">f4").reshape(2, 3, 4))),
        "float128-dtype": npy_header("<f16", (2,)) + bytes(32),
        "zero-size-huge-shape": npy_header("<f4", (0, 1 << 62)),
    }


def sparse_file(path: Path, size: int) -> Path:
    """A file of SIZE bytes of holes: big to stat, nothing on disk."""
    with open(path, "wb") as stream:
        stream.truncate(size)
    return path


def deep(levels: int, opening: str = "[", closing: str = "]", inner: str = "") -> str:
    """INNER wrapped in LEVELS pairs of brackets."""
    return opening * levels + inner + closing * levels


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path
