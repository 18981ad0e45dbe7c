"""One model's gate context: candidate and baseline resolved and opened once, for every check.

A model or baseline is a path (relative to the configuration file), a zoo name, or for the
baseline also ``git:REF:PATH``: the file as commit REF has it, read through
:mod:`edgekit.gate.git` (the ref resolved to a commit, the path kept inside the repository) into a
temporary file that is removed when the context closes. Anything missing or unreadable fails
closed with a GateConfigError naming the key and line that asked for it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from edgekit.errors import ModelFormatError, ModelNotFound
from edgekit.gate.engines import Engines, default_engines
from edgekit.gate.git import GIT_PREFIX, GitRefused, parse_git_spec, read_blob
from edgekit.gate.spec import GateSettings, ModelSpec
from edgekit.model.model import Model

__all__ = ["ModelContext", "open_context", "resolve_spec"]


@dataclass
class ModelContext:
    """What every check of one model reads: the two files, opened once, the gate's settings, and
    the engines its timed checks measure with (:mod:`edgekit.gate.engines`)."""

    spec: ModelSpec
    settings: GateSettings
    candidate_path: Path
    baseline_path: Path | None
    log: Callable[[str], None]
    engines: Engines = field(default_factory=default_engines)
    _opened: dict[Path, Model] = field(default_factory=dict)

    @property
    def candidate(self) -> Model:
        return self._open(self.candidate_path, "model")

    @property
    def baseline(self) -> Model:
        if self.baseline_path is None:  # the config loader refuses relative checks without a baseline
            raise self.spec.source.error(f"{self.spec.key}.baseline", "is needed by a relative check")
        return self._open(self.baseline_path, "baseline")

    def _open(self, path: Path, key: str) -> Model:
        if path not in self._opened:
            try:
                self._opened[path] = Model.open(path)
            except ModelFormatError as exc:
                configured = str(getattr(self.spec, key))
                # A git blob lives in a temporary file: name what the configuration wrote instead.
                what = f"{configured}: {exc.reason}" if configured.startswith(GIT_PREFIX) else str(exc)
                raise self.spec.source.error(
                    f"{self.spec.key}.{key}", f"{what}; fix or replace the file"
                ) from exc
        return self._opened[path]


@contextlib.contextmanager
def open_context(
    spec: ModelSpec,
    settings: GateSettings,
    *,
    log: Callable[[str], None] | None = None,
    need_baseline: bool = True,
    engines: Engines | None = None,
) -> Iterator[ModelContext]:
    """Resolve the model (and baseline) of SPEC; temporary files are removed on exit.

    ENGINES are what its timed checks measure with (default: :func:`default_engines`).
    """
    say = log or (lambda message: None)
    with contextlib.ExitStack() as stack:
        candidate = stack.enter_context(resolve_spec(spec, "model", spec.model, say))
        baseline = None
        if spec.baseline is not None and need_baseline:
            baseline = stack.enter_context(resolve_spec(spec, "baseline", spec.baseline, say))
        context = ModelContext(spec, settings, candidate, baseline, say, engines or default_engines())
        context.candidate  # noqa: B018 - fail closed on an unreadable model before any check runs
        if baseline is not None:
            context.baseline  # noqa: B018
        yield context


@contextlib.contextmanager
def resolve_spec(spec: ModelSpec, key: str, value: str, log: Callable[[str], None]) -> Iterator[Path]:
    """The file VALUE names (path, zoo name or git:REF:PATH); a git blob lives as long as the block."""
    dotted = f"{spec.key}.{key}"
    if value.startswith(GIT_PREFIX):
        with _git_blob(spec, dotted, value) as path:
            yield path
        return
    from edgekit.zoo import resolve_model

    local = Path(value) if Path(value).is_absolute() else spec.base_dir / value
    try:
        yield resolve_model(local if local.exists() or _looks_like_path(value) else value, log=log)
    except ModelNotFound as exc:
        raise spec.source.error(
            dotted,
            f"{value!r} is neither a file (looked for {local}) nor a zoo model "
            "name; fix the path or see `edgekit zoo list`",
        ) from exc


def _looks_like_path(value: str) -> bool:
    return value.endswith(".tflite") or "/" in value or os.sep in value


@contextlib.contextmanager
def _git_blob(spec: ModelSpec, dotted: str, value: str) -> Iterator[Path]:
    """The file ``git:REF:PATH`` names, read through :mod:`edgekit.gate.git` into a temporary file."""
    try:
        wanted = parse_git_spec(value)
    except GitRefused as exc:
        raise spec.source.error(dotted, exc.reason) from None
    handle, name = tempfile.mkstemp(prefix="edgekit-baseline-", suffix=".tflite")
    target = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            read_blob(wanted, spec.base_dir, out)
        yield target
    except GitRefused as exc:
        raise spec.source.error(dotted, f"{wanted}: {exc.reason}") from None
    finally:
        target.unlink(missing_ok=True)
