"""One kind of gate check: its typed options, its config schema and the function that judges it.

A check kind is one :class:`CheckKind` value in the registry (:mod:`edgekit.gate.checks`). Its
options are a frozen dataclass (a subclass of :class:`~edgekit.gate.spec.CheckOptions`) whose
fields are the keys of its TOML table, each declared with :func:`option`: the reader that checks
the value (:mod:`edgekit.gate.fields`) and its default; a field without a default is required.
Everything else a configuration needs to know about the kind is a field of its entry: which keys
need at least one of them given, whether it runs once per delegate and thread count, whether its
verdict rests on a timing here, and what to check before any model is measured.

``max_outputs = { count = 4 }`` is then::

    @dataclass(frozen=True, kw_only=True)
    class MaxOutputs(CheckOptions):
        count: int = option(fields.positive_int)

    def check_max_outputs(context: ModelContext, check: CheckSpec[MaxOutputs]) -> CheckResult: ...

    checks.register(CheckKind("max_outputs", MaxOutputs, check_max_outputs))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal

from edgekit import delegates as delegate_registry
from edgekit.gate.context import ModelContext
from edgekit.gate.engines import Engines
from edgekit.gate.fields import Reader
from edgekit.gate.result import CheckResult
from edgekit.gate.spec import CheckOptions, CheckSpec, ConfigSource, ModelSpec, OptionsT

__all__ = ["CheckKind", "OptionRefused", "OptionSchema", "option", "option_keys"]

_READER = "edgekit.gate.reader"
#: How a kind's checks repeat over the model's ``delegates`` and ``threads``.
Repeat = Literal["once", "threads", "delegates_threads"]


def option(reader: Reader, default: Any = dataclasses.MISSING) -> Any:
    """A field of a check's options: the TOML key of the same name, checked by READER.

    READER raises ValueError with the reason in words; the loader adds the file, key and line.
    Without DEFAULT the key is required.
    """
    return dataclasses.field(default=default, metadata={_READER: reader})


class OptionRefused(ValueError):
    """Raised by an options class's ``__post_init__`` when values that are each valid cannot go together.

    ``key`` is the option the configuration should change; the loader reports it with its line.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class OptionSchema:
    """One key of a check's table: its type as written in the options class, default, whether required,
    and the reader that checks a value (its refusal says which values are valid)."""

    key: str
    type: str
    default: Any
    required: bool
    reader: Reader


@dataclass(frozen=True)
class CheckKind(Generic[OptionsT]):
    """A registry entry: the ``checks`` key NAME, its OPTIONS class and the JUDGE function."""

    name: str
    options: type[OptionsT]
    judge: Callable[[ModelContext, CheckSpec[OptionsT]], CheckResult]
    #: At least one of these keys must be given (``size``: ``max_bytes`` or ``max_growth``).
    one_of: frozenset[str] = frozenset()
    #: ``once``; once per thread count; or once per delegate and thread count (timed checks).
    repeat: Repeat = "once"
    #: The table holds one options table per delegate: ``coverage = { gpu = { fully_mapped = true } }``.
    per_delegate: bool = False
    #: Its verdict rests on a timing on this machine (a crowded machine is then warned about).
    timed: bool = False
    #: Run before any model is measured, to fail closed on a tool this machine lacks (exit 3).
    preflight: Callable[[ModelSpec, CheckSpec[OptionsT], Engines], None] | None = None

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or not self.name.islower():
            raise ValueError(f"check name {self.name!r} must be a lower-case TOML key such as max_outputs")
        params = vars(self.options).get("__dataclass_params__")  # its own, not the base class's
        if not issubclass(self.options, CheckOptions) or params is None or not params.frozen:
            raise TypeError(f"{self.name}: options must be a frozen dataclass subclassing CheckOptions")
        missing = [f.name for f in dataclasses.fields(self.options) if _READER not in f.metadata]
        if missing:
            raise TypeError(f"{self.name}: declare {', '.join(missing)} with option(reader, default)")
        unknown = self.one_of - set(self.keys)
        if unknown:
            raise ValueError(f"{self.name}: one_of names keys it does not have: {', '.join(sorted(unknown))}")
        if self.per_delegate and self.repeat == "delegates_threads":
            raise ValueError(f"{self.name}: a per_delegate table names its own delegates; repeat per threads")

    @property
    def schema(self) -> tuple[OptionSchema, ...]:
        """Every key of the kind's table, in the order the options class declares them."""
        return tuple(
            OptionSchema(
                f.name,
                str(f.type),
                None if f.default is dataclasses.MISSING else f.default,
                f.default is dataclasses.MISSING,
                f.metadata[_READER],
            )
            for f in dataclasses.fields(self.options)
        )

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self.options))

    @property
    def display_name(self) -> str:
        return self.name.replace("_", " ")

    def read(self, source: ConfigSource, key: str, value: Any) -> OptionsT:
        """The options the table VALUE at dotted KEY gives, checked; GateConfigError naming the key if not."""
        schema = self.schema
        values = source.read_table(key, value, {entry.key: entry.reader for entry in schema})
        for entry in schema:
            if entry.required and entry.key not in values:
                raise source.error(f"{key}.{entry.key}", "is required")
        if self.one_of and not values.keys() & self.one_of:
            raise source.error(key, f"give at least one of {', '.join(sorted(self.one_of))}")
        try:
            return self.options(**values)
        except OptionRefused as exc:
            raise source.error(f"{key}.{exc.key}", exc.reason) from None

    def parse(
        self, source: ConfigSource, key: str, value: Any, delegates: tuple[str, ...], threads: tuple[int, ...]
    ) -> list[CheckSpec[OptionsT]]:
        """The checks the entry ``KEY = VALUE`` configures for a model with DELEGATES and THREADS."""
        if self.per_delegate:
            per_delegate = self._per_delegate(source, key, value)
            configured = [
                CheckSpec(self.name, f"{self.display_name} {name}", options, f"{key}.{name}", delegate=name)
                for name, options in per_delegate.items()
            ]
        else:
            configured = [CheckSpec(self.name, self.display_name, self.read(source, key, value), key)]
        return [run for check in configured for run in self._repeated(check, delegates, threads)]

    def _per_delegate(self, source: ConfigSource, key: str, value: Any) -> dict[str, OptionsT]:
        if not isinstance(value, dict) or not value:
            raise source.error(key, f"must be a table of delegates, e.g. {self.name} = {{ gpu = {{ ... }} }}")
        known = delegate_registry.names()
        for name in value:
            if name not in known:
                reason = f"unknown delegate {name!r}; choose from: {', '.join(known)}"
                raise source.error(f"{key}.{name}", reason)
        return {name: self.read(source, f"{key}.{name}", table) for name, table in value.items()}

    def _repeated(
        self, check: CheckSpec[OptionsT], delegates: tuple[str, ...], threads: tuple[int, ...]
    ) -> list[CheckSpec[OptionsT]]:
        """Timed checks run once per delegate and thread count; instruction counts once per thread count."""
        if self.repeat == "delegates_threads":
            return [
                dataclasses.replace(check, name=f"{check.name} {delegate} x{count}", delegate=delegate,
                                    threads=count)
                for delegate in delegates
                for count in threads
            ]
        if self.repeat == "threads":
            return [
                dataclasses.replace(check, name=f"{check.name} x{count}", threads=count) for count in threads
            ]
        return [check]


def option_keys(options: CheckOptions) -> frozenset[str]:
    """The keys an options value answers to (for reporting an engine's refusal against the config)."""
    return frozenset(f.name for f in dataclasses.fields(options))

