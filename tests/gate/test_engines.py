"""The timed checks measure with the engines they are given: passed to ``edgekit.gate``, or the default."""

from __future__ import annotations

import edgekit
from edgekit.gate import engines, instructions, latency
from tests.gate.conftest import write_config
from tests.gate.stand_ins import stand_in_engines

CONFIG = """
[models.pose]
model = "pose_heavier.tflite"
baseline = "pose.tflite"

[models.pose.checks]
latency = { max_slowdown = "5%" }
instructions = { max_growth = "2%", optional = true }
"""


def test_the_default_engines_are_the_real_ones():
    assert engines.DEFAULT is None
    real = engines.default_engines()
    assert real.compare_latency is latency.compare_latency
    assert real.count_instructions is instructions.count_instructions
    assert real.valgrind_available is instructions.valgrind_available


def test_engines_passed_to_the_gate_are_the_ones_it_measures_with(project):
    config = write_config(project, CONFIG)
    result = edgekit.gate(config, engines=stand_in_engines(valgrind=False))
    timed, counted = result.checks
    assert timed.verdict == "fail" and timed.evidence["method"] == "stand-in: MAC ratio, nothing timed"
    assert counted.verdict == "skip" and "valgrind is not installed" in counted.line
    result = edgekit.gate(config, engines=stand_in_engines(valgrind=True))
    assert result.checks[1].verdict == "fail" and result.checks[1].evidence["candidate"]["method"] == (
        "stand-in: 2 x MACs")
