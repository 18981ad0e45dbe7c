"""The gate configuration: ``edgekit.toml``, or ``[tool.edgekit]`` in ``pyproject.toml``.

One ``[gate]`` table of settings and one ``[models.NAME]`` table per model, each with its
``checks``. Every key is checked: the settings and model keys against the readers below, each
check's table against its entry in the check registry (:mod:`edgekit.gate.checks`). An unknown
key, a wrong type or an impossible value is a GateConfigError naming the file, the dotted key and
its line (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgekit.bench.options import check_delegates, check_seed, check_threads
from edgekit.errors import EdgekitError, GateConfigError, UsageError
from edgekit.files.bounded_parse import ParseRefused, parse_toml
from edgekit.files.preflight import InputRefused, read_input
from edgekit.gate import checks
from edgekit.gate import fields as f
from edgekit.gate.spec import (
    OUTCOME_POLICIES,
    CheckSpec,
    ConfigSource,
    GateConfig,
    GateSettings,
    ModelSpec,
)

__all__ = [
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


def _as_bench(check: f.Reader) -> f.Reader:
    """A reader ending in a check of :mod:`edgekit.bench.options`: the gate answers a value as bench does."""

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
    source.refuse_unknown("", data, ("gate", "models"))
    settings = GateSettings(**source.read_table("gate", data.get("gate", {}), _SETTINGS))
    models_table = data.get("models")
    if not isinstance(models_table, dict) or not models_table:
        raise source.error("models", "no models to gate; add a [models.NAME] table with `model` and `checks`")
    models = tuple(parse_model(source, name, table) for name, table in models_table.items())
    return GateConfig(source, settings, models)


def parse_check(
    source: ConfigSource,
    model_key: str,
    kind: str,
    value: Any,
    delegates: tuple[str, ...] = ("cpu",),
    threads: tuple[int, ...] = (1,),
) -> list[CheckSpec[Any]]:
    """The checks one entry of a ``checks`` table configures, through its registry entry.

    A ``coverage`` table gives one check per delegate; timed checks one per delegate and thread
    count of the model (DELEGATES, THREADS).
    """
    key = f"{model_key}.checks.{kind}"
    entry = checks.find(kind)
    if entry is None:
        raise source.error(key, f"unknown check; valid checks: {', '.join(checks.names())}")
    return entry.parse(source, key, value, delegates, threads)


def parse_model(source: ConfigSource, name: str, table: Any) -> ModelSpec:
    """One `[models.NAME]` table, checked; its timed checks expanded per delegate and thread count."""
    key = f"models.{name}"
    if not isinstance(table, dict):
        raise source.error(key, "must be a table: [models.NAME] with `model` and `checks`")
    checks_table = table.get("checks")
    values = source.read_table(key, {k: v for k, v in table.items() if k != "checks"}, _MODEL)
    if "model" not in values:
        raise source.error(
            f"{key}.model", "is required: a .tflite path (relative to this file) or a zoo name"
        )
    if not isinstance(checks_table, dict) or not checks_table:
        raise source.error(f"{key}.checks", f"no checks; add one of {', '.join(checks.names())}")
    spec = ModelSpec(name=name, checks=(), source=source, **values)
    configured = [
        check
        for kind, value in checks_table.items()
        for check in parse_check(source, key, kind, value, spec.delegates, spec.threads)
    ]
    spec = ModelSpec(name=name, checks=tuple(configured), source=source, **values)
    if spec.baseline is None:
        for check in configured:
            if check.relative:
                raise source.error(
                    check.key,
                    "compares with the baseline, but the model has no `baseline`; "
                    f"add `baseline` to [{key}] or use an absolute limit",
                )
    return spec
