"""edgekit: take a trained model to phones and browsers and prove, with numbers, that it is fast
and still correct there.

The public API mirrors the CLI: `inspect`, `bench`, `judge`, `convert`, `gate`, `doctor` (the
`delegates` verb), `zoo_list`, `zoo_pull`, `scaffold`, `scaffold_apps`, `render_report` and `merge`
(the `report` verb), and `load_document`, which reads a saved result document of any kind. Imports
are lazy so that `import edgekit` and `edgekit --help` stay instant and `bench` never pulls in
TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from edgekit.version import __version__

__all__ = [
    "__version__",
    "inspect",
    "bench",
    "judge",
    "convert",
    "gate",
    "zoo_list",
    "zoo_pull",
    "doctor",
    "scaffold",
    "scaffold_apps",
    "render_report",
    "merge",
    "load_document",
    "Model",
    "BenchResult",
    "ConvertResult",
    "GateResult",
    "MergedResult",
    "RunResult",
    "LatencyStats",
    "BenchListener",
    "EdgekitError",
]

_LAZY: dict[str, tuple[str, str | None]] = {
    "inspect": ("edgekit.api", "inspect"),
    "bench": ("edgekit.bench", None),  # callable too: see edgekit/bench/__init__.py
    "judge": ("edgekit.bench.judge", "judge"),
    "convert": ("edgekit.convert", None),  # the package is callable: see edgekit/convert/__init__.py
    "gate": ("edgekit.gate", None),  # callable too: see edgekit/gate/__init__.py
    "GateResult": ("edgekit.gate.result", "GateResult"),
    "zoo_list": ("edgekit.api", "zoo_list"),
    "zoo_pull": ("edgekit.api", "zoo_pull"),
    "doctor": ("edgekit.api", "doctor"),
    "scaffold": ("edgekit.api", "scaffold"),
    "scaffold_apps": ("edgekit.api", "scaffold_apps"),
    "render_report": ("edgekit.report.render", "render_report"),
    "merge": ("edgekit.report.merge", "merge"),
    "MergedResult": ("edgekit.report.merged_result", "MergedResult"),
    "load_document": ("edgekit.report.kinds", "load_document"),
    "Model": ("edgekit.model.model", "Model"),
    "BenchResult": ("edgekit.results.bench_result", "BenchResult"),
    "ConvertResult": ("edgekit.convert.result", "ConvertResult"),
    "RunResult": ("edgekit.results.bench_result", "RunResult"),
    "LatencyStats": ("edgekit.measure.stats", "LatencyStats"),
    "BenchListener": ("edgekit.bench.events", "BenchListener"),
    "EdgekitError": ("edgekit.errors", "EdgekitError"),
}

if TYPE_CHECKING:
    from edgekit.api import doctor, inspect, scaffold, scaffold_apps, zoo_list, zoo_pull
    from edgekit.bench.events import BenchListener
    from edgekit.bench.judge import judge
    from edgekit.bench.run import bench
    from edgekit.convert.result import ConvertResult
    from edgekit.errors import EdgekitError
    from edgekit.gate.result import GateResult
    from edgekit.measure.stats import LatencyStats
    from edgekit.model.model import Model
    from edgekit.report.kinds import load_document
    from edgekit.report.merge import merge
    from edgekit.report.merged_result import MergedResult
    from edgekit.report.render import render_report
    from edgekit.results.bench_result import BenchResult, RunResult


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'edgekit' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
