"""`gate`: read the configuration, run every check of every model, return one GateResult.

Checks run model by model, in the order configured; each yields a CheckResult from the function
its kind's registry entry names (:mod:`edgekit.gate.checks`). Anything that keeps a check from
being judged (a missing baseline or golden file, a delegate that cannot run here, a missing tool)
stops the gate with an EdgekitError and its exit code: fail closed.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from edgekit.errors import DelegateUnavailable, UsageError
from edgekit.gate import checks, golden
from edgekit.gate.check_kind import option_keys
from edgekit.gate.config import find_config, load_config
from edgekit.gate.context import ModelContext, open_context
from edgekit.gate.engines import Engines, default_engines
from edgekit.gate.result import CheckResult, GateResult
from edgekit.gate.spec import CheckSpec, GateConfig, ModelSpec

__all__ = ["evaluate", "gate", "machine_warnings", "preflight", "record", "require_delegates",
           "resolve_config", "select_models"]

Log = Callable[[str], None]


def gate(
    config: str | os.PathLike[str] | None = None,
    *,
    only: Sequence[str] | str | None = None,
    log: Log | None = None,
    engines: Engines | None = None,
) -> GateResult:
    """Run every check CONFIG (a path; default edgekit.toml or pyproject.toml here) configures.

    ONLY limits the gate to the named model tables. ENGINES are what the timed checks measure with
    (default: :func:`edgekit.gate.engines.default_engines`). The result's ``exit_code`` is 1 when a
    check failed; problems that keep a check from being judged raise EdgekitError instead.
    """
    from edgekit.gate.commit_info import commit_info
    from edgekit.system.environment import environment_fingerprint

    engines = engines or default_engines()
    loaded = load_config(resolve_config(config))
    threads = sorted({t for spec in loaded.models for t in spec.threads})
    environment = environment_fingerprint(threads)  # now: its load average is the one at the start
    results: list[CheckResult] = []
    models = {}
    selected = select_models(loaded, only)
    warnings = machine_warnings(selected, environment)
    for spec in selected:
        preflight(spec, engines)
        require_delegates(spec)
        with open_context(spec, loaded.settings, log=log, engines=engines) as context:
            models[spec.name] = {
                "model": spec.model,
                "model_path": str(context.candidate_path),
                "model_sha256": context.candidate.sha256,
                "baseline": spec.baseline,
            }
            results.extend(evaluate(check, context) for check in spec.checks)
    warnings += [f"{check.model}: {check.check}: {text}" for check in results for text in check.warnings]
    return GateResult(config=str(loaded.path), checks=results, models=models, environment=environment,
                      warnings=warnings, commit=commit_info(loaded.path.parent))


def record(
    config: str | os.PathLike[str] | None = None,
    *,
    only: Sequence[str] | str | None = None,
    log: Log | None = None,
) -> list[Path]:
    """Write the golden file of every accuracy check, from each model as it is now; returns the files.

    Every golden file's place is checked first (inside the configuration's folder, writable, not a
    directory or FIFO), so a bad one stops the run before any model is measured.
    """
    loaded = load_config(resolve_config(config))
    planned = [(spec, [check for check in spec.checks if check.kind == golden.ACCURACY.name])
               for spec in select_models(loaded, only)]
    for spec, accuracy in planned:  # every target proven writable before the first model runs
        for check in accuracy:
            golden.check_golden_output(spec, check)
    written: list[Path] = []
    for spec, accuracy in planned:
        if not accuracy:
            continue
        with open_context(spec, loaded.settings, log=log, need_baseline=False) as context:
            written.extend(golden.record_golden(context, check) for check in accuracy)
    if not written:
        raise UsageError(
            "record",
            "no model has an accuracy check, so there is nothing to record; "
            'add accuracy = { golden = "FILE.npz" } to a model\'s checks',
        )
    return written


#: A library parameter a check's engine may refuse -> the ``[models.NAME]`` key that set it.
_MODEL_KEYS = {"threads": "threads", "delegates": "delegates", "delegate": "delegates", "seed": "seed"}


def _timed(check: CheckSpec[Any]) -> bool:
    """Whether the check's verdict rests on a timing on this machine."""
    kind = checks.find(check.kind)
    return kind is not None and kind.timed


def preflight(spec: ModelSpec, engines: Engines) -> None:
    """Fail closed before any check of SPEC runs when a tool one of them needs is missing (exit 3)."""
    for check in spec.checks:
        entry = checks.entry(check.kind)
        if entry.preflight is not None:
            entry.preflight(spec, check, engines)


def evaluate(check: CheckSpec[Any], context: ModelContext) -> CheckResult:
    """Judge one check of the model CONTEXT holds; the result says how long it took.

    An engine that refuses a configured value (``UsageError("confidence", ...)``) is reported
    against the configuration's file, line and key, never as a command-line flag.
    """
    began = time.monotonic()
    try:
        result = checks.entry(check.kind).judge(context, check)
    except UsageError as exc:
        if exc.parameter in _MODEL_KEYS:
            model_key = _MODEL_KEYS[exc.parameter]
            raise context.spec.source.error(f"{context.spec.key}.{model_key}", exc.reason) from None
        if exc.parameter in option_keys(check.options):
            raise context.spec.source.error(f"{check.key}.{exc.parameter}", exc.reason) from None
        raise
    return dataclasses.replace(result, seconds=round(time.monotonic() - began, 3))


def machine_warnings(specs: Sequence[ModelSpec], environment: dict[str, Any]) -> list[str]:
    """What about this machine makes timed checks less trustworthy: a crowd at the start, few cores."""
    timed = [spec for spec in specs if any(_timed(check) for check in spec.checks)]
    if not timed:
        return []
    cores = environment.get("usable_cores") or environment.get("logical_cores") or 1
    warnings = []
    load = environment.get("load_average_at_start")
    if load and load[0] > cores:
        warnings.append(
            f"the load average was {load[0]:.1f} at the start of the gate on {cores} usable cores: other "
            "jobs share this machine, so timed checks may take longer and wall-time figures are inflated"
        )
    for spec in timed:
        for threads in spec.threads:
            if threads > cores:
                warnings.append(
                    f"{spec.key}.threads: {threads} threads on {cores} usable cores: the threads take turns "
                    "on the cores, so the timing says little about a device that has them; gate with at "
                    f"most {cores}"
                )
    return warnings


def resolve_config(config: str | os.PathLike[str] | None) -> Path:
    """CONFIG, or edgekit.toml / pyproject.toml with [tool.edgekit] in the working directory."""
    if config is not None:
        return Path(config)
    found = find_config(Path.cwd())
    if found is None:
        raise UsageError(
            "config",
            "no edgekit.toml (or pyproject.toml with [tool.edgekit]) in "
            f"{Path.cwd()}; create one or pass `config`",
        )
    return found


def select_models(config: GateConfig, only: Sequence[str] | str | None) -> list[ModelSpec]:
    """The model tables ONLY names (all when None); an unknown name is a UsageError listing them."""
    if only is None:
        return list(config.models)
    wanted = [only] if isinstance(only, str) else list(only)
    names = [spec.name for spec in config.models]
    for name in wanted:
        if name not in names:
            raise UsageError("only", f"no model {name!r} in {config.path}; models: {', '.join(names)}")
    return [spec for spec in config.models if spec.name in wanted]


def require_delegates(spec: ModelSpec) -> None:
    """Each delegate the model table lists must be able to run here (exit 3 with the reason)."""
    from edgekit import delegates

    for name in spec.delegates:
        availability = delegates.get(name).probe()
        if not availability.available:
            raise DelegateUnavailable(
                name,
                f"{availability.reason} ({spec.key}.delegates requires it; "
                "run the gate on a runner that has it, or remove it)",
            )
