"""pytest plugin: every configured gate check is a test item, and ``edgekit_gate`` writes gates in Python.

Registered through the ``pytest11`` entry point, so installing edgekit is enough. pytest collects
``edgekit.toml`` (or a ``pyproject.toml`` with ``[tool.edgekit]``) in the rootdir; each check of
each model becomes an item ``MODEL[CHECK]``. A failing check fails its item with the verdict
line; a skipped one (optional tool missing, budget for another device class) is skipped with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edgekit.errors import EdgekitError
from edgekit.gate.config import (
    CheckSpec,
    ConfigSource,
    GateSettings,
    ModelSpec,
    find_config,
    load_config,
    parse_model,
)
from edgekit.gate.context import ModelContext, open_context
from edgekit.gate.performance import preflight
from edgekit.gate.result import CheckResult
from edgekit.gate.run import evaluate, require_delegates

__all__ = ["GateChecks", "GateFile", "GateItem", "edgekit_gate", "pytest_collect_file"]

_CONTEXTS = pytest.StashKey["_Contexts"]()


class GateCheckFailed(Exception):
    """A gate check said fail; the message is its verdict line."""


class _Contexts:
    """Each model's context, opened on first use and closed when the session ends."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._open: dict[tuple[Path, str], ModelContext] = {}

    def get(self, spec: ModelSpec, settings: GateSettings) -> ModelContext:
        key = (spec.source.path, spec.name)
        if key not in self._open:
            preflight(spec)
            require_delegates(spec)
            self._open[key] = self._stack.enter_context(open_context(spec, settings))
        return self._open[key]

    def close(self) -> None:
        self._stack.close()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_CONTEXTS] = _Contexts()


def pytest_unconfigure(config: pytest.Config) -> None:
    contexts = config.stash.get(_CONTEXTS, None)
    if contexts is not None:
        contexts.close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> GateFile | None:
    """The rootdir's gate configuration, as a file of gate items."""
    if file_path.name not in ("edgekit.toml", "pyproject.toml") or file_path.parent != parent.config.rootpath:
        return None
    if find_config(file_path.parent) != file_path:
        return None
    return GateFile.from_parent(parent, path=file_path)


class GateFile(pytest.File):
    """A gate configuration: one item per check of every model."""

    def collect(self) -> Iterator[GateItem]:
        config = load_config(self.path)
        for spec in config.models:
            for check in spec.checks:
                yield GateItem.from_parent(
                    self, name=f"{spec.name}[{check.name}]", spec=spec, check=check, settings=config.settings
                )

    # pytest's own Collector drops Node's `style` parameter; this keeps the Collector's signature.
    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        # A configuration error is one line, not a traceback into edgekit.
        if isinstance(excinfo.value, EdgekitError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class GateItem(pytest.Item):
    """One check of one model."""

    def __init__(self, *, spec: ModelSpec, check: CheckSpec, settings: GateSettings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec, self.check, self.settings = spec, check, settings
        self.result: CheckResult | None = None

    def runtest(self) -> None:
        context = self.config.stash[_CONTEXTS].get(self.spec, self.settings)
        self.result = evaluate(self.check, context)
        self.user_properties.append(("verdict", self.result.line))
        if self.result.verdict == "fail":
            raise GateCheckFailed(self.result.line)
        if self.result.verdict == "skip":
            pytest.skip(self.result.line)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, (GateCheckFailed, EdgekitError)):
            return f"{self.spec.name}: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"edgekit gate {self.spec.name}: {self.check.name}"


class GateChecks:
    """The same checks from Python: ``edgekit_gate.check_size("m.tflite", max_bytes=3_000_000)``.

    Options are the configuration's keys, checked the same way; paths are relative to the working
    directory. A failing check fails the test with its verdict line; each call returns the result.
    """

    def __init__(self) -> None:
        self._contexts = _Contexts()

    def check(
        self,
        kind: str,
        model: str | Path,
        *,
        baseline: str | Path | None = None,
        delegates: list[str] | None = None,
        threads: int | list[int] = 1,
        **options: Any,
    ) -> list[CheckResult]:
        """Run the KIND check (``size``, ``coverage``, ``latency``...) on MODEL; every result it gave."""
        table: dict[str, Any] = {"model": str(model), "threads": threads, "checks": {kind: options}}
        if baseline is not None:
            table["baseline"] = str(baseline)
        if delegates is not None:
            table["delegates"] = delegates
        source = ConfigSource(Path.cwd() / "edgekit_gate", "", confined=False)  # the test's own paths
        spec = parse_model(source, "python", table)
        context = self._contexts.get(spec, GateSettings())
        results = [evaluate(check, context) for check in spec.checks]
        failed = [result.line for result in results if result.failed]
        if failed:
            pytest.fail("; ".join(failed), pytrace=False)
        return results

    def check_size(self, model: str | Path, **options: Any) -> CheckResult:
        return self.check("size", model, **options)[0]

    def check_ops(self, model: str | Path, **options: Any) -> CheckResult:
        return self.check("ops", model, **options)[0]

    def check_macs(self, model: str | Path, **options: Any) -> CheckResult:
        return self.check("macs", model, **options)[0]

    def check_custom_ops(self, model: str | Path, **options: Any) -> CheckResult:
        return self.check("custom_ops", model, **options)[0]

    def check_coverage(self, model: str | Path, delegate: str, **options: Any) -> CheckResult:
        per_delegate: dict[str, Any] = {delegate: options}
        return self.check("coverage", model, **per_delegate)[0]

    def check_accuracy(self, model: str | Path, golden: str | Path, **options: Any) -> CheckResult:
        return self.check("accuracy", model, golden=str(golden), **options)[0]

    def check_latency(self, model: str | Path, baseline: str | Path, **options: Any) -> list[CheckResult]:
        return self.check("latency", model, baseline=baseline, **options)

    def close(self) -> None:
        self._contexts.close()


@pytest.fixture
def edgekit_gate() -> Iterator[GateChecks]:
    """Gate checks from Python, over the same engine ``edgekit gate`` runs."""
    checks = GateChecks()
    try:
        yield checks
    finally:
        checks.close()
