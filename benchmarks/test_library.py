"""The library's own work around a measurement, on a real model: inspecting it, generating its inputs,
summarizing latency samples. Each is timed by pytest-benchmark over many rounds."""

from __future__ import annotations

import numpy as np

from edgekit.inputs.seeded import generate_inputs
from edgekit.measure.stats import LatencyStats
from edgekit.model.model import Model

MODEL = "pose-landmark-full"  # 6.4 MB, 332 ops


def test_inspect_a_model(benchmark, zoo_model) -> None:
    path = zoo_model(MODEL)
    model = benchmark(Model.open, path)
    assert len(model.ops) == 332


def test_generate_inputs(benchmark, zoo_model) -> None:
    tensors = Model.open(zoo_model(MODEL)).inputs
    arrays = benchmark(generate_inputs, tensors, 0)
    assert [array.shape for array in arrays.values()] == [(1, 256, 256, 3)]


def test_latency_stats_of_ten_thousand_samples(benchmark) -> None:
    samples = list(np.random.default_rng(0).lognormal(mean=1.0, sigma=0.2, size=10_000))
    stats = benchmark(LatencyStats.from_samples, samples)
    assert stats.count == 10_000
