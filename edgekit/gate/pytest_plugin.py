"""pytest plugin: every configured gate check is a test item, and ``edgekit_gate`` writes gates in Python.

Registered through the ``pytest11`` entry point, so installing edgekit is enough. pytest collects
``edgekit.toml`` (or a ``pyproject.toml`` with ``[tool.edgekit]``) in the rootdir; each check of
each model becomes an item ``MODEL[CHECK]``. A failing check fails its item with the verdict
line; a skipped one (optional tool missing, budget for another device class) is skipped with it.
When pytest runs without paths and the ini file's ``testpaths`` leaves the rootdir out, the
configuration is added to what it collects, so the gate is not silently skipped.

Figures go to ``--junitxml`` as properties. pytest writes a test's ``user_properties`` inside its
``testcase``, which the xunit2 schema (pytest's default ``junit_family``) does not allow; pytest's
own ``record_property`` only warns about it. So under xunit2 the figures are suite properties
(what ``record_testsuite_property`` writes), named ``MODEL[CHECK].FIGURE``; under xunit1/legacy
they stay on the testcase.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edgekit.errors import EdgekitError, GateConfigError
from edgekit.gate.config import find_config, load_config, parse_model
from edgekit.gate.context import ModelContext, open_context
from edgekit.gate.engines import Engines, default_engines
from edgekit.gate.properties import check_properties
from edgekit.gate.result import CheckResult
from edgekit.gate.run import evaluate, preflight, require_delegates
from edgekit.gate.spec import CheckSpec, ConfigSource, GateSettings, ModelSpec

try:  # where --junitxml keeps its writer; pytest's record_testsuite_property uses the same key
    from _pytest.junitxml import xml_key as _JUNIT_XML
except ImportError:  # pragma: no cover - a pytest that moved it: figures stay in the failure text
    _JUNIT_XML = None  # type: ignore[assignment]

__all__ = ["GateChecks", "GateFile", "GateItem", "edgekit_gate", "pytest_collect_file"]

_CONTEXTS = pytest.StashKey["_Contexts"]()


class GateCheckFailed(Exception):
    """A gate check said fail; the message is its verdict line."""


class _Contexts:
    """Each model's context, opened on first use and closed when the session ends.

    ENGINES are what timed checks measure with; by default :func:`default_engines` when a context
    is opened.
    """

    def __init__(self, engines: Engines | None = None) -> None:
        self._stack = contextlib.ExitStack()
        self._open: dict[tuple[Path, str], ModelContext] = {}
        self._engines = engines

    def get(self, spec: ModelSpec, settings: GateSettings) -> ModelContext:
        key = (spec.source.path, spec.name)
        if key not in self._open:
            engines = self._engines or default_engines()
            preflight(spec, engines)
            require_delegates(spec)
            self._open[key] = self._stack.enter_context(open_context(spec, settings, engines=engines))
        return self._open[key]

    def close(self) -> None:
        self._stack.close()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_CONTEXTS] = _Contexts()
    _collect_beside_testpaths(config)


def _collect_beside_testpaths(config: pytest.Config) -> None:
    """Given no paths, pytest collects only ``testpaths``; the gate's file sits in the rootdir."""
    if config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        return
    found = find_config(config.rootpath)
    if found is None:
        return
    searched = [Path(arg).resolve() for arg in config.args]
    if not any(found.resolve().is_relative_to(folder) for folder in searched):
        config.args.append(str(found))


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

    def __init__(
        self, *, spec: ModelSpec, check: CheckSpec[Any], settings: GateSettings, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.spec, self.check, self.settings = spec, check, settings
        self.result: CheckResult | None = None

    def runtest(self) -> None:
        context = self.config.stash[_CONTEXTS].get(self.spec, self.settings)
        self.result = evaluate(self.check, context)
        _record(self, check_properties(self.result))
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


def _record(item: pytest.Item, properties: list[tuple[str, str]]) -> None:
    """The figures where the JUnit XML can hold them (see the module docstring)."""
    xml = item.config.stash.get(_JUNIT_XML, None) if _JUNIT_XML is not None else None
    if xml is None or xml.family == "xunit1":
        item.user_properties.extend(properties)
        return
    for name, value in properties:
        xml.add_global_property(name, value)


class GateChecks:
    """The same checks from Python: ``edgekit_gate.check_size("m.tflite", max_bytes=3_000_000)``.

    Options are the configuration's keys, checked the same way; paths are relative to the working
    directory. A failing check fails the test with its verdict line, a bad option or file with one
    line naming it; each call returns the results. Figures go to the JUnit XML's suite properties.
    ``check(KIND, ...)`` runs any registered kind, your own included (:mod:`edgekit.gate.checks`).
    """

    def __init__(
        self, record: Callable[[str, object], None] | None = None, *, engines: Engines | None = None
    ) -> None:
        self._contexts = _Contexts(engines)
        self._record = record

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
        """Run the KIND check (``size``, ``coverage``, ``latency``, any registered kind) on MODEL; every
        result it gave."""
        table: dict[str, Any] = {"model": str(model), "threads": threads, "checks": {kind: options}}
        if baseline is not None:
            table["baseline"] = str(baseline)
        if delegates is not None:
            table["delegates"] = delegates
        source = ConfigSource(Path.cwd() / "edgekit_gate", "", confined=False)  # the test's own paths
        refused = ""
        try:
            spec = parse_model(source, "python", table)
            context = self._contexts.get(spec, GateSettings())
            results = [evaluate(check, context) for check in spec.checks]
        except EdgekitError as exc:
            refused = _refused(kind, exc)
        if refused:  # failed outside the except block, so pytest shows no chained exception
            pytest.fail(refused, pytrace=False)
        for result in results:
            for name, value in check_properties(result):
                if self._record is not None:
                    self._record(name, value)
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


def _refused(kind: str, exc: EdgekitError) -> str:
    """One line for a bad option or file of an ``edgekit_gate`` call: the call, the option, the reason."""
    call = f"edgekit_gate.check_{kind}"
    if isinstance(exc, GateConfigError):
        option = exc.key.removeprefix("models.python").lstrip(".").removeprefix(f"checks.{kind}").lstrip(".")
        return f"{call}: {option or kind}: {exc.reason}"
    return f"{call}: {exc}"


@pytest.fixture
def edgekit_gate(record_testsuite_property: Callable[[str, object], None]) -> Iterator[GateChecks]:
    """Gate checks from Python, over the same engine ``edgekit gate`` runs."""
    checks = GateChecks(record_testsuite_property)
    try:
        yield checks
    finally:
        checks.close()
