"""End to end with the real latency engine: a slower twin of pose-landmark-lite fails, the same model passes.
"""

from __future__ import annotations

import pytest

from tests.gate.conftest import write_config

CONFIG = """
[models.pose]
model = "{model}"
baseline = "pose.tflite"

[models.pose.checks]
latency = {{ max_slowdown = "5%", max_seconds = 90 }}
"""


@pytest.mark.slow
@pytest.mark.parametrize("model, code", [("pose_heavier.tflite", 1), ("pose.tflite", 0)])
def test_the_real_engine_decides(project, cli, model, code):
    config = write_config(project, CONFIG.format(model=model))
    result_code, out, err = cli("gate", "--config", str(config), "--quiet", "--markdown", "gate.md")
    assert result_code == code, out + err
    assert "ratio" in (project / "gate.md").read_text()
