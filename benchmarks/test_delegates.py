"""One inference of each zoo model on the cpu delegate (XNNPACK, 1 and 2 threads) and on the gpu
delegate's path, timed by pytest-benchmark in this process with the runners ``edgekit bench`` uses.

On a machine without a GPU the gpu figures come from SwiftShader's software Vulkan: they show the GPU
code path works, not what a GPU would do; ``extra_info`` names the adapter the runtime selected. The
gpu runner's invoke returns before the GPU finishes, so its round includes reading the outputs back.
"""

from __future__ import annotations

import numpy as np
import pytest

from edgekit import delegates
from edgekit.delegates.base import Availability, RunOptions
from edgekit.inputs.seeded import generate_inputs
from edgekit.model.model import Model

MODELS = ["selfie-segmentation", "pose-landmark-lite", "pose-landmark-full"]


def _inputs(path) -> dict[str, np.ndarray]:
    return generate_inputs(Model.open(path).inputs, seed=0)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", MODELS)
def test_cpu_inference(benchmark, zoo_model, name: str, threads: int) -> None:
    path = zoo_model(name)
    runner = delegates.get("cpu").open(str(path), RunOptions(threads=threads))
    try:
        runner.set_inputs(_inputs(path))
        benchmark.extra_info.update(model=name, threads=threads)
        benchmark.pedantic(runner.invoke, rounds=100, warmup_rounds=10, iterations=1)
    finally:
        runner.close()


@pytest.mark.parametrize("name", MODELS)
def test_gpu_path_inference_and_read_back(benchmark, zoo_model, gpu_probe: Availability, monkeypatch,
                                          name: str) -> None:
    if not gpu_probe.available:
        pytest.skip(f"the gpu delegate cannot run here: {gpu_probe.reason}")
    for variable, value in gpu_probe.detail.get("worker_env", {}).items():
        monkeypatch.setenv(variable, value)  # what the host worker would set: the Vulkan driver to load
    path = zoo_model(name)
    runner = delegates.get("gpu").open(str(path), RunOptions(precision="fp16"))
    try:
        runner.set_inputs(_inputs(path))

        def inference_and_read_back() -> None:
            runner.invoke()
            runner.outputs()

        benchmark.pedantic(inference_and_read_back, rounds=10, warmup_rounds=2, iterations=1)
        info = runner.info()
        plain = {key: value for key, value in info.items() if isinstance(value, (str, bool, int, float))}
        software = gpu_probe.detail["software"]
        benchmark.extra_info.update(model=name, precision="fp16", software_vulkan=software, **plain)
    finally:
        runner.close()
