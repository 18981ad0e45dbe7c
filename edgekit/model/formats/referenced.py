"""Files a model names (TF.js weight shards, the vocabulary beside it): inside its folder, or refused.

A model is data, and so is every name inside it: a TF.js ``weightsManifest`` could name
``/home/user/.ssh/id_rsa`` or ``../../secret`` with a matching size, and scaffold would copy that
file into the app it serves. Every reader of a referenced file asks :func:`referenced_file` for it,
which accepts only a plain relative path that stays inside the model's folder once symlinks are
followed, and a regular file (a FIFO would block, a device never end). Anything else is a
:class:`~edgekit.errors.ModelFormatError` (exit 2) that names the entry and the rule.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath

from edgekit.errors import ModelFormatError

__all__ = ["referenced_file", "file_beside"]

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def referenced_file(owner: Path, name: object, what: str, expected: str) -> Path:
    """``owner.parent / name`` once proven a regular file inside OWNER's folder; ModelFormatError if not.

    OWNER is the file that names it (``model.json``); WHAT says what the entry is (``weight file``)
    and EXPECTED what OWNER should have been, for the message. The returned path is the lexical one
    (``folder/name``), so a copy keeps the name the model uses.
    """
    problem = _name_problem(name) if isinstance(name, str) else "is not a file name"
    if problem is not None or not isinstance(name, str):
        raise ModelFormatError(owner, f"{what} {name!r} {problem}; referenced files must lie in its folder",
                               expected)
    folder = owner.parent
    path = folder / name
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, dangling link, or a symlink loop
        raise ModelFormatError(owner, f"{what} {name} named in {owner.name} is missing beside it",
                               expected) from None
    if not real.is_relative_to(folder.resolve()):
        raise ModelFormatError(owner, f"{what} {name!r} is a link to {str(real)!r}, outside the model's "
                                      "folder; referenced files must lie in its folder", expected)
    if not stat.S_ISREG(os.stat(real).st_mode):
        raise ModelFormatError(owner, f"{what} {name!r} is not a regular file", expected)
    return path


def file_beside(model: Path, name: str, what: str, expected: str) -> Path | None:
    """The file NAME beside MODEL (its ``vocab.txt``) when there is one, refused like any reference."""
    candidate = model.parent / name
    if not os.path.lexists(candidate):
        return None
    return referenced_file(model, name, what, expected)


def _name_problem(name: str) -> str | None:
    """Why NAME is not a plain relative path inside a folder, or None."""
    if not name:
        return "is not a file name"
    if "\0" in name:
        return "holds a NUL character"
    if name.startswith(("/", "\\")) or PurePosixPath(name).is_absolute():
        return "is an absolute path"
    if "\\" in name:
        return "holds a backslash (a Windows path)"
    if _SCHEME.match(name):
        return "is a URL or a drive, not a relative path"
    if ".." in PurePosixPath(name).parts:
        return "climbs out with '..'"
    return None
