"""Host device isolation: a worker that crashes, hangs or raises is recorded, and other runs go on."""

from __future__ import annotations

import numpy as np
import pytest

import tests.fault_delegates  # noqa: F401  (registers the fault-injection delegates)
from edgekit.bench.run import bench
from edgekit.devices.host_worker import classify_open_error
from tests import tflite_builder

FAST = dict(runs=5, min_seconds=0.0, max_seconds=1.0, warmup_runs=1, warmup_seconds=0.0)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return tflite_builder.add_chain(tmp_path_factory.mktemp("tiny") / "add_chain.tflite", n_ops=3)


def test_segfaulting_worker_is_recorded_as_crashed_and_next_run_completes(tiny_model):
    result = bench(tiny_model, delegates=["fault-segfault", "cpu"], **FAST)
    crashed, ok = result.runs
    assert crashed.status == "crashed"
    assert "SIGSEGV" in crashed.reason
    assert ok.status == "ok" and ok.latency.count >= 5
    assert result.failed_runs == [crashed]


def test_hanging_worker_is_killed_at_the_timeout_and_next_run_completes(tiny_model):
    result = bench(tiny_model, delegates=["fault-hang", "cpu"], timeout=8, **FAST)
    hung, ok = result.runs
    assert hung.status == "timeout"
    assert "8 s timeout" in hung.reason
    assert ok.status == "ok"


def test_delegate_that_raises_is_an_error_with_its_message(tiny_model):
    result = bench(tiny_model, delegates=["fault-raise", "cpu"], **FAST)
    assert result.runs[0].status == "error"
    assert "refused to open the model" in result.runs[0].reason
    assert result.runs[1].status == "ok"


def test_outputs_a_subverted_worker_forged_are_refused_before_they_are_allocated(tiny_model):
    result = bench(tiny_model, delegates=["fault-forge", "cpu"], **FAST)
    forged, ok = result.runs
    assert forged.status == "error" and forged.outputs is None
    assert forged.reason.startswith("the worker's outputs were refused: ")
    assert "declares 17179869184 float32 = 64.0 GiB" in forged.reason and "forged" in forged.reason
    assert ok.status == "ok"


def test_unavailable_delegate_is_reported_not_dropped(tiny_model):
    result = bench(tiny_model, delegates=["fault-unavailable", "cpu"], threads=[1, 2], **FAST)
    statuses = [(run.delegate, run.threads, run.status) for run in result.runs]
    # One row says a delegate is unavailable, however many thread counts were asked for.
    assert statuses == [
        ("fault-unavailable", 1, "unavailable"),
        ("cpu", 1, "ok"),
        ("cpu", 2, "ok"),
    ]
    assert "never available" in result.runs[0].reason


@pytest.mark.parametrize(
    ("message", "status"),
    [
        ("Encountered unresolved custom op: Foo. Node number 3 (Foo) failed to prepare.", "unsupported"),
        ("Didn't find op for builtin opcode 'STABLEHLO_X' version '1'", "unsupported"),
        ("Could not open 'x.tflite'. The model allocation is null/empty", "error"),
    ],
)
def test_runtime_open_errors_are_classified(message, status):
    assert classify_open_error(message) == status


def test_setting_stop_kills_the_worker_and_interrupts_the_run(tiny_model):
    """How workers side by side stop together: a hanging worker is gone within moments of STOP."""
    import threading
    import time

    from edgekit.devices.host import HostDevice
    from edgekit.devices.request import WorkerRequest
    from edgekit.measure.loop import LoopConfig

    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        HostDevice().run(tiny_model, WorkerRequest("fault-hang", 1), {"input": np.ones((1, 8), np.float32)},
                         LoopConfig(), timeout_s=60, delegate_modules=("tests.fault_delegates",), stop=stop)
    assert time.monotonic() - start < 10
