"""Wall time of ``profile`` and ``bisect`` on pose-landmark-full (few rounds: each is many seconds).

profile: prefix sub-models written and timed round-robin in one worker for ``seconds``; bisect: two
workers (candidate, cpu-ref), every intermediate tensor exposed, two realistic input sets.
"""

from __future__ import annotations

import pytest

from edgekit.explain import bisect, profile

MODEL = "pose-landmark-full"

pytestmark = pytest.mark.slow


def test_profile_cpu(benchmark, zoo_model) -> None:
    path = zoo_model(MODEL)
    result = benchmark.pedantic(
        profile, args=(path,), kwargs={"delegates": ["cpu"], "seconds": 3.0}, rounds=2, iterations=1
    )
    run = result.runs[0]
    benchmark.extra_info.update(run.check())
    assert run.status == "ok" and run.passed


def test_profile_gpu(benchmark, zoo_model, gpu_probe) -> None:
    if not gpu_probe.available:
        pytest.skip(f"the gpu delegate cannot run here: {gpu_probe.reason}")
    path = zoo_model(MODEL)
    result = benchmark.pedantic(
        profile, args=(path,), kwargs={"delegates": ["gpu"], "seconds": 2.0}, rounds=1, iterations=1
    )
    run = result.runs[0]
    benchmark.extra_info.update(run.check())
    assert run.status == "ok"


def test_bisect_cpu_against_cpu_ref(benchmark, zoo_model) -> None:
    path = zoo_model(MODEL)
    result = benchmark.pedantic(
        bisect, args=(path,), kwargs={"delegate": "cpu", "reference": "cpu-ref"}, rounds=2, iterations=1
    )
    assert result.culprit is None
