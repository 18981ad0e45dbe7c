"""The gpu delegate runs LiteRT's real GPU path: SwiftShader's software Vulkan on a machine without a GPU.

Tests that run the delegate ask for ``gpu_available`` and are skipped, with the probe's reason, where
no Vulkan driver is found; the rest check the probe and coverage logic and run anywhere.
"""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.bench.run import bench
from edgekit.delegates import gpu
from edgekit.delegates.base import Availability
from edgekit.runners import compiled
from edgekit.system import vulkan
from tests import tflite_builder

FAST = dict(runs=2, min_seconds=0.0, max_seconds=5.0, warmup_runs=1, warmup_seconds=0.0)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_user_chosen_vulkan_driver_is_respected(monkeypatch):
    monkeypatch.setenv("VK_ICD_FILENAMES", "/somewhere/my_icd.json")
    environment, description, software = vulkan.find_vulkan_driver()
    assert environment == {} and "my_icd.json" in description and software is False


def test_without_a_gpu_device_node_swiftshader_is_chosen(monkeypatch, tmp_path):
    manifest = tmp_path / "vk_swiftshader_icd.json"
    manifest.write_text("{}")
    monkeypatch.delenv("VK_ICD_FILENAMES", raising=False)
    monkeypatch.delenv("VK_DRIVER_FILES", raising=False)
    monkeypatch.setattr(vulkan, "_SWIFTSHADER_ICDS", (str(manifest),))
    monkeypatch.setattr(vulkan, "_gpu_device_nodes", lambda: [])
    environment, description, software = vulkan.find_vulkan_driver()
    assert environment == {"VK_ICD_FILENAMES": str(manifest)}
    assert software is True and "SwiftShader" in description


def test_no_driver_at_all_says_what_to_install(monkeypatch):
    monkeypatch.delenv("VK_ICD_FILENAMES", raising=False)
    monkeypatch.delenv("VK_DRIVER_FILES", raising=False)
    monkeypatch.setattr(vulkan, "_SWIFTSHADER_ICDS", ())
    monkeypatch.setattr(vulkan, "_gpu_device_nodes", lambda: [])
    availability = gpu.GpuDelegate().probe()
    assert not availability.available
    assert "apt-get install -y chromium" in availability.reason


def test_adapter_is_read_from_the_runtime_log_line():
    line = ("I0000 environment.cc:532] Selected adapter: SwiftShader Device (Subzero), arch=swiftshader, "
            "vendor=google, backend=Vulkan, adapterType=CPU / Software")
    adapter = compiled.parse_adapter(["noise", line])
    assert adapter["adapter"] == "SwiftShader Device (Subzero)"
    assert adapter["software"] is True
    assert compiled.parse_adapter(["nothing here"])["software"] is None


def test_op_outside_the_gpu_list_is_partial_coverage_not_a_refusal(tmp_path):
    from edgekit.model.model import Model

    model = Model.open(
        tflite_builder.custom_op_model(tmp_path / "custom.tflite", op_name="Convolution2DTransposeBias")
    )
    assert gpu.GpuDelegate().coverage(model).runnable  # MediaPipe's op is in the GPU list
    other = Model.open(tflite_builder.custom_op_model(tmp_path / "other.tflite"))
    coverage = gpu.GpuDelegate().coverage(other)
    assert not coverage.runnable and "falls back to CPU" in coverage.unsupported[0].why


@pytest.mark.slow
def test_pose_landmark_lite_runs_fully_accelerated_on_the_gpu_path(zoo_model, gpu_available: Availability):
    result = bench(
        zoo_model("pose-landmark-lite"), delegates=["cpu", "gpu"], gpu_precision=["fp16", "fp32"], **FAST
    )
    cpu, fp16, fp32 = result.runs
    assert [run.status for run in result.runs] == ["ok", "ok", "ok"], [run.reason for run in result.runs]
    for run in (fp16, fp32):
        assert run.runtime["fully_accelerated"] is True
        # The adapter the runtime selected is the driver the probe found: software only on SwiftShader.
        assert run.runtime["software"] is gpu_available.detail["software"], run.runtime["adapter"]
        assert ("SwiftShader" in run.runtime["adapter"]) is gpu_available.detail["software"]
        for name, value in cpu.outputs.items():
            assert cosine(run.outputs[name], value) > 0.999, name
    # fp32 arithmetic lands closer to the CPU than fp16 does.
    name = "Identity"
    assert (
        np.abs(fp32.outputs[name] - cpu.outputs[name]).max()
        <= np.abs(fp16.outputs[name] - cpu.outputs[name]).max()
    )


@pytest.mark.slow
def test_selfie_segmentation_custom_op_runs_on_the_gpu(zoo_model, gpu_available: Availability):
    result = bench(zoo_model("selfie-segmentation"), delegates=["gpu"], **FAST)
    (run,) = result.runs
    assert run.status == "ok", run.reason
    assert run.runtime["fully_accelerated"] is True
