"""The gate document says how far its timed verdicts can be trusted: its ``warnings``."""

from __future__ import annotations

import dataclasses

from edgekit.gate.config import load_config
from edgekit.gate.latency_advice import load_warning
from edgekit.gate.result import GateResult
from edgekit.gate.run import machine_warnings
from tests.gate.conftest import write_config
from tests.gate.stand_ins import fake_latency_decision, install_stand_ins

CONFIG = """
[models.pose]
model = "pose.tflite"
baseline = "pose.tflite"
threads = [{threads}]

[models.pose.checks]
{checks}
"""


def _specs(tmp_path, threads="1", checks='latency = { max_slowdown = "5%" }'):
    return load_config(write_config(tmp_path, CONFIG.format(threads=threads, checks=checks))).models


def test_a_crowded_start_and_more_threads_than_cores_are_warned(tmp_path):
    specs = _specs(tmp_path, threads="1, 4")
    warnings = machine_warnings(specs, {"usable_cores": 2, "load_average_at_start": [5.2, 3.0, 1.0]})
    assert len(warnings) == 2
    assert warnings[0].startswith("the load average was 5.2 at the start of the gate on 2 usable cores")
    assert warnings[1].startswith("models.pose.threads: 4 threads on 2 usable cores")
    assert "at most 2" in warnings[1]


def test_a_quiet_machine_or_untimed_checks_give_no_warning(tmp_path):
    quiet = {"usable_cores": 2, "load_average_at_start": [0.4, 0.3, 0.2]}
    assert machine_warnings(_specs(tmp_path), quiet) == []
    busy = {"usable_cores": 2, "load_average_at_start": [9.0, 9.0, 9.0]}
    untimed = _specs(tmp_path, threads="8", checks='size = { max_growth = "1%" }')
    assert machine_warnings(untimed, busy) == []


def test_load_during_a_decision_is_a_warning_only_above_the_cores():
    assert load_warning({"usable_cores": 2, "start": 0.5, "median": 1.0, "max": 1.9}) is None
    text = load_warning({"usable_cores": 2, "start": 1.5, "median": 3.0, "max": 4.25})
    assert text and "was 1.5 at the first worker and reached 4.2 on 2 usable cores" in text


def test_the_decisions_load_reaches_the_document_warnings(project, cli, monkeypatch):
    def crowded(*args, **kwargs):
        decision = fake_latency_decision(*args, **kwargs)
        load = {"usable_cores": 2, "start": 3.0, "median": 4.0, "max": 6.5}
        return dataclasses.replace(decision, load=load)

    install_stand_ins(monkeypatch, compare_latency=crowded)
    config = write_config(project, CONFIG.format(threads="1", checks='latency = { max_slowdown = "5%" }'))
    code, _, _ = cli("gate", "--config", str(config), "--quiet", "--json", "gate.json")
    assert code == 0
    document = GateResult.load(project / "gate.json")
    during = [w for w in document.warnings if w.startswith("pose: latency cpu x1: ")]
    assert len(during) == 1 and "reached 6.5 on 2 usable cores" in during[0]
    assert document.checks[0].warnings == (during[0].removeprefix("pose: latency cpu x1: "),)
