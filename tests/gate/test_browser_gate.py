"""The gate on a browser delegate, end to end: both models in one page per round, real Chromium.

pose-landmark-lite against itself passes; against its slower twin (two extra convolutions, the same
outputs) it fails, confirmed by a second decision.
"""

from __future__ import annotations

import pytest

from tests.gate.conftest import write_config

CONFIG = """
[models.pose]
model = "{model}"
baseline = "pose.tflite"
delegates = ["tflite-wasm"]

[models.pose.checks]
latency = {{ max_slowdown = "5%", max_seconds = 300 }}
"""


@pytest.fixture
def browser_available():
    from edgekit import delegates

    availability = delegates.get("tflite-wasm").probe()
    if not availability.available:
        pytest.skip(f"tflite-wasm cannot run here: {availability.reason}")


@pytest.mark.slow
@pytest.mark.parametrize("model, code, verdict", [("pose.tflite", 0, "pass"),
                                                  ("pose_heavier.tflite", 1, "fail")])
def test_browser_gate_passes_a_copy_and_fails_the_slower_twin(project, cli, browser_available, model, code,
                                                              verdict):
    config = write_config(project, CONFIG.format(model=model))
    result_code, out, err = cli("gate", "--config", str(config), "--quiet", "--markdown", "gate.md")
    assert result_code == code, out + err
    line = next(line for line in out.splitlines() if "latency tflite-wasm x1" in line)
    assert verdict in line, out
    assert "ratio" in (project / "gate.md").read_text()
