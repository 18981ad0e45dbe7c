"""One model's gate context: candidate and baseline resolved and opened once, for every check.

A model or baseline is a path (relative to the configuration file), a zoo name, or for the
baseline also ``git:REF:PATH``: the file as commit REF has it, read with ``git show`` into a
temporary file that is removed when the context closes. Anything missing or unreadable fails
closed with a GateConfigError naming the key and line that asked for it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from edgekit.errors import EdgekitError, ModelFormatError, ModelNotFound, ToolMissing
from edgekit.gate.config import GateSettings, ModelSpec
from edgekit.model import Model

__all__ = ["ModelContext", "open_context", "resolve_spec"]

_GIT_PREFIX = "git:"
_GIT_TIMEOUT_S = 120


@dataclass
class ModelContext:
    """What every check of one model reads: the two files, opened once, and the gate's settings."""

    spec: ModelSpec
    settings: GateSettings
    candidate_path: Path
    baseline_path: Path | None
    log: Callable[[str], None]
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
                raise self.spec.source.error(
                    f"{self.spec.key}.{key}", f"{exc}; fix or replace the file"
                ) from exc
        return self._opened[path]


@contextlib.contextmanager
def open_context(
    spec: ModelSpec,
    settings: GateSettings,
    *,
    log: Callable[[str], None] | None = None,
    need_baseline: bool = True,
) -> Iterator[ModelContext]:
    """Resolve the model (and baseline) of SPEC; temporary files are removed on exit."""
    say = log or (lambda message: None)
    with contextlib.ExitStack() as stack:
        candidate = stack.enter_context(resolve_spec(spec, "model", spec.model, say))
        baseline = None
        if spec.baseline is not None and need_baseline:
            baseline = stack.enter_context(resolve_spec(spec, "baseline", spec.baseline, say))
        context = ModelContext(spec, settings, candidate, baseline, say)
        context.candidate  # noqa: B018 - fail closed on an unreadable model before any check runs
        if baseline is not None:
            context.baseline  # noqa: B018
        yield context


@contextlib.contextmanager
def resolve_spec(spec: ModelSpec, key: str, value: str, log: Callable[[str], None]) -> Iterator[Path]:
    """The file VALUE names (path, zoo name or git:REF:PATH); a git blob lives as long as the block."""
    dotted = f"{spec.key}.{key}"
    if value.startswith(_GIT_PREFIX):
        with _git_blob(spec, dotted, value[len(_GIT_PREFIX) :]) as path:
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
def _git_blob(spec: ModelSpec, dotted: str, ref_and_path: str) -> Iterator[Path]:
    ref, colon, path = ref_and_path.partition(":")
    if not (ref and colon and path):
        raise spec.source.error(
            dotted, f"'git:{ref_and_path}' is not git:REF:PATH (e.g. git:origin/main:model.tflite)"
        )
    git = shutil.which("git")
    if git is None:
        raise ToolMissing("git", "to read a git:REF:PATH baseline", "install git (apt-get install -y git)")
    handle, name = tempfile.mkstemp(prefix="edgekit-baseline-", suffix=Path(path).suffix or ".tflite")
    target = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            done = subprocess.run(
                [git, "show", f"{ref}:{path}"],
                cwd=spec.base_dir,
                stdout=out,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                timeout=_GIT_TIMEOUT_S,
            )
        if done.returncode != 0:
            reason = (
                " ".join(done.stderr.decode(errors="replace").split()) or f"exit status {done.returncode}"
            )
            raise spec.source.error(
                dotted,
                f"git show {ref}:{path} failed ({reason}); check that the ref and "
                "path exist (in CI, fetch the history: fetch-depth: 0)",
            )
        yield target
    except subprocess.TimeoutExpired as exc:
        raise spec.source.error(
            dotted, f"git show {ref}:{path} did not finish in {_GIT_TIMEOUT_S} s"
        ) from exc
    except EdgekitError:
        raise
    finally:
        target.unlink(missing_ok=True)
