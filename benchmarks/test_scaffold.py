"""Scaffold cost per app (bind + golden vectors + render + validate), timed by pytest-benchmark over
three rounds; and in-browser inference latency of each generated web app on this machine, measured by
the app's own Playwright spec (``extra_info``: pytest-benchmark cannot time inside the browser; what it
times there is one whole parity run of the built project).

Uses the test suite's model cache, where the QA test model lives; golden vectors of TF.js graph models
need the TF.js converter environment (``tfjs_environment``, installed into that cache on first use).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from edgekit.scaffold.project import scaffold
from tests.scaffold.webproject import run_web_project, web_tools_missing

CASES = [
    ("pose-web", "pose-landmark-full"), ("pose-web", "movenet-lightning-tfjs"),
    ("bodypix-web", "selfie-segmentation-tfjs"), ("qa-web", "qa-test-model"),
    ("smart-scroll-web", "minilm-l6"),
    ("pose-android", "pose-landmark-full"), ("bodypix-android", "selfie-segmentation"),
    ("qa-android", "qa-test-model"), ("smart-scroll-android", "minilm-l6"),
]
WEB = [case for case in CASES if case[0].endswith("-web")]
GRAPH_MODELS = frozenset({"movenet-lightning-tfjs", "selfie-segmentation-tfjs"})


@pytest.fixture(scope="module")
def model_for(zoo_cache: Path, zoo_model, request: pytest.FixtureRequest) -> Callable[[str], str]:
    """A model spec scaffold() accepts, from the test cache; the TF.js tools first for a graph model."""

    def resolve(name: str) -> str:
        if name == "qa-test-model":
            from tests.text_models import minilm_qa

            return str(minilm_qa(zoo_cache))
        if name in GRAPH_MODELS:
            request.getfixturevalue("tfjs_environment")
        zoo_model(name)  # fetched into the test cache, or a clear failure
        return name

    return resolve


def _id(case: tuple[str, str]) -> str:
    return f"{case[0]}:{case[1]}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_scaffold_time(benchmark, case, model_for, tmp_path):
    app, model = case
    spec = model_for(model)
    counter = iter(range(100))
    result = benchmark.pedantic(lambda: scaffold(app, spec, tmp_path / f"p{next(counter)}"), rounds=3,
                                iterations=1)
    benchmark.extra_info.update({"app": app, "model": model, "files": len(result.files)})


@pytest.mark.parametrize("case", WEB, ids=_id)
def test_browser_latency(benchmark, case, model_for, tmp_path):
    reason = web_tools_missing()
    if reason:
        pytest.skip(reason)
    app, model = case
    project = tmp_path / "project"
    scaffold(app, model_for(model), project)
    run_web_project(project)  # install, build and a first parity run (warms caches)
    completed = benchmark.pedantic(lambda: run_web_project(project, install=False, build=False), rounds=1,
                                   iterations=1)
    benchmark.extra_info.update({"app": app, "model": model, "browser": completed.latencies})
    for entry in completed.latencies:
        print(f"\n{app} {model} {entry.get('backend')}: median {entry.get('median_ms')} ms "
              f"over {entry.get('runs')} runs")
    assert completed.latencies, "the parity spec printed no EDGEKIT_LATENCY line"
