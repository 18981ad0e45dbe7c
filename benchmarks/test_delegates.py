"""CPU and GPU-path numbers for the zoo models, as `edgekit bench` measures them.

On a machine without a GPU the gpu figures come from SwiftShader's software Vulkan: they show the
GPU code path works and how its numerics compare, not what a GPU would do. Each record names the
adapter the runtime selected.
"""

from __future__ import annotations

import pytest

from edgekit.bench import bench

MODELS = ["selfie-segmentation", "pose-landmark-lite", "pose-landmark-full"]


@pytest.mark.parametrize("name", MODELS)
def test_zoo_model_on_cpu_and_gpu_path(benchmark, zoo_model, name):
    model = zoo_model(name)
    holder = {}

    def run() -> None:
        holder["cpu"] = bench(model, delegates=["cpu"], threads=[1, 2], runs=50, min_seconds=1.0, accuracy=False)
        holder["gpu"] = bench(model, delegates=["gpu"], runs=10, min_seconds=0.0, warmup_runs=2, max_seconds=60)

    benchmark.pedantic(run, rounds=1, iterations=1)
    rows = []
    for run in [*holder["cpu"].runs, *holder["gpu"].runs]:
        assert run.status == "ok", run.reason
        record = {"run": run.label, "p50_ms": run.latency.p50, "init_ms": run.init_ms, "runs": run.latency.count}
        if run.accuracy:
            record.update(verdict=run.accuracy.verdict, worst_cosine=min(o.cosine for o in run.accuracy.outputs))
        if run.runtime.get("adapter"):
            record.update(adapter=run.runtime["adapter"], software=run.runtime["software"],
                          fully_accelerated=run.runtime["fully_accelerated"])
        rows.append(record)
    benchmark.extra_info.update(model=name, runs=rows)
    print()
    for record in rows:
        print(f"{name}: {record}")
