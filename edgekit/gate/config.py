"""The gate configuration: ``edgekit.toml``, or ``[tool.edgekit]`` in ``pyproject.toml``.

One ``[gate]`` table of settings and one ``[models.NAME]`` table per model, each with its
``checks``. Every key is checked against the schema below: an unknown key, a wrong type or an
impossible value is a GateConfigError naming the file, the dotted key and its line (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgekit.bench.options import check_delegates, check_seed, check_threads
from edgekit.errors import GateConfigError
from edgekit.files.bounded_parse import ParseRefused, parse_toml
from edgekit.files.preflight import InputRefused, read_input
from edgekit.gate import fields as f
from edgekit.gate.locate import locate_key

__all__ = [
    "CHECK_KINDS",
    "CheckSpec",
    "ConfigSource",
    "GateConfig",
    "GateSettings",
    "ModelSpec",
    "find_config",
    "load_config",
    "parse_check",
    "parse_model",
]

CONFIG_NAMES = ("edgekit.toml", "pyproject.toml")
#: A configuration is a few kilobytes; a larger file is refused, not read on (``/dev/zero``).
MAX_CONFIG_BYTES = 1 << 20
OUTCOME_POLICIES = ("fail", "warn")


def _tolerance(value: object) -> str:
    """A --tolerance string (``"cosine=0.995,max_abs=1e-3"``), checked now rather than mid-gate."""
    from edgekit.errors import UsageError
    from edgekit.verdicts.accuracy import PRESETS, parse_tolerance

    checked = f.text(value)
    try:
        parse_tolerance(checked, PRESETS["fp32"])
    except UsageError as exc:
        raise ValueError(exc.reason) from None
    return checked


def _as_bench(check: f.Reader) -> f.Reader:
    """A reader ending in a check of :mod:`edgekit.bench.options`: the gate answers a value as bench does."""
    from edgekit.errors import EdgekitError, UsageError

    def read(value: object) -> Any:
        try:
            return check(value)
        except EdgekitError as exc:
            raise ValueError(exc.reason if isinstance(exc, UsageError) else str(exc)) from None

    return read


_SETTINGS: dict[str, f.Reader] = {
    "inconclusive": f.choice(*OUTCOME_POLICIES),
    "runtime_mismatch": f.choice(*OUTCOME_POLICIES),
}
_MODEL: dict[str, f.Reader] = {
    "model": f.path,
    "baseline": f.path,
    "delegates": _as_bench(lambda value: tuple(check_delegates(f.text_list(value)))),
    "threads": _as_bench(lambda value: check_threads(f.int_list(value))),
    "seed": _as_bench(lambda value: check_seed(f.non_negative_int(value))),
}
#: Every check: its keys, and which it needs (a tuple: all of them; a set: at least one).
_CHECKS: dict[str, tuple[dict[str, f.Reader], tuple[str, ...] | set[str]]] = {
    "size": ({"max_bytes": f.positive_int, "max_growth": f.growth}, {"max_bytes", "max_growth"}),
    "ops": ({"max": f.positive_int, "max_growth": f.growth}, {"max", "max_growth"}),
    "macs": ({"max": f.positive_int, "max_growth": f.growth}, {"max", "max_growth"}),
    "custom_ops": ({"allowed": f.text_list}, ()),
    "accuracy": (
        {
            "golden": f.path,
            "tolerance": _tolerance,
            "normalize": f.value_range,
            "output_roles": f.text_table,
            "runtime_mismatch": f.choice(*OUTCOME_POLICIES),
        },
        ("golden",),
    ),
    "latency": (
        {
            "max_slowdown": f.growth,
            "confidence": f.confidence,
            "max_seconds": f.seconds,
            "min_rounds": f.positive_int,
            "confirm": f.boolean,
            "inconclusive": f.choice(*OUTCOME_POLICIES),
        },
        (),
    ),
    "instructions": (
        {
            "max_growth": f.growth,
            "optional": f.boolean,
            "repetitions": f.positive_int,
            "inferences": f.positive_int,
            "timeout_s": f.seconds,
        },
        ("max_growth",),
    ),
    "latency_budget": (
        {"p50_ms": f.positive_number, "device_class": f.text, "runs": f.positive_int},
        ("p50_ms", "device_class"),
    ),
}
_COVERAGE: dict[str, f.Reader] = {
    "fully_mapped": f.boolean,
    "min_mapped_ops": f.non_negative_int,
    "no_regression": f.boolean,
}
CHECK_KINDS = (*_CHECKS, "coverage")


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


@dataclass(frozen=True)
class GateSettings:
    """``[gate]``: what an inconclusive latency comparison and a runtime mismatch count as."""

    inconclusive: str = "fail"
    runtime_mismatch: str = "warn"


@dataclass(frozen=True)
class CheckSpec:
    """One configured check: its kind, its display name, its checked options and its dotted key."""

    kind: str
    name: str
    options: dict[str, Any]
    key: str

    @property
    def relative(self) -> bool:
        return (
            self.kind in ("latency", "instructions")
            or "max_growth" in self.options
            or bool(self.options.get("no_regression"))
        )


@dataclass(frozen=True)
class ModelSpec:
    """One ``[models.NAME]`` table."""

    name: str
    model: str
    checks: tuple[CheckSpec, ...]
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


def find_config(directory: Path) -> Path | None:
    """``edgekit.toml`` in DIRECTORY, else a ``pyproject.toml`` there with ``[tool.edgekit]``."""
    candidate = directory / "edgekit.toml"
    if candidate.is_file():
        return candidate
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        text = read_input(pyproject, MAX_CONFIG_BYTES).decode("utf-8", errors="replace")
    except InputRefused:
        return pyproject  # load_config says what is wrong with it
    return pyproject if "tool.edgekit" in text else None


def load_config(path: str | Path) -> GateConfig:
    """Read and check a configuration file; GateConfigError (exit 2) names what is wrong and where."""
    path = Path(path)
    try:
        text = read_input(path, MAX_CONFIG_BYTES).decode("utf-8")
    except InputRefused as exc:
        hint = "give the configuration's TOML file"
        if exc.reason == "does not exist":
            hint = "give `config` FILE or create edgekit.toml"
        raise GateConfigError(path, "config", f"{exc.reason}; {hint}") from None
    except UnicodeDecodeError:
        raise GateConfigError(path, "config", "not UTF-8 text; a configuration is a TOML file") from None
    try:
        data = parse_toml(text)
    except ParseRefused as exc:
        raise GateConfigError(path, "config", exc.reason, exc.line) from None
    source = ConfigSource(path, text)
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        table = tool.get("edgekit") if isinstance(tool, dict) else None
        source = ConfigSource(path, text, ("tool", "edgekit"))
        if not isinstance(table, dict):
            raise source.error("", "no [tool.edgekit] table; add one, or use an edgekit.toml")
        data = table
    _unknown(source, "", data, ("gate", "models"))
    settings = GateSettings(**_read_table(source, "gate", data.get("gate", {}), _SETTINGS))
    models_table = data.get("models")
    if not isinstance(models_table, dict) or not models_table:
        raise source.error("models", "no models to gate; add a [models.NAME] table with `model` and `checks`")
    models = tuple(parse_model(source, name, table) for name, table in models_table.items())
    return GateConfig(source, settings, models)


def parse_check(source: ConfigSource, model_key: str, kind: str, value: Any) -> list[CheckSpec]:
    """The checks one entry of a ``checks`` table configures (``coverage`` gives one per delegate)."""
    key = f"{model_key}.checks.{kind}"
    if kind not in CHECK_KINDS:
        raise source.error(key, f"unknown check; valid checks: {', '.join(CHECK_KINDS)}")
    if kind == "coverage":
        return _coverage_checks(source, key, value)
    readers, needed = _CHECKS[kind]
    options = _read_table(source, key, value, readers)
    if isinstance(needed, tuple):
        for name in needed:
            if name not in options:
                raise source.error(f"{key}.{name}", "is required")
    elif not options.keys() & needed:
        raise source.error(key, f"give at least one of {', '.join(sorted(needed))}")
    if kind == "latency":
        _check_time_limit(source, key, options)
    return [CheckSpec(kind, kind.replace("_", " "), options, key)]


def _check_time_limit(source: ConfigSource, key: str, options: dict[str, Any]) -> None:
    """A latency check whose ``max_seconds`` can never reach the first decision point is refused now."""
    from edgekit.gate.latency_plan import time_limit_problem

    problem = time_limit_problem(
        options.get("max_seconds", 120.0), options.get("confidence", 0.99), options.get("min_rounds", 4)
    )
    if problem:
        raise source.error(f"{key}.max_seconds", problem)


def parse_model(source: ConfigSource, name: str, table: Any) -> ModelSpec:
    """One `[models.NAME]` table, checked; its timed checks expanded per delegate and thread count."""
    key = f"models.{name}"
    if not isinstance(table, dict):
        raise source.error(key, "must be a table: [models.NAME] with `model` and `checks`")
    checks_table = table.get("checks")
    values = _read_table(source, key, {k: v for k, v in table.items() if k != "checks"}, _MODEL)
    if "model" not in values:
        raise source.error(
            f"{key}.model", "is required: a .tflite path (relative to this file) or a zoo name"
        )
    if not isinstance(checks_table, dict) or not checks_table:
        raise source.error(f"{key}.checks", f"no checks; add one of {', '.join(CHECK_KINDS)}")
    configured = [
        check for kind, value in checks_table.items() for check in parse_check(source, key, kind, value)
    ]
    spec = ModelSpec(name=name, checks=(), source=source, **values)
    checks = [one for check in configured for one in _per_run(check, spec)]
    spec = ModelSpec(name=name, checks=tuple(checks), source=source, **values)
    if spec.baseline is None:
        for check in checks:
            if check.relative:
                raise source.error(
                    check.key,
                    "compares with the baseline, but the model has no `baseline`; "
                    f"add `baseline` to [{key}] or use an absolute limit",
                )
    return spec


def _per_run(check: CheckSpec, model: ModelSpec) -> list[CheckSpec]:
    """Timed checks run once per delegate and thread count; instruction counts once per thread count."""
    if check.kind in ("latency", "latency_budget"):
        return [
            CheckSpec(
                check.kind,
                f"{check.name} {delegate} x{threads}",
                {**check.options, "delegate": delegate, "threads": threads},
                check.key,
            )
            for delegate in model.delegates
            for threads in model.threads
        ]
    if check.kind == "instructions":
        return [
            CheckSpec(
                check.kind, f"{check.name} x{threads}", {**check.options, "threads": threads}, check.key
            )
            for threads in model.threads
        ]
    return [check]


def _coverage_checks(source: ConfigSource, key: str, value: Any) -> list[CheckSpec]:
    if not isinstance(value, dict) or not value:
        raise source.error(key, "must be a table of delegates, e.g. { gpu = { fully_mapped = true } }")
    _check_delegates(source, key, tuple(value), per_key=True)
    checks = []
    for delegate, table in value.items():
        options = _read_table(source, f"{key}.{delegate}", table, _COVERAGE)
        if not options.keys() & {"fully_mapped", "min_mapped_ops", "no_regression"}:
            raise source.error(f"{key}.{delegate}", "give fully_mapped, min_mapped_ops or no_regression")
        checks.append(
            CheckSpec(
                "coverage", f"coverage {delegate}", {"delegate": delegate, **options}, f"{key}.{delegate}"
            )
        )
    return checks


def _check_delegates(source: ConfigSource, key: str, names: tuple[str, ...], per_key: bool = False) -> None:
    from edgekit import delegates as registry

    known = registry.names()
    for name in names:
        if name not in known:
            where = f"{key}.{name}" if per_key else f"{key}.delegates"
            raise source.error(where, f"unknown delegate {name!r}; choose from: {', '.join(known)}")


def _read_table(source: ConfigSource, key: str, value: Any, readers: dict[str, f.Reader]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise source.error(
            key, f"must be a table (e.g. {key.rsplit('.', 1)[-1]} = {{ ... }}), not {type(value).__name__}"
        )
    _unknown(source, key, value, tuple(readers))
    checked = {}
    for name, raw in value.items():
        try:
            checked[name] = readers[name](raw)
        except ValueError as exc:
            raise source.error(f"{key}.{name}", str(exc)) from None
    return checked


def _unknown(source: ConfigSource, key: str, table: dict[str, Any], valid: tuple[str, ...]) -> None:
    for name in table:
        if name not in valid:
            where = f"{key}.{name}" if key else name
            raise source.error(where, f"unknown key; valid keys here: {', '.join(valid)}")
