"""What a gate configuration says, once checked: its source file, settings, models and their checks.

These are plain values shared by the config loader, the check registry and every check function,
so they sit below all of them. ``ConfigSource`` also reads one table of the file against its
readers, because every place that does so must refuse in the same words: the file, the dotted key
and its line (exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from edgekit.errors import GateConfigError
from edgekit.gate.fields import Reader
from edgekit.gate.locate import locate_key

__all__ = [
    "OUTCOME_POLICIES",
    "CheckOptions",
    "CheckSpec",
    "ConfigSource",
    "GateConfig",
    "GateSettings",
    "ModelSpec",
]

#: What an inconclusive latency comparison or a runtime mismatch may count as.
OUTCOME_POLICIES = ("fail", "warn")


@dataclass(frozen=True)
class ConfigSource:
    """The file a configuration came from, its text, and where the edgekit tables sit in it."""

    path: Path
    text: str
    prefix: tuple[str, ...] = ()
    #: Files it names must lie inside its folder; False only for paths given by Python code.
    confined: bool = True

    def error(self, key: str, reason: str) -> GateConfigError:
        """A GateConfigError for dotted KEY (relative to the edgekit tables), with its line."""
        parts = [*self.prefix, *key.split(".")] if key else list(self.prefix)
        return GateConfigError(self.path, ".".join(parts), reason, locate_key(self.text, parts))

    def read_table(self, key: str, value: Any, readers: Mapping[str, Reader]) -> dict[str, Any]:
        """VALUE, a table at dotted KEY, with each entry read by the reader of its name."""
        if not isinstance(value, dict):
            example = f"{key.rsplit('.', 1)[-1]} = {{ ... }}"
            raise self.error(key, f"must be a table (e.g. {example}), not {type(value).__name__}")
        self.refuse_unknown(key, value, tuple(readers))
        checked = {}
        for name, raw in value.items():
            try:
                checked[name] = readers[name](raw)
            except ValueError as exc:
                raise self.error(f"{key}.{name}", str(exc)) from None
        return checked

    def refuse_unknown(self, key: str, table: Mapping[str, Any], valid: tuple[str, ...]) -> None:
        """A GateConfigError for the first entry of TABLE (at KEY) whose name is not in VALID."""
        for name in table:
            if name not in valid:
                where = f"{key}.{name}" if key else name
                raise self.error(where, f"unknown key; valid keys here: {', '.join(valid)}")


@dataclass(frozen=True)
class GateSettings:
    """``[gate]``: what an inconclusive latency comparison and a runtime mismatch count as."""

    inconclusive: str = "fail"
    runtime_mismatch: str = "warn"


@dataclass(frozen=True, kw_only=True)
class CheckOptions:
    """The base of every check kind's options: a frozen dataclass whose fields are its TOML keys.

    See :func:`edgekit.gate.check_kind.option` for how a field names its reader and default.
    """

    @property
    def relative(self) -> bool:
        """Whether the check compares with the baseline (then its model must name one)."""
        return False


OptionsT = TypeVar("OptionsT", bound=CheckOptions)


@dataclass(frozen=True)
class CheckSpec(Generic[OptionsT]):
    """One configured check: its kind, display name, typed options, dotted key, and where it runs.

    ``delegate`` is set for checks that run once per delegate (a timed check, or a coverage table's
    entry); ``threads`` for checks that run once per thread count.
    """

    kind: str
    name: str
    options: OptionsT
    key: str
    delegate: str | None = None
    threads: int | None = None

    @property
    def relative(self) -> bool:
        return self.options.relative


@dataclass(frozen=True)
class ModelSpec:
    """One ``[models.NAME]`` table."""

    name: str
    model: str
    checks: tuple[CheckSpec[Any], ...]
    source: ConfigSource
    baseline: str | None = None
    delegates: tuple[str, ...] = ("cpu",)
    threads: tuple[int, ...] = (1,)
    seed: int = 0

    @property
    def key(self) -> str:
        return f"models.{self.name}"

    @property
    def base_dir(self) -> Path:
        """Relative paths in the configuration are relative to its file's folder."""
        return self.source.path.parent


@dataclass(frozen=True)
class GateConfig:
    """A whole configuration."""

    source: ConfigSource
    settings: GateSettings = field(default_factory=GateSettings)
    models: tuple[ModelSpec, ...] = ()

    @property
    def path(self) -> Path:
        return self.source.path
