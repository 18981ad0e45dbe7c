"""The reference's own run: its input sets shared among workers side by side give exactly the
outputs one worker gives, in the sets' order; an interrupt stops every worker."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

import tests.fault_delegates  # noqa: F401  (registers the fault-injection delegates)
from edgekit.bench import reference_run
from edgekit.bench.events import RecordingListener
from edgekit.bench.reference_run import MAX_WORKERS, worker_count
from edgekit.bench.run import bench
from edgekit.devices.host import HostDevice
from edgekit.devices.request import WorkerRequest
from edgekit.measure.loop import LoopConfig
from edgekit.model.model import Model
from tests import tflite_builder

FAST = dict(runs=2, min_seconds=0.0, max_seconds=2.0, warmup_runs=0, warmup_seconds=0.0)


@pytest.fixture
def conv(tmp_path):
    return tflite_builder.conv_model(tmp_path / "conv.tflite", input_shape=(1, 32, 32, 3), filters=8)


def _reference(model, monkeypatch, workers: int):
    monkeypatch.setattr(reference_run, "worker_count", lambda sets, size: workers)
    listener = RecordingListener()
    result = bench(model, normalize=(0, 1), reference_cache=False, listeners=[listener], **FAST)
    return result, [str(m) for m in listener.of_kind("message")]


def test_sets_shared_among_workers_give_the_outputs_of_one_worker_in_order(conv, monkeypatch):
    alone, _ = _reference(conv, monkeypatch, 1)
    shared, messages = _reference(conv, monkeypatch, 3)
    assert any("3 workers side by side" in m for m in messages)
    assert len(alone.reference_extra_outputs) == len(shared.reference_extra_outputs) == 10
    for mine, theirs in zip((shared.reference_outputs, *shared.reference_extra_outputs),
                            (alone.reference_outputs, *alone.reference_extra_outputs), strict=True):
        np.testing.assert_array_equal(mine["output"], theirs["output"])
    # In order: each set's reference output is the one its own inputs give (they all differ).
    assert len({arrays["output"].tobytes() for arrays in (shared.reference_outputs,
                                                          *shared.reference_extra_outputs)}) >= 10
    assert [run.accuracy.to_dict() for run in shared.runs] == [run.accuracy.to_dict() for run in alone.runs]


def test_a_worker_that_fails_makes_the_reference_unavailable(tmp_path, monkeypatch):
    """The custom op cpu-ref lacks: every worker fails, and the result says why (no verdicts)."""
    model = tflite_builder.custom_op_model(tmp_path / "custom.tflite")
    device = HostDevice()
    sets = [{"input": np.full((1, 8), float(k), np.float32)} for k in range(6)]
    loop = LoopConfig(**reference_run.REFERENCE_LOOP)
    run = reference_run._run_sets(device, Model.open(model), WorkerRequest("cpu-ref", 1), sets, loop, 60, 2)
    assert run.status in ("unsupported", "error") and run.reason


class _InterruptedFirst(HostDevice):
    """The first group's run is interrupted (as Ctrl-C in the calling thread would be) after 0.5 s."""

    def run(self, model_path, spec, inputs, loop, timeout_s, *args, stop=None, **kwargs):
        if threading.current_thread() is threading.main_thread():
            time.sleep(0.5)
            raise KeyboardInterrupt
        kwargs["delegate_modules"] = ("tests.fault_delegates",)
        return super().run(model_path, spec, inputs, loop, timeout_s, *args, stop=stop, **kwargs)


def test_an_interrupt_stops_the_workers_beside(tmp_path):
    """The groups beside hang (a delegate that never opens the model): the interrupt ends them at
    once instead of waiting out their 120 s timeout."""
    model = Model.open(tflite_builder.add_chain(tmp_path / "m.tflite", n_ops=1))
    sets = [{"input": np.ones((1, 8), np.float32)} for _ in range(6)]
    spec = WorkerRequest("fault-hang", 1)
    loop = LoopConfig(**reference_run.REFERENCE_LOOP)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        reference_run._run_sets(_InterruptedFirst(), model, spec, sets, loop, 120, 3)
    assert time.monotonic() - start < 20
    assert not [t for t in threading.enumerate() if t.name.startswith("edgekit-reference-")]


def test_worker_count_follows_sets_cores_and_memory(monkeypatch):
    cores = len(os.sched_getaffinity(0))
    assert worker_count(1, 1000) == 1
    assert worker_count(3, 1000) == 1
    assert worker_count(11, 1000) == min(MAX_WORKERS, cores, 4)
    assert worker_count(100, 1000) == min(MAX_WORKERS, cores)
    monkeypatch.setattr(reference_run, "memory_budget", lambda: 8 * 1000)
    assert worker_count(100, 1000) == min(2, cores)
    assert worker_count(100, 10**9) == 1
