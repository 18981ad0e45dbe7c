"""The cost of verdicts: judging outputs (ms per MB of outputs) and drawing the realistic inputs.

pytest-benchmark times each call over many rounds; ``extra_info`` holds the per-MB figure derived
from its median.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edgekit.bench.judge import judge
from edgekit.inputs.realistic import realistic_inputs
from edgekit.model.contract import TensorInfo
from edgekit.verdicts.accuracy import compare_outputs
from edgekit.verdicts.roles import parse_role

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "h200-gpu"


def _outputs(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"mask": rng.normal(size=(1, 256, 256, 1)).astype(np.float32),
            "heatmap": rng.normal(size=(1, 64, 64, 39)).astype(np.float32),
            "landmarks": rng.uniform(0, 256, size=(1, 195)).astype(np.float32)}


@pytest.mark.parametrize("with_roles", [True, False], ids=["roles", "element-metrics"])
def test_judging_cost_per_megabyte(benchmark, with_roles: bool) -> None:
    reference = _outputs(0)
    noise = np.random.default_rng(1)
    candidate = {name: value + np.float32(1e-3) * noise.normal(size=value.shape).astype(np.float32)
                 for name, value in reference.items()}
    tensors = [TensorInfo(i, name, value.shape, value.shape, "float32", None)
               for i, (name, value) in enumerate(reference.items())]
    roles = {"mask": parse_role("mask:0"), "landmarks": parse_role("keypoints:39x5")} if with_roles else {}
    report = benchmark(compare_outputs, candidate, reference, candidate_tensors=tensors, precision="fp16",
                       reference_label="r", roles=roles, image_size=(256, 256))
    megabytes = sum(value.nbytes for value in candidate.values()) / 2**20
    benchmark.extra_info["output_megabytes"] = round(megabytes, 3)
    benchmark.extra_info["ms_per_megabyte"] = round(benchmark.stats.stats.median * 1000 / megabytes, 3)
    assert report.verdict in ("pass", "warn")


@pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"the real-GPU fixtures are not at {FIXTURES}")
def test_rejudging_a_real_gpu_document(benchmark) -> None:
    result = benchmark(judge, FIXTURES / "pose_landmark_full.json")
    assert any(run.accuracy and run.accuracy.verdict == "warn" for run in result.runs)


def test_drawing_six_scenes_and_five_photos_at_256(benchmark) -> None:
    image = TensorInfo(0, "image", (1, 256, 256, 3), (1, 256, 256, 3), "float32", None)
    sets = benchmark(realistic_inputs, [image], normalize=(0.0, 1.0))
    assert sets is not None and len(sets.sets) == 11
