"""Three GPU figures on LiteRT's real GPU path (SwiftShader here): latency, throughput, readback."""

from __future__ import annotations

import pytest

from edgekit.bench.run import bench
from edgekit.report.console import format_bench_table

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pose_on_cpu_and_gpu(zoo_model, gpu_probe):
    if not gpu_probe.available:
        pytest.skip(f"the gpu delegate cannot run here: {gpu_probe.reason}")
    return bench(zoo_model("pose-landmark-full"), delegates=["cpu", "gpu"], gpu_precision=["fp16", "fp32"],
                 runs=3, min_seconds=0.0, max_seconds=4.0, warmup_runs=1, warmup_seconds=0.0)


def test_every_gpu_run_has_three_separately_measured_figures(pose_on_cpu_and_gpu):
    gpu_runs = [run for run in pose_on_cpu_and_gpu.runs if run.delegate == "gpu"]
    assert [run.status for run in gpu_runs] == ["ok", "ok"]
    for run in gpu_runs:
        assert run.asynchronous is True
        assert run.latency is not None and run.throughput is not None and run.readback is not None
        # Throughput has samples of its own (batches of back-to-back runs), not latency's.
        assert run.throughput.samples_ms != run.latency.samples_ms and run.throughput.p50 > 0
        # Five outputs: five GPU-to-host round trips, each cheaper than a whole inference.
        assert 0 < run.readback.p50 < run.latency.p50


def test_cpu_runs_say_throughput_is_their_latency(pose_on_cpu_and_gpu):
    (cpu,) = [run for run in pose_on_cpu_and_gpu.runs if run.delegate == "cpu"]
    assert cpu.asynchronous is False and cpu.throughput is None and cpu.readback.p50 > 0
    table = format_bench_table(pose_on_cpu_and_gpu)
    assert "= latency" in table and "thrpt p50" in table and "readback" in table


def test_the_document_keeps_all_three_with_their_samples(pose_on_cpu_and_gpu, tmp_path):
    document = pose_on_cpu_and_gpu.to_dict()
    index, gpu = next((i, run) for i, run in enumerate(document["runs"]) if run["delegate"] == "gpu")
    arrays = pose_on_cpu_and_gpu.arrays()
    for key in ("latency_ms", "throughput_ms", "readback_ms"):
        assert gpu[key]["p50"] > 0 and gpu[key]["count"] == arrays[f"runs/{index}/samples/{key}"].size
