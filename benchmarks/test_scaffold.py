"""Scaffold cost per app (bind + golden vectors + render + validate), and in-browser inference
latency of each generated web app on this machine, measured by the app's own Playwright spec.

Uses the test suite's model cache (``$EDGEKIT_TEST_CACHE`` or ``.pytest_cache/edgekit-zoo``), where
the QA test model and the TF.js converter environment (golden vectors of graph models) live.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edgekit.scaffold.project import scaffold
from tests.scaffold.webproject import run_web_project, web_tools_missing

REPO_ROOT = Path(__file__).resolve().parents[1]
CASES = [
    ("pose-web", "pose-landmark-full"), ("pose-web", "movenet-lightning-tfjs"),
    ("bodypix-web", "selfie-segmentation-tfjs"), ("qa-web", "qa-test-model"), ("smart-scroll-web", "minilm-l6"),
    ("pose-android", "pose-landmark-full"), ("bodypix-android", "selfie-segmentation"),
    ("qa-android", "qa-test-model"), ("smart-scroll-android", "minilm-l6"),
]
WEB = [case for case in CASES if case[0].endswith("-web")]


@pytest.fixture(scope="module")
def model_for(tmp_path_factory):
    cache = Path(os.environ.get("EDGEKIT_TEST_CACHE", REPO_ROOT / ".pytest_cache" / "edgekit-zoo"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDGEKIT_CACHE_DIR", str(cache))

        def resolve(name: str) -> str:
            if name == "qa-test-model":
                from tests.text_models import minilm_qa

                return str(minilm_qa(cache))
            return name

        yield resolve


def _id(case: tuple[str, str]) -> str:
    return f"{case[0]}:{case[1]}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_scaffold_time(benchmark, case, model_for, tmp_path):
    app, model = case
    spec = model_for(model)
    counter = iter(range(100))
    result = benchmark.pedantic(lambda: scaffold(app, spec, tmp_path / f"p{next(counter)}"), rounds=3, iterations=1)
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
    completed = benchmark.pedantic(lambda: run_web_project(project, install=False, build=False), rounds=1, iterations=1)
    benchmark.extra_info.update({"app": app, "model": model, "browser": completed.latencies})
    for entry in completed.latencies:
        print(f"\n{app} {model} {entry.get('backend')}: median {entry.get('median_ms')} ms over {entry.get('runs')} runs")
    assert completed.latencies, "the parity spec printed no EDGEKIT_LATENCY line"
