"""Which Chromium runs, and with which flags per backend: never a downloaded browser."""

from __future__ import annotations

from pathlib import Path

from edgekit.browser.chromium import CHROMIUM_ENV, GPU_ENV, find_chromium, launch_plan


def test_chromium_path_overrides_the_system_browser(monkeypatch, tmp_path):
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "chrome"))
    assert find_chromium() == tmp_path / "chrome"


def test_wasm_runs_without_a_gpu_process():
    plan = launch_plan("wasm", Path("/usr/bin/chromium"))
    assert "--disable-gpu" in plan.args and "--no-sandbox" in plan.args and "--disable-quic" in plan.args
    assert not plan.env


def test_webgl_uses_swiftshader_unless_told_to_use_the_system_gpu(monkeypatch):
    monkeypatch.delenv(GPU_ENV, raising=False)
    plan = launch_plan("webgl", Path("/usr/bin/chromium"))
    assert {"--use-angle=swiftshader", "--enable-unsafe-swiftshader"} <= set(plan.args)
    assert "software" in plan.gpu
    monkeypatch.setenv(GPU_ENV, "system")
    plan = launch_plan("webgl", Path("/usr/bin/chromium"))
    assert not any("swiftshader" in flag for flag in plan.args) and plan.gpu == "system GPU"


def test_webgpu_gets_the_vulkan_driver_and_the_unsafe_webgpu_flag(monkeypatch):
    monkeypatch.delenv(GPU_ENV, raising=False)
    monkeypatch.delenv("VK_ICD_FILENAMES", raising=False)
    plan = launch_plan("webgpu", Path("/usr/bin/chromium"))
    assert "--enable-unsafe-webgpu" in plan.args and "--enable-features=Vulkan" in plan.args
    assert "XDG_RUNTIME_DIR" in plan.env
    if Path("/usr/lib/chromium/vk_swiftshader_icd.json").is_file():
        assert plan.env["VK_ICD_FILENAMES"] == "/usr/lib/chromium/vk_swiftshader_icd.json"
